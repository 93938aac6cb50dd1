// The demo homelab cluster: three nodes (one under MemoryPressure), the media stack (sonarr,
// radarr, prowlarr, plex; radarr at a 1Gi limit, OOMKilled six times, BackOff and OOMKilling
// events, two rollout revisions), Home Assistant as a StatefulSet, Prometheus and Alertmanager,
// Argo CD, kube-system (CoreDNS, a kube-proxy DaemonSet), services, config maps and secrets.
// Built through the same write path and controllers the API uses, then aged, so every object is
// consistent (owner references, revisions, pod-template hashes, events, logs).

import { recordEvent, restartContainer } from './controllers.js';
import {
  DEFAULT_KUBE_VERSION,
  emptyKubernetesState,
  getObject,
  listObjects,
  logKey,
  nanoTimestamp,
  putObject,
  resourceType,
  timestamp,
  type EventObject,
  type JsonObject,
  type KubeObject,
  type KubernetesState,
  type KubernetesStateOptions,
  type NodeObject,
  type Pod,
  type Workload,
} from './model.js';
import { createObject, patchObject, type ApiContext } from './objects.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const TIME_FIELDS = new Set([
  'creationTimestamp',
  'startTime',
  'startedAt',
  'finishedAt',
  'lastTransitionTime',
  'lastUpdateTime',
  'lastHeartbeatTime',
  'firstTimestamp',
  'lastTimestamp',
  'timeAdded',
]);

function shiftValue(value: unknown, ms: number): unknown {
  if (Array.isArray(value)) return value.map((item) => shiftValue(item, ms));
  if (typeof value !== 'object' || value === null) return value;
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    result[key] =
      TIME_FIELDS.has(key) && typeof child === 'string' && !Number.isNaN(Date.parse(child))
        ? timestamp(Date.parse(child) - ms)
        : shiftValue(child, ms);
  }
  return result;
}

/** Moves every timestamp in the cluster `ms` into the past (objects, events, log lines). */
function age(state: KubernetesState, ms: number): void {
  for (const objects of state.objects.values()) {
    for (const [key, object] of objects) objects.set(key, shiftValue(object, ms) as KubeObject);
  }
  for (const logs of state.logs.values()) {
    for (const lines of [logs.current, logs.previous ?? []]) {
      for (const line of lines) line.time = nanoTimestamp(Date.parse(line.time) - ms);
    }
  }
}

function create(
  context: ApiContext,
  plural: string,
  namespace: string | undefined,
  body: JsonObject,
): void {
  createObject(context, resourceType(plural), namespace, body, false);
}

