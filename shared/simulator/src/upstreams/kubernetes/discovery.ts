// Discovery documents (/api, /apis, /api/v1, /apis/apps/v1, /apis/metrics.k8s.io/v1beta1) and
// /version, derived from the resource table, so clients that look resources up (kubectl,
// @kubernetes/client-node's KubernetesObjectApi) find what the simulator serves, and
// metrics.k8s.io appears only while metrics-server is "installed".

import { RESOURCES, type KubernetesState, type ResourceType } from './model.js';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update'];

interface ApiResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

function resourceEntries(resource: ResourceType): ApiResource[] {
  const entries: ApiResource[] = [
    {
      name: resource.plural,
      singularName: resource.singular,
      namespaced: resource.namespaced,
      kind: resource.kind,
      verbs: VERBS,
      ...(resource.shortNames ? { shortNames: resource.shortNames } : {}),
      ...(['pods', 'services', 'deployments', 'statefulsets', 'daemonsets', 'replicasets'].includes(
        resource.plural,
      )
        ? { categories: ['all'] }
        : {}),
    },
  ];
  if (resource.statusSubresource) {
    entries.push({
      name: `${resource.plural}/status`,
      singularName: '',
      namespaced: resource.namespaced,
      kind: resource.kind,
      verbs: ['get'],
    });
  }
  if (resource.scale) {
    entries.push({
      name: `${resource.plural}/scale`,
      singularName: '',
      namespaced: true,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
  }
  if (resource.plural === 'pods') {
    entries.push({
      name: 'pods/log',
      singularName: '',
      namespaced: true,
      kind: 'Pod',
      verbs: ['get'],
    });
  }
  return entries;
}

export function resourceList(group: '' | 'apps') {
  return {
    kind: 'APIResourceList' as const,
    apiVersion: 'v1',
    groupVersion: group === '' ? 'v1' : `${group}/v1`,
    resources: RESOURCES.filter((resource) => resource.group === group).flatMap(resourceEntries),
  };
}

export const METRICS_GROUP_VERSION = 'metrics.k8s.io/v1beta1';

export function metricsResourceList() {
  return {
    kind: 'APIResourceList' as const,
    apiVersion: 'v1',
    groupVersion: METRICS_GROUP_VERSION,
    resources: [
      {
        name: 'nodes',
        singularName: '',
        namespaced: false,
        kind: 'NodeMetrics',
        verbs: ['get', 'list'],
      },
      {
        name: 'pods',
        singularName: '',
        namespaced: true,
        kind: 'PodMetrics',
        verbs: ['get', 'list'],
      },
    ],
  };
}

function group(name: string, version: string) {
  const groupVersion = { groupVersion: `${name}/${version}`, version };
  return { name, versions: [groupVersion], preferredVersion: groupVersion };
}

export function apiGroup(name: 'apps' | 'metrics.k8s.io') {
  return {
    kind: 'APIGroup' as const,
    apiVersion: 'v1',
    ...group(name, name === 'apps' ? 'v1' : 'v1beta1'),
  };
}

export function apiGroupList(state: KubernetesState) {
  return {
    kind: 'APIGroupList' as const,
    apiVersion: 'v1',
    groups: [
      group('apps', 'v1'),
      ...(state.metricsServer ? [group('metrics.k8s.io', 'v1beta1')] : []),
    ],
  };
}

export function apiVersions(host: string | undefined) {
  return {
    kind: 'APIVersions' as const,
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host ?? '127.0.0.1' }],
  };
}

export function versionInfo(state: KubernetesState) {
  const { major, minor, gitVersion } = state.version;
  return {
    major,
    minor,
    emulationMajor: major,
    emulationMinor: minor,
    minCompatibilityMajor: major,
    minCompatibilityMinor: String(Math.max(0, Number(minor) - 1)),
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-12-17T12:00:00Z',
    goVersion: 'go1.25.5',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
