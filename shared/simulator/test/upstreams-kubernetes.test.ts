// The simulated Kubernetes API server (src/upstreams/kubernetes.ts) over real HTTP on 127.0.0.1:
// discovery, auth and RBAC, lists with selectors and pages, get/create/replace/patch/delete with
// their state effects, dry run, strategic merge by container name, scale, rollout restart and
// undo, StatefulSet and DaemonSet rollouts, pod logs, Tables, metrics present and absent, Status
// errors, faults, and @kubernetes/client-node 2.0.1 against it. Every request and response is
// checked against the core v1 and apps/v1 contracts; a violation fails the test that caused it.

import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  Metrics,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createKubernetesState,
  getKubeObject,
  listKubeObjects,
  restartContainer,
  settleRollouts,
  startKubernetesSim,
  startSimulatedHomelab,
  type EventObject,
  type KubeObject,
  type KubernetesState,
  type NodeObject,
  type Pod,
  type SimulatedHomelab,
  type Upstream,
  type Workload,
} from '../src/index.js';
import { failOnViolations } from '../src/vitest.js';

interface Status {
  kind: string;
  apiVersion: string;
  status: string;
  reason?: string;
  message?: string;
  code: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: Array<{ field?: string; reason: string; message: string }>;
  };
}

interface List<T> {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

interface Table {
  kind: string;
  apiVersion: string;
  columnDefinitions: Array<{ name: string; type: string; priority: number }>;
  rows: Array<{
    cells: unknown[];
    object?: { kind?: string; metadata: { name: string }; spec?: unknown };
  }>;
}

interface Scale {
  kind: string;
  apiVersion: string;
  metadata: { name: string; resourceVersion: string };
  spec: { replicas: number };
  status: { replicas: number; selector: string };
}

interface Reply<T> {
  status: number;
  contentType: string | null;
  body: T;
  text: string;
}

const TABLE_V1 = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const KUBECTL_ACCEPT = `${TABLE_V1},application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json`;
const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const JSON_PATCH = 'application/json-patch+json';
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';
const REVISION = 'deployment.kubernetes.io/revision';

let sim: Upstream<KubernetesState>;

async function call<T = unknown>(
  method: string,
  path: string,
  options: { body?: unknown; contentType?: string; accept?: string; token?: string | null } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? sim.state.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.accept) headers.accept = options.accept;
  if (options.body !== undefined)
    headers['content-type'] = options.contentType ?? 'application/json';
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // text/plain (logs)
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: body as T,
    text,
  };
}

const get = <T = unknown>(path: string, accept?: string) => call<T>('GET', path, { accept });

function podsOf(app: string, namespace = 'media'): Pod[] {
  return listKubeObjects<Pod>(sim.state, 'pods', namespace).filter(
    (pod) => pod.metadata.labels?.app === app,
  );
}

function onlyPod(app: string, namespace = 'media'): Pod {
  const pods = podsOf(app, namespace);
  expect(pods).toHaveLength(1);
  return pods[0] as Pod;
}

function replicaSetsOf(app: string, namespace = 'media'): Workload[] {
  return listKubeObjects<Workload>(sim.state, 'replicasets', namespace).filter((rs) =>
    rs.metadata.name.startsWith(`${app}-`),
  );
}

function expectStatus(reply: Reply<unknown>, code: number, reason: string): Status {
  expect(reply.status).toBe(code);
  const status = reply.body as Status;
  expect(status).toMatchObject({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    reason,
    code,
  });
  return status;
}

const restartPatch = (at = new Date().toISOString()) => ({
  spec: { template: { metadata: { annotations: { [RESTARTED_AT]: at } } } },
});