function node(
  name: string,
  options: { cpu: string; memoryKi: number; ip: string; controlPlane?: boolean },
): JsonObject {
  const at = timestamp();
  const kubeletCondition = (
    type: string,
    status: 'True' | 'False',
    reason: string,
    message: string,
  ) => ({
    type,
    status,
    lastHeartbeatTime: at,
    lastTransitionTime: at,
    reason,
    message,
  });
  return {
    metadata: {
      name,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        ...(options.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
      },
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR: `10.42.${options.ip.split('.')[3]}.0/24`,
      podCIDRs: [`10.42.${options.ip.split('.')[3]}.0/24`],
    },
    status: {
      capacity: {
        cpu: options.cpu,
        'ephemeral-storage': '490617756Ki',
        memory: `${options.memoryKi}Ki`,
        pods: '110',
      },
      allocatable: {
        cpu: options.cpu,
        'ephemeral-storage': '452164070681',
        memory: `${options.memoryKi - 102400}Ki`,
        pods: '110',
      },
      conditions: [
        kubeletCondition(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        kubeletCondition(
          'DiskPressure',
          'False',
          'KubeletHasNoDiskPressure',
          'kubelet has no disk pressure',
        ),
        kubeletCondition(
          'PIDPressure',
          'False',
          'KubeletHasSufficientPID',
          'kubelet has sufficient PID available',
        ),
        kubeletCondition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: options.ip },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: `${name.replace(/[^a-z0-9]/g, '')}00000000000000000000000000`.slice(0, 32),
        systemUUID: `4c4c4544-0042-3510-8052-${options.ip.split('.')[3]?.padStart(12, '0') ?? '000000000000'}`,
        bootID: `b00710d0-0000-4000-8000-${options.ip.split('.')[3]?.padStart(12, '0') ?? '000000000000'}`,
        kernelVersion: '6.8.0-79-generic',
        osImage: 'Ubuntu 24.04.3 LTS',
        containerRuntimeVersion: 'containerd://2.1.4',
        kubeletVersion: DEFAULT_KUBE_VERSION,
        kubeProxyVersion: DEFAULT_KUBE_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

interface AppOptions {
  name: string;
  image: string;
  port: number;
  partOf: string;
  requests?: Record<string, string>;
  limits?: Record<string, string>;
  replicas?: number;
  env?: Array<{ name: string; value: string }>;
}

function podTemplate(options: AppOptions): JsonObject {
  return {
    metadata: {
      labels: {
        app: options.name,
        'app.kubernetes.io/name': options.name,
        'app.kubernetes.io/part-of': options.partOf,
      },
    },
    spec: {
      containers: [
        {
          name: options.name,
          image: options.image,
          ports: [{ name: 'http', containerPort: options.port, protocol: 'TCP' }],
          env: options.env ?? [{ name: 'TZ', value: 'Europe/Berlin' }],
          resources: {
            ...(options.requests ? { requests: options.requests } : {}),
            ...(options.limits ? { limits: options.limits } : {}),
          },
          volumeMounts: [{ name: 'config', mountPath: '/config' }],
        },
      ],
      volumes: [{ name: 'config', persistentVolumeClaim: { claimName: `${options.name}-config` } }],
    },
  };
}

function workload(options: AppOptions, extra: JsonObject = {}): JsonObject {
  return {
    metadata: {
      name: options.name,
      labels: { app: options.name, 'app.kubernetes.io/instance': options.partOf },
    },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { app: options.name } },
      template: podTemplate(options),
      ...extra,
    },
  };
}

function service(name: string, port: number): JsonObject {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      selector: { app: name },
      ports: [{ name: 'http', port, targetPort: port, protocol: 'TCP' }],
    },
  };
}

const encode = (text: string): string => Buffer.from(text).toString('base64');

const RADARR_PREVIOUS_LOG = [
  '[Info] RssSyncService: Starting RSS Sync',
  '[Info] DownloadDecisionMaker: Processing 1250 releases',
  '[Info] RefreshMovieService: Updating info for 4312 movies',
  "[Warn] MediaCoverService: Resizing poster for 'Dune: Part Two' (2024) took 5120ms",
  '[Warn] ImportListSyncService: Import list sync is taking longer than expected (memory pressure?)',
  '[Info] RefreshMovieService: Updating info for Oppenheimer (2023)',
];

function seedCluster(context: ApiContext): void {
  const { state } = context;
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    create(context, 'namespaces', undefined, { metadata: { name } });
  }
  create(
    context,
    'nodes',
    undefined,
    node('kube-cp-1', { cpu: '4', memoryKi: 16318412, ip: '192.168.10.11', controlPlane: true }),
  );
  create(
    context,
    'nodes',
    undefined,
    node('kube-worker-1', { cpu: '8', memoryKi: 32695548, ip: '192.168.10.12' }),
  );
  create(
    context,
    'nodes',
    undefined,
    node('kube-worker-2', { cpu: '4', memoryKi: 8040120, ip: '192.168.10.13' }),
  );
  create(
    context,
    'deployments',
    'kube-system',
    workload(
      {
        name: 'coredns',
        image: 'registry.k8s.io/coredns/coredns:v1.12.3',
        port: 53,
        partOf: 'kube-system',
        requests: { cpu: '100m', memory: '70Mi' },
        limits: { memory: '170Mi' },
        env: [],
      },
      {},
    ),
  );
  create(context, 'daemonsets', 'kube-system', {
    metadata: { name: 'kube-proxy', labels: { 'k8s-app': 'kube-proxy' } },
    spec: {
      selector: { matchLabels: { 'k8s-app': 'kube-proxy' } },
      template: {
        metadata: { labels: { 'k8s-app': 'kube-proxy' } },
        spec: {
          hostNetwork: true,
          priorityClassName: 'system-node-critical',
          containers: [
            {
              name: 'kube-proxy',
              image: `registry.k8s.io/kube-proxy:${DEFAULT_KUBE_VERSION}`,
              command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf'],
              securityContext: { privileged: true },
            },
          ],
        },
      },
    },
  });
  age(state, 100 * DAY);
}

function seedApps(context: ApiContext): void {
  const { state } = context;
  for (const name of ['media', 'home', 'monitoring', 'argocd']) {
    create(context, 'namespaces', undefined, {
      metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'argocd' } },
    });
  }
  create(
    context,
    'deployments',
    'argocd',
    workload({
      name: 'argocd-server',
      image: 'quay.io/argoproj/argocd:v3.5.1',
      port: 8080,
      partOf: 'argocd',
      requests: { cpu: '50m', memory: '128Mi' },
    }),
  );
  create(
    context,
    'deployments',
    'argocd',
    workload({
      name: 'argocd-repo-server',
      image: 'quay.io/argoproj/argocd:v3.5.1',
      port: 8081,
      partOf: 'argocd',
      requests: { cpu: '50m', memory: '256Mi' },
    }),
  );
  create(
    context,
    'statefulsets',
    'argocd',
    workload(
      {
        name: 'argocd-application-controller',
        image: 'quay.io/argoproj/argocd:v3.5.1',
        port: 8082,
        partOf: 'argocd',
        requests: { cpu: '250m', memory: '512Mi' },
      },
      { serviceName: 'argocd-application-controller' },
    ),
  );
  create(context, 'services', 'argocd', service('argocd-server', 8080));
  create(context, 'secrets', 'argocd', {
    metadata: { name: 'argocd-initial-admin-secret' },
    type: 'Opaque',
    data: { password: encode('hunter2-sim-admin') },
  });

  create(
    context,
    'deployments',
    'monitoring',
    workload({
      name: 'prometheus',
      image: 'quay.io/prometheus/prometheus:v3.5.0',
      port: 9090,
      partOf: 'monitoring',
      requests: { cpu: '200m', memory: '1Gi' },
      limits: { memory: '2Gi' },
    }),
  );
  create(
    context,
    'statefulsets',
    'monitoring',
    workload(
      {
        name: 'alertmanager',
        image: 'quay.io/prometheus/alertmanager:v0.28.1',
        port: 9093,
        partOf: 'monitoring',
        requests: { cpu: '20m', memory: '64Mi' },
      },
      { serviceName: 'alertmanager' },
    ),
  );
  create(context, 'services', 'monitoring', service('prometheus', 9090));
  create(context, 'services', 'monitoring', service('alertmanager', 9093));

  create(
    context,
    'statefulsets',
    'home',
    workload(
      {
        name: 'home-assistant',
        image: 'ghcr.io/home-assistant/home-assistant:2025.8.3',
        port: 8123,
        partOf: 'home-assistant',
        requests: { cpu: '250m', memory: '512Mi' },
        limits: { memory: '2Gi' },
      },
      { serviceName: 'home-assistant' },
    ),
  );
  create(context, 'services', 'home', service('home-assistant', 8123));

  const arr = (name: string, image: string, port: number): AppOptions => ({
    name,
    image,
    port,
    partOf: 'media-stack',
    requests: { cpu: '100m', memory: name === 'radarr' ? '512Mi' : '256Mi' },
    limits: { memory: '1Gi' },
    env: [
      { name: 'TZ', value: 'Europe/Berlin' },
      { name: 'PUID', value: '1000' },
      { name: 'PGID', value: '1000' },
    ],
  });
  create(
    context,
    'deployments',
    'media',
    workload(arr('sonarr', 'lscr.io/linuxserver/sonarr:4.0.15', 8989)),
  );
  create(
    context,
    'deployments',
    'media',
    workload(arr('radarr', 'lscr.io/linuxserver/radarr:5.26.2', 7878)),
  );
  create(
    context,
    'deployments',
    'media',
    workload(arr('prowlarr', 'lscr.io/linuxserver/prowlarr:2.0.5', 9696)),
  );
  create(
    context,
    'deployments',
    'media',
    workload({
      name: 'plex',
      image: 'plexinc/pms-docker:1.42.1.10060-4e8b05daf',
      port: 32400,
      partOf: 'media-stack',
      requests: { cpu: '1', memory: '2Gi' },
      limits: { memory: '4Gi' },
    }),
  );
  for (const [name, port] of [
    ['sonarr', 8989],
    ['radarr', 7878],
    ['prowlarr', 9696],
    ['plex', 32400],
  ] as const) {
    create(context, 'services', 'media', service(name, port));
  }
  create(context, 'configmaps', 'media', {
    metadata: { name: 'arr-settings' },
    data: { TZ: 'Europe/Berlin', MEDIA_ROOT: '/srv/media', DOWNLOADS: '/srv/downloads' },
  });
  create(context, 'secrets', 'media', {
    metadata: { name: 'arr-api-keys', labels: { 'app.kubernetes.io/part-of': 'media-stack' } },
    type: 'Opaque',
    data: {
      SONARR_API_KEY: encode('0f4d3c2b1a09f8e7d6c5b4a3f2e1d0c9'),
      RADARR_API_KEY: encode('9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f'),
      PROWLARR_API_KEY: encode('5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d'),
    },
  });
  age(state, 20 * DAY);
  // Renovate bumped radarr two days ago: revision 2.
  patchObject(
    context,
    resourceType('deployments'),
    'media',
    'radarr',
    'strategic',
    {
      spec: {
        template: {
          spec: { containers: [{ name: 'radarr', image: 'lscr.io/linuxserver/radarr:5.27.5' }] },
        },
      },
    },
    false,
  );
  age(state, 2 * DAY);
}