describe('the simulated Kubernetes API', () => {
  beforeEach(async () => {
    sim = await startKubernetesSim();
  });
  afterEach(async () => {
    await sim.close();
  });
  failOnViolations(() => sim);

  describe('discovery', () => {
    it('serves /api, /apis, /version and the resource lists of v1 and apps/v1', async () => {
      expect((await get<{ versions: string[] }>('/api')).body.versions).toEqual(['v1']);
      const groups = (await get<{ groups: Array<{ name: string }> }>('/apis')).body.groups.map(
        (g) => g.name,
      );
      expect(groups).toEqual(['apps', 'metrics.k8s.io']);
      expect((await get<{ gitVersion: string; minor: string }>('/version')).body).toMatchObject({
        gitVersion: 'v1.35.0',
        minor: '35',
      });
      for (const path of ['/api/v1', '/api/v1/']) {
        const core = await get<{
          groupVersion: string;
          resources: Array<{ name: string; kind: string }>;
        }>(path);
        expect(core.body.groupVersion).toBe('v1');
        const names = core.body.resources.map((resource) => resource.name);
        expect(names).toEqual(
          expect.arrayContaining([
            'pods',
            'pods/log',
            'pods/status',
            'nodes',
            'events',
            'secrets',
            'configmaps',
            'services',
            'namespaces',
          ]),
        );
      }
      const apps = await get<{ resources: Array<{ name: string; kind: string; group?: string }> }>(
        '/apis/apps/v1',
      );
      expect(apps.body.resources).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'deployments', kind: 'Deployment' }),
          expect.objectContaining({
            name: 'deployments/scale',
            kind: 'Scale',
            group: 'autoscaling',
          }),
          expect.objectContaining({ name: 'statefulsets', kind: 'StatefulSet' }),
          expect.objectContaining({ name: 'daemonsets', kind: 'DaemonSet' }),
          expect.objectContaining({ name: 'replicasets', kind: 'ReplicaSet' }),
        ]),
      );
    });
  });

  describe('auth', () => {
    it('answers 401 with an Unauthorized Status without or with a wrong token', async () => {
      for (const token of [null, 'wrong']) {
        const reply = await call('GET', '/api/v1/namespaces/media/pods', { token });
        expect(expectStatus(reply, 401, 'Unauthorized').message).toBe('Unauthorized');
      }
    });

    it('lets the viewer read but not write or read secrets (403 Forbidden Status)', async () => {
      const viewer = sim.state.viewerToken;
      expect((await call('GET', '/api/v1/namespaces/media/pods', { token: viewer })).status).toBe(
        200,
      );
      const secret = await call('GET', '/api/v1/namespaces/media/secrets/arr-api-keys', {
        token: viewer,
      });
      expect(expectStatus(secret, 403, 'Forbidden').message).toBe(
        'secrets "arr-api-keys" is forbidden: User "system:serviceaccount:default:viewer" cannot get resource "secrets" in API group "" in the namespace "media"',
      );
      const pod = onlyPod('radarr').metadata.name;
      const del = await call('DELETE', `/api/v1/namespaces/media/pods/${pod}`, { token: viewer });
      expectStatus(del, 403, 'Forbidden');
      const scale = await call('PATCH', '/apis/apps/v1/namespaces/media/deployments/radarr/scale', {
        token: viewer,
        body: { spec: { replicas: 2 } },
        contentType: MERGE,
      });
      expect(expectStatus(scale, 403, 'Forbidden').message).toContain(
        'cannot patch resource "deployments/scale" in API group "apps"',
      );
      const nodes = await call('DELETE', '/api/v1/nodes/kube-worker-2', { token: viewer });
      expect(expectStatus(nodes, 403, 'Forbidden').message).toContain('at the cluster scope');
      expect(getKubeObject(sim.state, 'pods', 'media', pod)).toBeDefined();
    });

    it('accepts the token given to startKubernetesSim', async () => {
      await sim.close();
      sim = await startKubernetesSim({ token: 'my-token' });
      expect(sim.state.token).toBe('my-token');
      expect((await call('GET', '/api/v1/nodes', { token: 'my-token' })).status).toBe(200);
      expect((await call('GET', '/api/v1/nodes', { token: 'sim-kube-token' })).status).toBe(401);
    });
  });

  describe('lists', () => {
    it('lists namespaced and across namespaces; items carry no kind', async () => {
      const media = await get<List<Pod>>('/api/v1/namespaces/media/pods');
      expect(media.body.kind).toBe('PodList');
      expect(media.body.items.map((pod) => pod.metadata.labels?.app).sort()).toEqual([
        'plex',
        'prowlarr',
        'radarr',
        'sonarr',
      ]);
      expect(media.body.items[0]).not.toHaveProperty('kind');
      const all = await get<List<Pod>>('/api/v1/pods');
      const namespaces = new Set(all.body.items.map((pod) => pod.metadata.namespace));
      expect([...namespaces].sort()).toEqual([
        'argocd',
        'home',
        'kube-system',
        'media',
        'monitoring',
      ]);
      const deployments = await get<List<Workload>>('/apis/apps/v1/deployments');
      expect(deployments.body.kind).toBe('DeploymentList');
      expect(
        deployments.body.items.map((d) => `${d.metadata.namespace}/${d.metadata.name}`),
      ).toContain('media/radarr');
      const nothing = await get<List<Pod>>('/api/v1/namespaces/does-not-exist/pods');
      expect(nothing.body.items).toEqual([]);
    });

    it('filters by label selector (equality, set-based, existence) and rejects a bad one', async () => {
      const names = async (selector: string) =>
        (
          await get<List<Workload>>(
            `/apis/apps/v1/namespaces/media/deployments?labelSelector=${encodeURIComponent(selector)}`,
          )
        ).body.items
          .map((d) => d.metadata.name)
          .sort();
      expect(await names('app=radarr')).toEqual(['radarr']);
      expect(await names('app in (sonarr,plex)')).toEqual(['plex', 'sonarr']);
      expect(await names('app!=plex,app.kubernetes.io/instance=media-stack')).toEqual([
        'prowlarr',
        'radarr',
        'sonarr',
      ]);
      expect(await names('!app')).toEqual([]);
      expectStatus(
        await get('/api/v1/pods?labelSelector=' + encodeURIComponent('app=(x')),
        400,
        'BadRequest',
      );
    });

    it('filters pods by spec.nodeName and events by involvedObject; rejects unsupported fields', async () => {
      const radarr = onlyPod('radarr').metadata.name;
      const onWorker2 = await get<List<Pod>>(
        '/api/v1/pods?fieldSelector=spec.nodeName%3Dkube-worker-2',
      );
      const pods = onWorker2.body.items.map((pod) => pod.metadata.name);
      expect(pods).toContain(radarr);
      expect(onWorker2.body.items.every((pod) => pod.spec.nodeName === 'kube-worker-2')).toBe(true);

      const selector = encodeURIComponent(`involvedObject.name=${radarr},involvedObject.kind=Pod`);
      const events = (
        await get<List<EventObject>>(`/api/v1/namespaces/media/events?fieldSelector=${selector}`)
      ).body.items;
      const backOff = events.find((event) => event.reason === 'BackOff');
      expect(backOff).toMatchObject({
        type: 'Warning',
        count: 14,
        involvedObject: { kind: 'Pod', name: radarr },
      });
      expect(backOff?.message).toContain(
        `Back-off restarting failed container radarr in pod ${radarr}`,
      );
      expect(Date.parse(backOff?.lastTimestamp ?? '')).toBeGreaterThan(Date.now() - 10 * 60_000);

      const nodeEvents = (
        await get<List<EventObject>>(
          '/api/v1/events?fieldSelector=involvedObject.kind%3DNode,type%3DWarning',
        )
      ).body.items;
      expect(nodeEvents.map((event) => event.reason).sort()).toEqual([
        'EvictionThresholdMet',
        'OOMKilling',
      ]);
      expect(nodeEvents.find((event) => event.reason === 'OOMKilling')).toMatchObject({
        count: 6,
        involvedObject: { name: 'kube-worker-2' },
      });

      const bad = await get('/api/v1/pods?fieldSelector=spec.image%3Dx');
      expect(expectStatus(bad, 400, 'BadRequest').message).toBe(
        'field label not supported: spec.image',
      );
    });

    it('pages with limit and continue', async () => {
      const total = (await get<List<Pod>>('/api/v1/pods')).body.items.length;
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await get<List<Pod>>(
          `/api/v1/pods?limit=4${token ? `&continue=${token}` : ''}`,
        );
        expect(page.body.items.length).toBeLessThanOrEqual(4);
        seen.push(
          ...page.body.items.map((pod) => `${pod.metadata.namespace}/${pod.metadata.name}`),
        );
        token = page.body.metadata.continue;
        if (token) expect(page.body.metadata.remainingItemCount).toBe(total - seen.length);
        pages += 1;
      } while (token);
      expect(pages).toBe(Math.ceil(total / 4));
      expect(new Set(seen).size).toBe(total);
      expectStatus(await get('/api/v1/pods?limit=2&continue=garbage'), 400, 'BadRequest');
    });

    it('refuses watch with a Status', async () => {
      expectStatus(await get('/api/v1/namespaces/media/pods?watch=true'), 405, 'MethodNotAllowed');
    });
  });

  describe('reads', () => {
    it('shows radarr restarting: restartCount, OOMKilled lastState, node, start time, 1Gi limit, Ready', async () => {
      const name = onlyPod('radarr').metadata.name;
      const pod = (await get<Pod>(`/api/v1/namespaces/media/pods/${name}`)).body;
      expect(pod.kind).toBe('Pod');
      expect(pod.spec.nodeName).toBe('kube-worker-2');
      expect(pod.spec.containers[0]?.resources?.limits).toEqual({ memory: '1Gi' });
      expect(pod.status.phase).toBe('Running');
      expect(pod.status.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(pod.status.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      const status = pod.status.containerStatuses?.[0];
      expect(status).toMatchObject({ name: 'radarr', restartCount: 6, ready: true });
      expect(status?.lastState.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
      expect(pod.status.qosClass).toBe('Burstable');
      const status2 = await get<Pod>(`/api/v1/namespaces/media/pods/${name}/status`);
      expect(status2.body.status.containerStatuses?.[0]?.restartCount).toBe(6);
    });

    it('shows node conditions (MemoryPressure on kube-worker-2), allocatable and capacity', async () => {
      const nodes = (await get<List<NodeObject>>('/api/v1/nodes')).body.items;
      expect(nodes.map((node) => node.metadata.name)).toEqual([
        'kube-cp-1',
        'kube-worker-1',
        'kube-worker-2',
      ]);
      const pressure = (node: NodeObject, type: string) =>
        node.status.conditions.find((c) => c.type === type)?.status;
      const worker2 = (await get<NodeObject>('/api/v1/nodes/kube-worker-2')).body;
      expect(pressure(worker2, 'MemoryPressure')).toBe('True');
      expect(pressure(worker2, 'DiskPressure')).toBe('False');
      expect(pressure(worker2, 'Ready')).toBe('True');
      expect(worker2.status.allocatable).toMatchObject({ cpu: '4', pods: '110' });
      expect(worker2.status.capacity.memory).toBe('8040120Ki');
      expect(nodes.filter((node) => pressure(node, 'MemoryPressure') === 'True')).toHaveLength(1);
    });

    it('returns secrets with their data, as the API server does (the data lives in the state)', async () => {
      const stored = getKubeObject(sim.state, 'secrets', 'media', 'arr-api-keys');
      const data = stored?.data as Record<string, string>;
      expect(Buffer.from(data.RADARR_API_KEY ?? '', 'base64').toString()).toMatch(/^[0-9a-f]{32}$/);
      const secret = await get<KubeObject & { data: Record<string, string> }>(
        '/api/v1/namespaces/media/secrets/arr-api-keys',
      );
      expect(secret.body.data).toEqual(data);
      const list =
        await get<List<KubeObject & { data: Record<string, string> }>>('/api/v1/secrets');
      expect(list.body.items.map((item) => item.metadata.name).sort()).toEqual([
        'argocd-initial-admin-secret',
        'arr-api-keys',
      ]);
    });

    it('answers NotFound Statuses named like the API server', async () => {
      const pod = expectStatus(await get('/api/v1/namespaces/media/pods/nope'), 404, 'NotFound');
      expect(pod.message).toBe('pods "nope" not found');
      expect(pod.details).toEqual({ name: 'nope', kind: 'pods' });
      const deploy = expectStatus(
        await get('/apis/apps/v1/namespaces/media/deployments/nope'),
        404,
        'NotFound',
      );
      expect(deploy.message).toBe('deployments.apps "nope" not found');
      expect(deploy.details).toEqual({ name: 'nope', group: 'apps', kind: 'deployments' });
    });
  });

  describe('writes', () => {
    it('creates (201), refuses duplicates (AlreadyExists) and missing namespaces, and generates names', async () => {
      const body = {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'plex-prefs' },
        data: { transcoder: 'hw' },
      };
      const created = await call<KubeObject>('POST', '/api/v1/namespaces/media/configmaps', {
        body,
      });
      expect(created.status).toBe(201);
      expect(created.body.metadata).toMatchObject({ name: 'plex-prefs', namespace: 'media' });
      expect(created.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(getKubeObject(sim.state, 'configmaps', 'media', 'plex-prefs')?.data).toEqual({
        transcoder: 'hw',
      });
      const again = await call('POST', '/api/v1/namespaces/media/configmaps', { body });
      expect(expectStatus(again, 409, 'AlreadyExists').message).toBe(
        'configmaps "plex-prefs" already exists',
      );
      const nowhere = await call('POST', '/api/v1/namespaces/nowhere/configmaps', { body });
      expect(expectStatus(nowhere, 404, 'NotFound').message).toBe('namespaces "nowhere" not found');
      const generated = await call<KubeObject>('POST', '/api/v1/namespaces/media/configmaps', {
        body: { metadata: { generateName: 'tmp-' }, data: {} },
      });
      expect(generated.body.metadata.name).toMatch(/^tmp-[a-z0-9]{5}$/);
    });

    it('creates a deployment whose controller makes a ReplicaSet (revision 1) and ready pods', async () => {
      const body = {
        metadata: { name: 'bazarr', labels: { app: 'bazarr' } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'bazarr' } },
          template: {
            metadata: { labels: { app: 'bazarr' } },
            spec: { containers: [{ name: 'bazarr', image: 'lscr.io/linuxserver/bazarr:1.5.2' }] },
          },
        },
      };
      const created = await call<Workload>('POST', '/apis/apps/v1/namespaces/media/deployments', {
        body,
      });
      expect(created.status).toBe(201);
      expect(created.body.metadata.generation).toBe(1);
      expect(created.body.spec).toMatchObject({
        revisionHistoryLimit: 10,
        strategy: { type: 'RollingUpdate' },
      });
      const read = (await get<Workload>('/apis/apps/v1/namespaces/media/deployments/bazarr')).body;
      expect(read.metadata.annotations?.[REVISION]).toBe('1');
      expect(read.status).toMatchObject({
        observedGeneration: 1,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 2,
        availableReplicas: 2,
      });
      expect(replicaSetsOf('bazarr')).toHaveLength(1);
      const pods = podsOf('bazarr');
      expect(pods).toHaveLength(2);
      expect(
        pods.every(
          (pod) => pod.status.phase === 'Running' && pod.metadata.labels?.['pod-template-hash'],
        ),
      ).toBe(true);
    });

    it('rejects invalid objects with an Invalid Status and field causes', async () => {
      const reply = await call('POST', '/apis/apps/v1/namespaces/media/deployments', {
        body: {
          metadata: { name: 'broken' },
          spec: {
            selector: { matchLabels: { app: 'broken' } },
            template: {
              metadata: { labels: { app: 'other' } },
              spec: { containers: [{ name: 'broken' }] },
            },
          },
        },
      });
      const status = expectStatus(reply, 422, 'Invalid');
      expect(status.message).toContain(
        'Deployment.apps "broken" is invalid: [spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
      );
      expect(status.details?.causes?.map((cause) => cause.field)).toEqual([
        'spec.template.metadata.labels',
        'spec.template.spec.containers[0].image',
      ]);
      expect(getKubeObject(sim.state, 'deployments', 'media', 'broken')).toBeUndefined();
    });

    it('replaces with a resourceVersion precondition (Conflict when stale) and checks the name', async () => {
      const current = (await get<KubeObject>('/api/v1/namespaces/media/configmaps/arr-settings'))
        .body;
      const stale = {
        ...current,
        metadata: { ...current.metadata, resourceVersion: '1' },
        data: { TZ: 'UTC' },
      };
      const conflict = await call('PUT', '/api/v1/namespaces/media/configmaps/arr-settings', {
        body: stale,
      });
      expect(expectStatus(conflict, 409, 'Conflict').message).toBe(
        'Operation cannot be fulfilled on configmaps "arr-settings": the object has been modified; please apply your changes to the latest version and try again',
      );
      const fresh = { ...current, data: { TZ: 'UTC' } };
      const replaced = await call<KubeObject>(
        'PUT',
        '/api/v1/namespaces/media/configmaps/arr-settings',
        { body: fresh },
      );
      expect(replaced.status).toBe(200);
      expect(replaced.body.data).toEqual({ TZ: 'UTC' });
      expect(Number(replaced.body.metadata.resourceVersion)).toBeGreaterThan(
        Number(current.metadata.resourceVersion),
      );
      const renamed = await call('PUT', '/api/v1/namespaces/media/configmaps/arr-settings', {
        body: { ...fresh, metadata: { ...fresh.metadata, name: 'other' } },
      });
      expectStatus(renamed, 400, 'BadRequest');
    });

    it('deletes: a pod of a deployment comes back under a new name; a StatefulSet pod under the same', async () => {
      const old = onlyPod('sonarr');
      const deleted = await call<Pod>(
        'DELETE',
        `/api/v1/namespaces/media/pods/${old.metadata.name}`,
      );
      expect(deleted.status).toBe(200);
      expect(deleted.body.kind).toBe('Pod');
      const replacement = onlyPod('sonarr');
      expect(replacement.metadata.name).not.toBe(old.metadata.name);
      expect(replacement.metadata.ownerReferences?.[0]?.name).toBe(
        old.metadata.ownerReferences?.[0]?.name,
      );
      expect(replacement.status.containerStatuses?.[0]?.restartCount).toBe(0);

      const ha = getKubeObject<Pod>(sim.state, 'pods', 'home', 'home-assistant-0');
      expect((await call('DELETE', '/api/v1/namespaces/home/pods/home-assistant-0')).status).toBe(
        200,
      );
      const recreated = getKubeObject<Pod>(sim.state, 'pods', 'home', 'home-assistant-0');
      expect(recreated?.metadata.uid).not.toBe(ha?.metadata.uid);
    });

    it('deletes a deployment with its ReplicaSets and pods (Status Success); dry run keeps everything', async () => {
      const dry = await call<Status>(
        'DELETE',
        '/apis/apps/v1/namespaces/media/deployments/plex?dryRun=All',
      );
      expect(dry.status).toBe(200);
      expect(podsOf('plex')).toHaveLength(1);
      const deleted = await call<Status>(
        'DELETE',
        '/apis/apps/v1/namespaces/media/deployments/plex',
      );
      expect(deleted.body).toMatchObject({
        kind: 'Status',
        status: 'Success',
        details: { name: 'plex', group: 'apps', kind: 'deployments' },
      });
      expect(getKubeObject(sim.state, 'deployments', 'media', 'plex')).toBeUndefined();
      expect(replicaSetsOf('plex')).toHaveLength(0);
      expect(podsOf('plex')).toHaveLength(0);
    });

    it('restarts a container whose image is patched on the pod (restartCount + 1, previous log)', async () => {
      const pod = onlyPod('prowlarr').metadata.name;
      const patched = await call<Pod>('PATCH', `/api/v1/namespaces/media/pods/${pod}`, {
        body: {
          spec: { containers: [{ name: 'prowlarr', image: 'lscr.io/linuxserver/prowlarr:2.0.6' }] },
        },
        contentType: STRATEGIC,
      });
      expect(patched.status).toBe(200);
      const read = (await get<Pod>(`/api/v1/namespaces/media/pods/${pod}`)).body;
      expect(read.status.containerStatuses?.[0]).toMatchObject({
        image: 'lscr.io/linuxserver/prowlarr:2.0.6',
        restartCount: 1,
        lastState: { terminated: { reason: 'Completed', exitCode: 0 } },
      });
      expect((await get(`/api/v1/namespaces/media/pods/${pod}/log?previous=true`)).text).toContain(
        'Version 2.0.5',
      );
      expect((await get(`/api/v1/namespaces/media/pods/${pod}/log`)).text).toContain(
        'Version 2.0.6',
      );
    });

    it('starts a pod created directly: at once, or after rolloutDelayMs', async () => {
      const body = (name: string) => ({
        metadata: { name },
        spec: { containers: [{ name: 'shell', image: 'busybox:1.37' }] },
      });
      const now = await call<Pod>('POST', '/api/v1/namespaces/default/pods', { body: body('now') });
      expect(now.status).toBe(201);
      expect(getKubeObject<Pod>(sim.state, 'pods', 'default', 'now')?.status.phase).toBe('Running');
      sim.state.rolloutDelayMs = 50;
      const later = await call<Pod>('POST', '/api/v1/namespaces/default/pods', {
        body: body('later'),
      });
      expect(later.body.status.phase).toBe('Pending');
      await vi.waitFor(
        () =>
          expect(getKubeObject<Pod>(sim.state, 'pods', 'default', 'later')?.status.phase).toBe(
            'Running',
          ),
        {
          timeout: 2000,
          interval: 20,
        },
      );
      expect((await get('/api/v1/namespaces/default/pods/later/log')).text).toContain(
        'Starting shell (busybox:1.37)',
      );
    });

    it('deletes a namespace with everything in it', async () => {
      expect((await call('DELETE', '/api/v1/namespaces/monitoring')).status).toBe(200);
      expect((await get<List<Pod>>('/api/v1/namespaces/monitoring/pods')).body.items).toEqual([]);
      expectStatus(await get('/api/v1/namespaces/monitoring'), 404, 'NotFound');
    });
  });

  describe('patch', () => {
    it('merge patch: maps merge, null deletes, lists are replaced whole', async () => {
      const patched = await call<Workload>(
        'PATCH',
        '/apis/apps/v1/namespaces/media/deployments/sonarr',
        {
          body: { metadata: { labels: { tier: 'media', 'app.kubernetes.io/instance': null } } },
          contentType: MERGE,
        },
      );
      expect(patched.status).toBe(200);
      expect(patched.body.metadata.labels).toEqual({ app: 'sonarr', tier: 'media' });
      expect(patched.body.metadata.generation).toBe(1);
      const replaced = await call<Workload>(
        'PATCH',
        '/apis/apps/v1/namespaces/media/deployments/sonarr',
        {
          body: {
            spec: {
              template: {
                spec: {
                  containers: [{ name: 'sonarr', image: 'lscr.io/linuxserver/sonarr:4.0.16' }],
                },
              },
            },
          },
          contentType: MERGE,
        },
      );
      const container = replaced.body.spec.template.spec.containers[0];
      expect(container?.image).toBe('lscr.io/linuxserver/sonarr:4.0.16');
      expect(container?.ports).toBeUndefined();
      expect(container?.resources).toEqual({});
    });

    it('strategic merge patch merges containers by name and keeps the other fields and containers', async () => {
      const body = {
        metadata: { name: 'plex-exporter', labels: { app: 'plex-exporter' } },
        spec: {
          selector: { matchLabels: { app: 'plex-exporter' } },
          template: {
            metadata: { labels: { app: 'plex-exporter' } },
            spec: {
              containers: [
                {
                  name: 'exporter',
                  image: 'ghcr.io/axsuul/plex-media-server-exporter:1.0',
                  ports: [{ containerPort: 9594 }],
                  env: [{ name: 'PLEX_ADDR', value: 'http://plex:32400' }],
                },
                { name: 'sidecar', image: 'busybox:1.37', args: ['sleep', 'infinity'] },
              ],
            },
          },
        },
      };
      expect(
        (await call('POST', '/apis/apps/v1/namespaces/media/deployments', { body })).status,
      ).toBe(201);
      const patched = await call<Workload>(
        'PATCH',
        '/apis/apps/v1/namespaces/media/deployments/plex-exporter',
        {
          body: {
            spec: {
              template: {
                spec: {
                  containers: [
                    {
                      name: 'exporter',
                      image: 'ghcr.io/axsuul/plex-media-server-exporter:1.1',
                      env: [{ name: 'LOG_LEVEL', value: 'debug' }],
                    },
                  ],
                },
              },
            },
          },
          contentType: STRATEGIC,
        },
      );
      expect(patched.status).toBe(200);
      const containers = patched.body.spec.template.spec.containers;
      expect(containers.map((c) => c.name)).toEqual(['exporter', 'sidecar']);
      expect(containers[0]).toMatchObject({
        image: 'ghcr.io/axsuul/plex-media-server-exporter:1.1',
        ports: [{ containerPort: 9594, protocol: 'TCP' }],
        env: [
          { name: 'PLEX_ADDR', value: 'http://plex:32400' },
          { name: 'LOG_LEVEL', value: 'debug' },
        ],
      });
      expect(containers[1]).toMatchObject({ image: 'busybox:1.37', args: ['sleep', 'infinity'] });
      expect(patched.body.metadata.generation).toBe(2);

      const removed = await call<Workload>(
        'PATCH',
        '/apis/apps/v1/namespaces/media/deployments/plex-exporter',
        {
          body: {
            spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } },
          },
          contentType: STRATEGIC,
        },
      );
      expect(removed.body.spec.template.spec.containers.map((c) => c.name)).toEqual(['exporter']);
    });

    it('JSON patch: replace, add, and a failing test op (Invalid) that changes nothing', async () => {
      const patched = await call<Workload>(
        'PATCH',
        '/apis/apps/v1/namespaces/media/deployments/prowlarr',
        {
          body: [
            { op: 'replace', path: '/spec/replicas', value: 2 },
            { op: 'add', path: '/metadata/labels/tier', value: 'indexers' },
          ],
          contentType: JSON_PATCH,
        },
      );
      expect(patched.status).toBe(200);
      expect(patched.body.spec.replicas).toBe(2);
      expect(patched.body.metadata.labels?.tier).toBe('indexers');
      expect(podsOf('prowlarr')).toHaveLength(2);
      const failing = await call('PATCH', '/apis/apps/v1/namespaces/media/deployments/prowlarr', {
        body: [
          { op: 'test', path: '/spec/replicas', value: 5 },
          { op: 'replace', path: '/spec/replicas', value: 0 },
        ],
        contentType: JSON_PATCH,
      });
      expectStatus(failing, 422, 'Invalid');
      expect(
        getKubeObject<Workload>(sim.state, 'deployments', 'media', 'prowlarr')?.spec.replicas,
      ).toBe(2);
    });

    it('dryRun=All validates and answers the result without storing or rolling anything', async () => {
      const before = getKubeObject<Workload>(sim.state, 'deployments', 'media', 'radarr');
      const pod = onlyPod('radarr').metadata.name;
      const rv = sim.state.resourceVersion;
      const dry = await call<Workload>(
        'PATCH',
        '/apis/apps/v1/namespaces/media/deployments/radarr?dryRun=All',
        {
          body: {
            spec: {
              template: {
                spec: {
                  containers: [{ name: 'radarr', image: 'lscr.io/linuxserver/radarr:5.28.0' }],
                },
              },
            },
          },
          contentType: STRATEGIC,
        },
      );
      expect(dry.status).toBe(200);
      expect(dry.body.spec.template.spec.containers[0]?.image).toBe(
        'lscr.io/linuxserver/radarr:5.28.0',
      );
      expect(dry.body.metadata.generation).toBe((before?.metadata.generation ?? 0) + 1);
      const after = (await get<Workload>('/apis/apps/v1/namespaces/media/deployments/radarr')).body;
      expect(after.spec.template.spec.containers[0]?.image).toBe(
        'lscr.io/linuxserver/radarr:5.27.5',
      );
      expect(after.metadata.generation).toBe(before?.metadata.generation);
      expect(onlyPod('radarr').metadata.name).toBe(pod);
      expect(replicaSetsOf('radarr')).toHaveLength(2);
      expect(sim.state.resourceVersion).toBe(rv);

      const dryCreate = await call('POST', '/api/v1/namespaces/media/configmaps?dryRun=All', {
        body: { metadata: { name: 'dry' } },
      });
      expect(dryCreate.status).toBe(201);
      expect(getKubeObject(sim.state, 'configmaps', 'media', 'dry')).toBeUndefined();
      const dryInvalid = await call(
        'PATCH',
        '/apis/apps/v1/namespaces/media/deployments/radarr?dryRun=All',
        {
          body: { spec: { replicas: -1 } },
          contentType: MERGE,
        },
      );
      expectStatus(dryInvalid, 422, 'Invalid');
      expectStatus(
        await call('DELETE', '/api/v1/namespaces/media/configmaps/arr-settings?dryRun=Some'),
        400,
        'BadRequest',
      );
    });

    it('rejects invalid results: negative replicas (Invalid), wrong types (BadRequest), immutable selector', async () => {
      const negative = await call('PATCH', '/apis/apps/v1/namespaces/media/deployments/radarr', {
        body: { spec: { replicas: -1 } },
        contentType: MERGE,
      });
      expect(expectStatus(negative, 422, 'Invalid').message).toBe(
        'Deployment.apps "radarr" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
      );
      const wrongType = await call('PATCH', '/apis/apps/v1/namespaces/media/deployments/radarr', {
        body: { spec: { replicas: 'three' } },
        contentType: MERGE,
      });
      expectStatus(wrongType, 400, 'BadRequest');
      const selector = await call('PATCH', '/apis/apps/v1/namespaces/media/deployments/radarr', {
        body: {
          spec: {
            selector: { matchLabels: { app: 'radarr', tier: 'x' } },
            template: { metadata: { labels: { tier: 'x' } } },
          },
        },
        contentType: STRATEGIC,
      });
      expect(expectStatus(selector, 422, 'Invalid').message).toContain(
        'spec.selector: Invalid value',
      );
      const pod = onlyPod('radarr').metadata.name;
      const podSpec = await call('PATCH', `/api/v1/namespaces/media/pods/${pod}`, {
        body: { spec: { restartPolicy: 'Never' } },
        contentType: MERGE,
      });
      expect(expectStatus(podSpec, 422, 'Invalid').message).toContain(
        'pod updates may not change fields other than',
      );
      const stale = await call('PATCH', '/apis/apps/v1/namespaces/media/deployments/radarr', {
        body: { metadata: { resourceVersion: '5' }, spec: { replicas: 2 } },
        contentType: MERGE,
      });
      expectStatus(stale, 409, 'Conflict');
      const apply = await fetch(
        `${sim.url}/apis/apps/v1/namespaces/media/deployments/radarr?fieldManager=me`,
        {
          method: 'PATCH',
          headers: {
            authorization: `Bearer ${sim.state.token}`,
            'content-type': 'application/apply-patch+yaml',
          },
          body: 'spec:\n  replicas: 2\n',
        },
      );
      expect(apply.status).toBe(415);
    });
  });

  describe('scale', () => {
    it('reads and writes the scale subresource of deployments', async () => {
      const scale = await get<Scale>('/apis/apps/v1/namespaces/media/deployments/sonarr/scale');
      expect(scale.body).toMatchObject({
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        spec: { replicas: 1 },
        status: { replicas: 1, selector: 'app=sonarr' },
      });
      const up = await call<Scale>(
        'PATCH',
        '/apis/apps/v1/namespaces/media/deployments/sonarr/scale',
        {
          body: { spec: { replicas: 3 } },
          contentType: MERGE,
        },
      );
      expect(up.status).toBe(200);
      expect(up.body.spec.replicas).toBe(3);
      expect(podsOf('sonarr')).toHaveLength(3);
      const deployment = (await get<Workload>('/apis/apps/v1/namespaces/media/deployments/sonarr'))
        .body;
      expect(deployment.spec.replicas).toBe(3);
      expect(deployment.metadata.generation).toBe(2);
      expect(deployment.status).toMatchObject({
        observedGeneration: 2,
        replicas: 3,
        readyReplicas: 3,
      });

      const current = (await get<Scale>('/apis/apps/v1/namespaces/media/deployments/sonarr/scale'))
        .body;
      const down = await call<Scale>(
        'PUT',
        '/apis/apps/v1/namespaces/media/deployments/sonarr/scale',
        {
          body: { ...current, spec: { replicas: 0 } },
        },
      );
      expect(down.body.spec.replicas).toBe(0);
      expect(podsOf('sonarr')).toHaveLength(0);
      const stale = await call('PUT', '/apis/apps/v1/namespaces/media/deployments/sonarr/scale', {
        body: { ...current, spec: { replicas: 1 } },
      });
      expectStatus(stale, 409, 'Conflict');
      const negative = await call(
        'PATCH',
        '/apis/apps/v1/namespaces/media/deployments/sonarr/scale',
        {
          body: [{ op: 'replace', path: '/spec/replicas', value: -2 }],
          contentType: JSON_PATCH,
        },
      );
      expect(expectStatus(negative, 422, 'Invalid').message).toContain(
        'Scale.autoscaling "sonarr" is invalid',
      );
    });

    it('scales a StatefulSet by ordinal', async () => {
      const up = await call<Scale>(
        'PATCH',
        '/apis/apps/v1/namespaces/home/statefulsets/home-assistant/scale',
        {
          body: { spec: { replicas: 2 } },
          contentType: STRATEGIC,
        },
      );
      expect(up.body.spec.replicas).toBe(2);
      expect(
        listKubeObjects<Pod>(sim.state, 'pods', 'home').map((pod) => pod.metadata.name),
      ).toEqual(['home-assistant-0', 'home-assistant-1']);
      const sts = (
        await get<Workload>('/apis/apps/v1/namespaces/home/statefulsets/home-assistant/status')
      ).body;
      expect(sts.status).toMatchObject({ replicas: 2, readyReplicas: 2, observedGeneration: 2 });
    });
  });

  describe('rollouts', () => {
    it('restart: new generation, new ReplicaSet revision, new pods with restartCount 0, complete status', async () => {
      const before = getKubeObject<Workload>(
        sim.state,
        'deployments',
        'media',
        'radarr',
      ) as Workload;
      expect(before.metadata.annotations?.[REVISION]).toBe('2');
      const oldPod = onlyPod('radarr');
      const at = new Date().toISOString();
      const patched = await call<Workload>(
        'PATCH',
        '/apis/apps/v1/namespaces/media/deployments/radarr?fieldManager=kubectl-rollout',
        {
          body: restartPatch(at),
          contentType: STRATEGIC,
        },
      );
      expect(patched.body.metadata.generation).toBe((before.metadata.generation ?? 0) + 1);
      expect(patched.body.spec.template.metadata?.annotations?.[RESTARTED_AT]).toBe(at);

      const after = (await get<Workload>('/apis/apps/v1/namespaces/media/deployments/radarr')).body;
      expect(after.metadata.annotations?.[REVISION]).toBe('3');
      expect(after.status).toMatchObject({
        observedGeneration: after.metadata.generation,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
      });
      const progressing = (
        after.status?.conditions as Array<{ type: string; reason: string }>
      ).find((c) => c.type === 'Progressing');
      expect(progressing?.reason).toBe('NewReplicaSetAvailable');

      const replicaSets = replicaSetsOf('radarr').sort(
        (a, b) =>
          Number(a.metadata.annotations?.[REVISION]) - Number(b.metadata.annotations?.[REVISION]),
      );
      expect(
        replicaSets.map((rs) => [rs.metadata.annotations?.[REVISION], rs.spec.replicas]),
      ).toEqual([
        ['1', 0],
        ['2', 0],
        ['3', 1],
      ]);
      const newPod = onlyPod('radarr');
      expect(newPod.metadata.name).not.toBe(oldPod.metadata.name);
      expect(newPod.metadata.name.startsWith(`${replicaSets[2]?.metadata.name}-`)).toBe(true);
      expect(newPod.status.containerStatuses?.[0]?.restartCount).toBe(0);
      expect(newPod.metadata.annotations?.[RESTARTED_AT]).toBe(at);
      const events = (
        await get<List<EventObject>>(
          '/api/v1/namespaces/media/events?fieldSelector=involvedObject.name%3Dradarr,reason%3DScalingReplicaSet',
        )
      ).body.items;
      expect(events.map((event) => event.message)).toEqual(
        expect.arrayContaining([
          `Scaled up replica set ${replicaSets[2]?.metadata.name} from 0 to 1`,
          `Scaled down replica set ${replicaSets[1]?.metadata.name} from 1 to 0`,
        ]),
      );
    });

    it('undo: patching the template back to revision 1 reuses that ReplicaSet as revision 3', async () => {
      const revision1 = replicaSetsOf('radarr').find(
        (rs) => rs.metadata.annotations?.[REVISION] === '1',
      ) as Workload;
      const template = structuredClone(revision1.spec.template);
      delete template.metadata?.labels?.['pod-template-hash'];
      const undo = await call<Workload>(
        'PATCH',
        '/apis/apps/v1/namespaces/media/deployments/radarr',
        {
          body: [{ op: 'replace', path: '/spec/template', value: template }],
          contentType: JSON_PATCH,
        },
      );
      expect(undo.status).toBe(200);
      expect(undo.body.spec.template.spec.containers[0]?.image).toBe(
        'lscr.io/linuxserver/radarr:5.26.2',
      );
      const replicaSets = replicaSetsOf('radarr');
      expect(replicaSets).toHaveLength(2);
      const reused = replicaSets.find((rs) => rs.metadata.name === revision1.metadata.name);
      expect(reused?.metadata.annotations).toMatchObject({
        [REVISION]: '3',
        'deployment.kubernetes.io/revision-history': '1',
      });
      expect(reused?.spec.replicas).toBe(1);
      const deployment = (await get<Workload>('/apis/apps/v1/namespaces/media/deployments/radarr'))
        .body;
      expect(deployment.metadata.annotations?.[REVISION]).toBe('3');
      expect(onlyPod('radarr').spec.containers[0]?.image).toBe('lscr.io/linuxserver/radarr:5.26.2');
    });

    it('with rolloutDelayMs the rollout is seen in progress, then completes', async () => {
      sim.state.rolloutDelayMs = 60_000;
      const oldPod = onlyPod('radarr').metadata.name;
      await call('PATCH', '/apis/apps/v1/namespaces/media/deployments/radarr', {
        body: restartPatch(),
        contentType: STRATEGIC,
      });
      const during = (await get<Workload>('/apis/apps/v1/namespaces/media/deployments/radarr'))
        .body;
      expect(during.status).toMatchObject({
        observedGeneration: during.metadata.generation,
        replicas: 2,
        updatedReplicas: 1,
        readyReplicas: 1,
      });
      const pods = podsOf('radarr');
      expect(pods).toHaveLength(2);
      const creating = pods.find((pod) => pod.metadata.name !== oldPod) as Pod;
      expect(creating.status.containerStatuses?.[0]?.state.waiting?.reason).toBe(
        'ContainerCreating',
      );
      const log = await get(`/api/v1/namespaces/media/pods/${creating.metadata.name}/log`);
      expect(expectStatus(log, 400, 'BadRequest').message).toBe(
        `container "radarr" in pod "${creating.metadata.name}" is waiting to start: ContainerCreating`,
      );
      settleRollouts(sim.state);
      const done = (await get<Workload>('/apis/apps/v1/namespaces/media/deployments/radarr')).body;
      expect(done.status).toMatchObject({
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
      });
      expect(onlyPod('radarr').metadata.name).toBe(creating.metadata.name);
      expect(onlyPod('radarr').status.phase).toBe('Running');

      // The timer finishes a rollout by itself.
      sim.state.rolloutDelayMs = 30;
      await call('PATCH', '/apis/apps/v1/namespaces/media/deployments/sonarr', {
        body: restartPatch(),
        contentType: STRATEGIC,
      });
      await vi.waitFor(
        () => {
          expect(podsOf('sonarr')).toHaveLength(1);
          expect(onlyPod('sonarr').status.phase).toBe('Running');
        },
        { timeout: 3000, interval: 20 },
      );
    });

    it('restarts a StatefulSet (same pod name, new revision) and a DaemonSet (one new pod per node)', async () => {
      const before = getKubeObject<Pod>(sim.state, 'pods', 'home', 'home-assistant-0') as Pod;
      const stsBefore = getKubeObject<Workload>(
        sim.state,
        'statefulsets',
        'home',
        'home-assistant',
      ) as Workload;
      await call('PATCH', '/apis/apps/v1/namespaces/home/statefulsets/home-assistant', {
        body: restartPatch(),
        contentType: STRATEGIC,
      });
      const after = getKubeObject<Pod>(sim.state, 'pods', 'home', 'home-assistant-0') as Pod;
      expect(after.metadata.uid).not.toBe(before.metadata.uid);
      const sts = (await get<Workload>('/apis/apps/v1/namespaces/home/statefulsets/home-assistant'))
        .body;
      expect(sts.status?.updateRevision).not.toBe(stsBefore.status?.updateRevision);
      expect(sts.status?.currentRevision).toBe(sts.status?.updateRevision);
      expect(after.metadata.labels?.['controller-revision-hash']).toBe(sts.status?.updateRevision);

      const proxyPods = () =>
        listKubeObjects<Pod>(sim.state, 'pods', 'kube-system').filter(
          (pod) => pod.metadata.labels?.['k8s-app'] === 'kube-proxy',
        );
      const oldNames = proxyPods().map((pod) => pod.metadata.name);
      expect(
        proxyPods()
          .map((pod) => pod.spec.nodeName)
          .sort(),
      ).toEqual(['kube-cp-1', 'kube-worker-1', 'kube-worker-2']);
      await call('PATCH', '/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy', {
        body: restartPatch(),
        contentType: STRATEGIC,
      });
      const newNames = proxyPods().map((pod) => pod.metadata.name);
      expect(newNames).toHaveLength(3);
      expect(newNames.filter((name) => oldNames.includes(name))).toEqual([]);
      const ds = (await get<Workload>('/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy'))
        .body;
      expect(ds.status).toMatchObject({
        desiredNumberScheduled: 3,
        numberReady: 3,
        updatedNumberScheduled: 3,
      });
    });

    it('does not schedule new pods onto the node under memory pressure', async () => {
      await call('PATCH', '/apis/apps/v1/namespaces/media/deployments/sonarr/scale', {
        body: { spec: { replicas: 6 } },
        contentType: MERGE,
      });
      expect(podsOf('sonarr').some((pod) => pod.spec.nodeName === 'kube-worker-2')).toBe(false);
    });
  });

  describe('pod logs', () => {
    it('serves a container log with tailLines, timestamps, sinceSeconds, limitBytes and previous', async () => {
      const pod = onlyPod('radarr').metadata.name;
      const base = `/api/v1/namespaces/media/pods/${pod}/log`;
      const all = await get(base);
      expect(all.status).toBe(200);
      expect(all.contentType).toBe('text/plain');
      const lines = all.text.trimEnd().split('\n');
      expect(lines[0]).toContain('Starting Radarr');
      expect(lines.at(-1)).toContain('Refresh is using 940 MB of memory');

      const tail = await get(`${base}?container=radarr&tailLines=2`);
      expect(tail.text.trimEnd().split('\n')).toEqual(lines.slice(-2));
      const stamped = await get(`${base}?tailLines=1&timestamps=true`);
      expect(stamped.text).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \[Warn\] RefreshMovieService/,
      );
      const recent = await get(`${base}?sinceSeconds=300`);
      expect(recent.text.trimEnd().split('\n')).toHaveLength(2);
      const limited = await get(`${base}?limitBytes=20`);
      expect(Buffer.byteLength(limited.text)).toBe(20);
      const previous = await get(`${base}?previous=true`);
      expect(previous.text).toContain('Import list sync is taking longer than expected');
      expect(previous.text).not.toContain('Refresh is using 940 MB');
    });

    it('answers the log errors of the API server', async () => {
      const sonarr = onlyPod('sonarr').metadata.name;
      const previous = await get(`/api/v1/namespaces/media/pods/${sonarr}/log?previous=true`);
      expect(expectStatus(previous, 400, 'BadRequest').message).toBe(
        `previous terminated container "sonarr" in pod "${sonarr}" not found`,
      );
      const wrong = await get(`/api/v1/namespaces/media/pods/${sonarr}/log?container=nginx`);
      expect(expectStatus(wrong, 400, 'BadRequest').message).toBe(
        `container nginx is not valid for pod ${sonarr}`,
      );
      expectStatus(await get('/api/v1/namespaces/media/pods/nope/log'), 404, 'NotFound');
      expectStatus(
        await get(`/api/v1/namespaces/media/pods/${sonarr}/log?sinceSeconds=0`),
        422,
        'Invalid',
      );

      await call('POST', '/api/v1/namespaces/media/pods', {
        body: {
          metadata: { name: 'two' },
          spec: {
            containers: [
              { name: 'a', image: 'busybox:1.37' },
              { name: 'b', image: 'busybox:1.37' },
            ],
          },
        },
      });
      const ambiguous = await get('/api/v1/namespaces/media/pods/two/log');
      expect(expectStatus(ambiguous, 400, 'BadRequest').message).toBe(
        'a container name must be specified for pod two, choose one of: [a b]',
      );
      expect((await get('/api/v1/namespaces/media/pods/two/log?container=b')).text).toContain(
        'Starting b (busybox:1.37)',
      );
    });

    it('keeps the previous log of a restarted container (restartContainer)', async () => {
      const pod = onlyPod('prowlarr').metadata.name;
      restartContainer(sim.state, 'media', pod, 'prowlarr', {
        reason: 'Error',
        exitCode: 1,
        lastLines: ['[Fatal] Database is locked'],
      });
      const previous = await get(
        `/api/v1/namespaces/media/pods/${pod}/log?previous=true&tailLines=1`,
      );
      expect(previous.text).toBe('[Fatal] Database is locked\n');
      const status = (await get<Pod>(`/api/v1/namespaces/media/pods/${pod}`)).body.status
        .containerStatuses?.[0];
      expect(status).toMatchObject({
        restartCount: 1,
        lastState: { terminated: { reason: 'Error', exitCode: 1 } },
      });
    });
  });

  describe('tables', () => {
    it('prints pods like kubectl get pods (-o wide columns at priority 1)', async () => {
      const reply = await get<Table>('/api/v1/namespaces/media/pods', KUBECTL_ACCEPT);
      expect(reply.contentType).toBe(TABLE_V1);
      expect(reply.body.kind).toBe('Table');
      expect(reply.body.apiVersion).toBe('meta.k8s.io/v1');
      expect(reply.body.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
        ['Name', 0],
        ['Ready', 0],
        ['Status', 0],
        ['Restarts', 0],
        ['Age', 0],
        ['IP', 1],
        ['Node', 1],
        ['Nominated Node', 1],
        ['Readiness Gates', 1],
      ]);
      const radarr = reply.body.rows.find((row) => String(row.cells[0]).startsWith('radarr-'));
      expect(radarr?.cells.slice(1, 5)).toEqual([
        '1/1',
        'Running',
        expect.stringMatching(/^6 \(7m\d*s? ago\)$/),
        '2d',
      ]);
      expect(radarr?.cells[6]).toBe('kube-worker-2');
      expect(radarr?.object).toMatchObject({
        kind: 'PartialObjectMetadata',
        metadata: { name: radarr?.cells[0] },
      });
      const full = await get<Table>(
        '/api/v1/namespaces/media/pods?includeObject=Object&labelSelector=app%3Dplex',
        TABLE_V1,
      );
      expect(full.body.rows).toHaveLength(1);
      expect(full.body.rows[0]?.object?.spec).toBeDefined();
      const beta = await get<Table>(
        '/api/v1/namespaces/media/pods',
        'application/json;as=Table;v=v1beta1;g=meta.k8s.io',
      );
      expect(beta.body.apiVersion).toBe('meta.k8s.io/v1beta1');
      expect(beta.contentType).toBe('application/json;as=Table;v=v1beta1;g=meta.k8s.io');
    });

    it('prints deployments, nodes and events, and a single object as one row', async () => {
      const deployments = (
        await get<Table>('/apis/apps/v1/namespaces/media/deployments', KUBECTL_ACCEPT)
      ).body;
      expect(deployments.columnDefinitions.slice(0, 5).map((c) => c.name)).toEqual([
        'Name',
        'Ready',
        'Up-to-date',
        'Available',
        'Age',
      ]);
      expect(deployments.rows.find((row) => row.cells[0] === 'radarr')?.cells.slice(1, 4)).toEqual([
        '1/1',
        1,
        1,
      ]);
      const nodes = (await get<Table>('/api/v1/nodes', KUBECTL_ACCEPT)).body;
      expect(nodes.columnDefinitions.slice(0, 5).map((c) => c.name)).toEqual([
        'Name',
        'Status',
        'Roles',
        'Age',
        'Version',
      ]);
      expect(nodes.rows.map((row) => row.cells.slice(0, 3))).toEqual([
        ['kube-cp-1', 'Ready', 'control-plane'],
        ['kube-worker-1', 'Ready', '<none>'],
        ['kube-worker-2', 'Ready', '<none>'],
      ]);
      await call('PATCH', '/api/v1/nodes/kube-worker-2', {
        body: { spec: { unschedulable: true } },
        contentType: STRATEGIC,
      });
      const cordoned = (await get<Table>('/api/v1/nodes/kube-worker-2', TABLE_V1)).body;
      expect(cordoned.rows).toHaveLength(1);
      expect(cordoned.rows[0]?.cells[1]).toBe('Ready,SchedulingDisabled');
      const events = (await get<Table>('/api/v1/namespaces/default/events', KUBECTL_ACCEPT)).body;
      expect(events.columnDefinitions.slice(0, 4).map((c) => c.name)).toEqual([
        'Last Seen',
        'Type',
        'Reason',
        'Object',
      ]);
      expect(events.rows.find((row) => row.cells[2] === 'OOMKilling')?.cells.slice(1, 4)).toEqual([
        'Warning',
        'OOMKilling',
        'node/kube-worker-2',
      ]);
      const one = (await get<Table>('/apis/apps/v1/namespaces/media/deployments/sonarr', TABLE_V1))
        .body;
      expect(one.rows.map((row) => row.cells[0])).toEqual(['sonarr']);
    });

    it('answers 406 NotAcceptable for media types it cannot serve', async () => {
      expectStatus(await get('/api/v1/nodes', 'application/xml'), 406, 'NotAcceptable');
    });
  });

  describe('metrics.k8s.io', () => {
    it('serves pod and node metrics while metrics-server is installed', async () => {
      const pods = (
        await get<
          List<{
            metadata: { name: string };
            containers: Array<{ name: string; usage: { cpu: string; memory: string } }>;
          }>
        >('/apis/metrics.k8s.io/v1beta1/namespaces/media/pods')
      ).body;
      expect(pods.kind).toBe('PodMetricsList');
      const radarr = pods.items.find((item) => item.metadata.name.startsWith('radarr-'));
      expect(radarr?.containers[0]).toEqual({
        name: 'radarr',
        usage: { cpu: '412000000n', memory: `${981 * 1024}Ki` },
      });
      const one = await get<{ kind: string }>(
        `/apis/metrics.k8s.io/v1beta1/namespaces/media/pods/${radarr?.metadata.name}`,
      );
      expect(one.body.kind).toBe('PodMetrics');
      expect(
        (await get<List<unknown>>('/apis/metrics.k8s.io/v1beta1/pods')).body.items.length,
      ).toBeGreaterThan(10);
      const nodes = (
        await get<List<{ metadata: { name: string }; usage: { memory: string } }>>(
          '/apis/metrics.k8s.io/v1beta1/nodes',
        )
      ).body;
      expect(nodes.items.map((item) => item.metadata.name)).toEqual([
        'kube-cp-1',
        'kube-worker-1',
        'kube-worker-2',
      ]);
      expect(nodes.items[2]?.usage.memory).toBe(`${7412 * 1024}Ki`);
      expect((await get('/apis/metrics.k8s.io/v1beta1')).status).toBe(200);
      expectStatus(await get('/apis/metrics.k8s.io/v1beta1/nodes/nope'), 404, 'NotFound');
    });

    it('answers 404 and leaves metrics.k8s.io out of discovery when metrics-server is absent', async () => {
      await sim.close();
      sim = await startKubernetesSim({ state: createKubernetesState({ metricsServer: false }) });
      expect(
        (await get<{ groups: Array<{ name: string }> }>('/apis')).body.groups.map((g) => g.name),
      ).toEqual(['apps']);
      for (const path of [
        '/apis/metrics.k8s.io/v1beta1',
        '/apis/metrics.k8s.io/v1beta1/nodes',
        '/apis/metrics.k8s.io/v1beta1/namespaces/media/pods',
      ]) {
        expect(expectStatus(await get(path), 404, 'NotFound').message).toBe(
          'the server could not find the requested resource',
        );
      }
      sim.state.metricsServer = true;
      expect((await get('/apis/metrics.k8s.io/v1beta1/nodes')).status).toBe(200);
    });
  });

  describe('faults', () => {
    it('applies the framework faults', async () => {
      sim.faults.inject({
        kind: 'status',
        status: 503,
        match: { path: '/api/v1/namespaces/{namespace}/pods' },
        times: 1,
      });
      expect((await get('/api/v1/namespaces/media/pods')).status).toBe(503);
      expect((await get('/api/v1/namespaces/media/pods')).status).toBe(200);
      sim.faults.inject({ kind: 'drop', match: { method: 'PATCH' }, times: 1 });
      await expect(
        call('PATCH', '/apis/apps/v1/namespaces/media/deployments/radarr', {
          body: restartPatch(),
          contentType: STRATEGIC,
        }),
      ).rejects.toThrow();
      expect(
        getKubeObject<Workload>(sim.state, 'deployments', 'media', 'radarr')?.metadata
          .annotations?.[REVISION],
      ).toBe('2');
      sim.faults.inject({ kind: 'latency', ms: 120, times: 1 });
      const started = Date.now();
      expect((await get('/version')).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    });
  });

  describe('@kubernetes/client-node 2.0.1', () => {
    function client(): KubeConfig {
      const config = new KubeConfig();
      config.loadFromOptions({
        // client-node refuses an http:// server unless skipTLSVerify is set (there is no TLS to verify).
        clusters: [{ name: 'sim', server: sim.url, skipTLSVerify: true }],
        users: [{ name: 'admin', token: sim.state.token }],
        contexts: [{ name: 'sim', cluster: 'sim', user: 'admin' }],
        currentContext: 'sim',
      });
      return config;
    }

    it('lists pods, reads and strategic-merge-patches a deployment, reads a pod log and metrics', async () => {
      const config = client();
      const core = config.makeApiClient(CoreV1Api);
      const apps = config.makeApiClient(AppsV1Api);

      const pods = await core.listNamespacedPod({
        namespace: 'media',
        labelSelector: 'app=radarr',
      });
      expect(pods.items).toHaveLength(1);
      const pod = pods.items[0];
      expect(pod?.status?.containerStatuses?.[0]?.restartCount).toBe(6);
      expect(pod?.status?.containerStatuses?.[0]?.lastState?.terminated?.reason).toBe('OOMKilled');
      expect(pod?.status?.startTime).toBeInstanceOf(Date);

      const deployment = await apps.readNamespacedDeployment({
        name: 'radarr',
        namespace: 'media',
      });
      expect(deployment.spec?.template.spec?.containers[0]?.resources?.limits?.memory).toBe('1Gi');
      expect(deployment.metadata?.annotations?.[REVISION]).toBe('2');

      const patched = await apps.patchNamespacedDeployment(
        { name: 'radarr', namespace: 'media', body: restartPatch() },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
      expect(patched.metadata?.generation).toBe((deployment.metadata?.generation ?? 0) + 1);
      expect(patched.spec?.template.spec?.containers[0]?.ports?.[0]?.containerPort).toBe(7878);
      const rolled = await apps.readNamespacedDeployment({ name: 'radarr', namespace: 'media' });
      expect(rolled.metadata?.annotations?.[REVISION]).toBe('3');
      expect(rolled.status?.updatedReplicas).toBe(1);

      const newPod = (
        await core.listNamespacedPod({ namespace: 'media', labelSelector: 'app=radarr' })
      ).items[0];
      const log = await core.readNamespacedPodLog({
        name: newPod?.metadata?.name ?? '',
        namespace: 'media',
        container: 'radarr',
        tailLines: 1,
      });
      expect(log).toBe(
        '[Info] Microsoft.Hosting.Lifetime: Application started. Press Ctrl+C to shut down.\n',
      );

      const missing = await apps
        .readNamespacedDeployment({ name: 'nope', namespace: 'media' })
        .catch((error: unknown) => error);
      expect(missing).toMatchObject({ code: 404 });

      const metrics = await new Metrics(config).getNodeMetrics();
      expect(metrics.items.map((item) => item.metadata.name)).toContain('kube-worker-2');
    });
  });
});

describe('createKubernetesState', () => {
  it('seeds the demo cluster consistently and an empty one on request', () => {
    const state = createKubernetesState();
    const deployments = listKubeObjects<Workload>(state, 'deployments').map(
      (d) => `${d.metadata.namespace}/${d.metadata.name}`,
    );
    expect(deployments.sort()).toEqual([
      'argocd/argocd-repo-server',
      'argocd/argocd-server',
      'kube-system/coredns',
      'media/plex',
      'media/prowlarr',
      'media/radarr',
      'media/sonarr',
      'monitoring/prometheus',
    ]);
    const statefulSets = listKubeObjects<Workload>(state, 'statefulsets').map(
      (s) => s.metadata.name,
    );
    expect(statefulSets.sort()).toEqual([
      'alertmanager',
      'argocd-application-controller',
      'home-assistant',
    ]);
    expect(listKubeObjects(state, 'daemonsets').map((d) => d.metadata.name)).toEqual([
      'kube-proxy',
    ]);
    for (const pod of listKubeObjects<Pod>(state, 'pods')) {
      expect(pod.status.phase).toBe('Running');
      expect(pod.metadata.ownerReferences?.[0]?.controller).toBe(true);
    }
    const empty = createKubernetesState({ seed: 'empty' });
    expect(listKubeObjects(empty, 'namespaces').map((ns) => ns.metadata.name)).toEqual([
      'default',
      'kube-node-lease',
      'kube-public',
      'kube-system',
    ]);
    expect(listKubeObjects(empty, 'nodes')).toEqual([]);
  });
});

describe('startSimulatedHomelab (Kubernetes)', () => {
  let homelab: SimulatedHomelab | undefined;
  afterEach(async () => {
    await homelab?.close();
    homelab = undefined;
  });
  failOnViolations(() => homelab?.upstreams.kubernetes);

  it('starts the Kubernetes API and sets KUBE_API_URL and KUBE_TOKEN', async () => {
    homelab = await startSimulatedHomelab();
    const url = homelab.env.KUBE_API_URL ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(homelab.env.KUBE_TOKEN).toBe('sim-kube-token');
    const res = await fetch(`${url}/api/v1/namespaces/media/pods`, {
      headers: { authorization: `Bearer ${homelab.env.KUBE_TOKEN}` },
    });
    expect(res.status).toBe(200);
  });

  it('skips it when KUBE_API_URL is configured for real', async () => {
    homelab = await startSimulatedHomelab({ skip: ['KUBE_API_URL'] });
    expect(homelab.env.KUBE_API_URL).toBeUndefined();
    expect(homelab.env.KUBE_TOKEN).toBeUndefined();
  });
});