/** radarr runs at its 1Gi limit on kube-worker-2, which is short of memory: six OOM kills so far. */
function seedTrouble(state: KubernetesState): void {
  const now = Date.now();
  const worker = getObject<NodeObject>(state, 'nodes', undefined, 'kube-worker-2');
  const radarr = getObject<Workload>(state, 'deployments', 'media', 'radarr');
  const pod = listObjects<Pod>(state, 'pods', 'media').find(
    (candidate) => candidate.metadata.labels?.app === 'radarr',
  );
  if (!worker || !radarr || !pod) throw new Error('demo cluster incomplete');
  pod.spec.nodeName = 'kube-worker-2';
  pod.status.hostIP = '192.168.10.13';
  pod.status.hostIPs = [{ ip: '192.168.10.13' }];
  putObject(state, 'pods', pod);
  for (let restart = 0; restart < 6; restart++) {
    restartContainer(state, 'media', pod.metadata.name, 'radarr', {
      reason: 'OOMKilled',
      exitCode: 137,
      lastLines: restart === 5 ? RADARR_PREVIOUS_LOG : [],
    });
  }
  const status = pod.status.containerStatuses?.[0];
  if (status?.lastState.terminated) {
    status.lastState.terminated.startedAt = timestamp(now - 3 * HOUR);
    status.lastState.terminated.finishedAt = timestamp(now - 7 * MINUTE);
    status.state = { running: { startedAt: timestamp(now - 7 * MINUTE + 10_000) } };
  }
  const logs = state.logs.get(logKey('media', pod.metadata.name, 'radarr'));
  if (logs) {
    const shift = (lines: typeof logs.current, endMs: number): void => {
      lines.forEach((line, index) => {
        line.time = nanoTimestamp(endMs - (lines.length - index) * 37_000);
      });
    };
    shift(logs.previous ?? [], now - 7 * MINUTE);
    shift(logs.current, now - 5 * MINUTE);
    logs.current.push(
      { time: nanoTimestamp(now - 4 * MINUTE), text: '[Info] RssSyncService: Starting RSS Sync' },
      {
        time: nanoTimestamp(now - 2 * MINUTE),
        text: '[Warn] RefreshMovieService: Refresh is using 940 MB of memory',
      },
    );
  }
  state.usage.set(logKey('media', pod.metadata.name, 'radarr'), { cpu: '412m', memory: '981Mi' });
  putObject(state, 'pods', pod);
  const backOff = listObjects<EventObject>(state, 'events', 'media').find(
    (event) => event.reason === 'BackOff' && event.involvedObject.name === pod.metadata.name,
  );
  if (backOff) {
    backOff.count = 14;
    backOff.firstTimestamp = timestamp(now - 2 * DAY + HOUR);
    backOff.lastTimestamp = timestamp(now - 7 * MINUTE);
    putObject(state, 'events', backOff);
  }

  worker.status.conditions = worker.status.conditions.map((condition) =>
    condition.type === 'MemoryPressure'
      ? {
          ...condition,
          status: 'True',
          reason: 'KubeletHasInsufficientMemory',
          message: 'kubelet has insufficient memory available',
          lastTransitionTime: timestamp(now - 40 * MINUTE),
        }
      : condition,
  );
  worker.spec.taints = [
    {
      key: 'node.kubernetes.io/memory-pressure',
      effect: 'NoSchedule',
      timeAdded: timestamp(now - 40 * MINUTE),
    } as { key: string; effect: string },
  ];
  putObject(state, 'nodes', worker);
  state.usage.set('node/kube-worker-2', { cpu: '2870m', memory: '7412Mi' });
  const kernel = { component: 'kernel-monitor', host: 'kube-worker-2' };
  const oom = recordEvent(
    state,
    worker,
    'Warning',
    'OOMKilling',
    'Memory cgroup out of memory: Killed process 48211 (Radarr) total-vm:3841220kB, anon-rss:1046780kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:2680kB oom_score_adj:999',
    kernel,
    now - 7 * MINUTE,
  );
  oom.count = 6;
  oom.firstTimestamp = timestamp(now - 2 * DAY + HOUR);
  putObject(state, 'events', oom);
  recordEvent(
    state,
    worker,
    'Normal',
    'NodeHasInsufficientMemory',
    'Node kube-worker-2 status is now: NodeHasInsufficientMemory',
    { component: 'kubelet', host: 'kube-worker-2' },
    now - 40 * MINUTE,
  );
  recordEvent(
    state,
    worker,
    'Warning',
    'EvictionThresholdMet',
    'Attempting to reclaim memory',
    { component: 'kubelet', host: 'kube-worker-2' },
    now - 38 * MINUTE,
  );
  recordEvent(
    state,
    radarr,
    'Normal',
    'ScalingReplicaSet',
    `Scaled up replica set ${pod.metadata.ownerReferences?.[0]?.name ?? 'radarr'} from 0 to 1`,
    { component: 'deployment-controller' },
    now - 2 * DAY,
  );
}

/**
 * A cluster state. `seed: 'demo'` (default) is the homelab cluster described above; `empty` has
 * only the default namespaces and no nodes.
 */
export function createKubernetesState(options: KubernetesStateOptions = {}): KubernetesState {
  const state = emptyKubernetesState(options);
  const context: ApiContext = { state, checkSchema: () => [] };
  const delay = state.rolloutDelayMs;
  state.rolloutDelayMs = 0;
  if (options.seed === 'empty') {
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      create(context, 'namespaces', undefined, { metadata: { name } });
    }
  } else {
    seedCluster(context);
    seedApps(context);
    seedTrouble(state);
  }
  state.rolloutDelayMs = delay;
  return state;
}
