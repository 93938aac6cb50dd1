// The simulated Argo CD (src/upstreams/argocd.ts) over real HTTP on 127.0.0.1: applications with
// sync/health status and history, the resource tree, managed resources for a diff, sync (dry run
// changes nothing) and rollback with their effects, errors in Argo's shape, auth and faults.
// Every request and response is checked against the v3.5.1 swagger; a violation fails the test.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createArgoCdState,
  startArgoCdSim,
  startSimulatedHomelab,
  type ArgoCdState,
  type SimulatedHomelab,
  type Upstream,
} from '../src/index.js';
import { failOnViolations } from '../src/vitest.js';

interface Application {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  spec: {
    project: string;
    source: { repoURL: string; path: string; targetRevision: string };
    destination: { server: string; namespace: string };
    syncPolicy?: { automated?: { prune?: boolean; selfHeal?: boolean } };
  };
  status: {
    sync: { status: string; revision: string };
    health: { status: string };
    resources: Array<{
      kind: string;
      name: string;
      status: string;
      health?: { status: string; message?: string };
    }>;
    history: Array<{
      id: number;
      revision: string;
      deployedAt: string;
      initiatedBy?: { username?: string };
    }>;
    operationState?: {
      phase: string;
      message: string;
      operation: { sync: { revision: string; prune?: boolean; resources?: unknown[] } };
      syncResult?: {
        revision: string;
        resources: Array<{ kind: string; name: string; status: string; message: string }>;
      };
    };
    summary: { images: string[] };
  };
}

interface TreeNode {
  group?: string;
  kind: string;
  name: string;
  namespace: string;
  uid: string;
  parentRefs?: Array<{ kind: string; name: string }>;
  health?: { status: string; message?: string };
  images?: string[];
  networkingInfo?: { targetLabels?: Record<string, string> };
  info?: Array<{ name: string; value: string }>;
}

interface ResourceDiff {
  group?: string;
  kind: string;
  name: string;
  namespace: string;
  liveState: string;
  targetState: string;
  normalizedLiveState: string;
  predictedLiveState: string;
  modified: boolean;
}

interface ArgoErrorBody {
  error: string;
  code: number;
  message: string;
}

let argocd: Upstream<ArgoCdState>;

async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = argocd.state.token,
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${argocd.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const app = async (name: string) =>
  (await call<Application>('GET', `/api/v1/applications/${name}`)).body;

function image(state: string): string | undefined {
  const object = JSON.parse(state) as {
    spec?: { template?: { spec?: { containers?: Array<{ image?: string }> } } };
  } | null;
  return object?.spec?.template?.spec?.containers?.[0]?.image;
}

async function radarrDiff(): Promise<ResourceDiff> {
  const { body } = await call<{ items: ResourceDiff[] }>(
    'GET',
    '/api/v1/applications/media-stack/managed-resources?kind=Deployment&name=radarr',
  );
  expect(body.items).toHaveLength(1);
  return body.items[0] as ResourceDiff;
}

describe('the simulated Argo CD', () => {
  beforeEach(async () => {
    argocd = await startArgoCdSim();
  });
  afterEach(async () => {
    await argocd.close();
  });
  failOnViolations(() => argocd);

  it('lists applications with sync and health status, source and three revisions of history', async () => {
    const { status, body } = await call<{ items: Application[] }>('GET', '/api/v1/applications');
    expect(status).toBe(200);
    expect(
      body.items.map((item) => [
        item.metadata.name,
        item.status.sync.status,
        item.status.health.status,
      ]),
    ).toEqual([
      ['home-assistant', 'Synced', 'Healthy'],
      ['media-stack', 'OutOfSync', 'Healthy'],
      ['monitoring', 'Synced', 'Degraded'],
    ]);
    for (const item of body.items) {
      expect(item.spec.source).toMatchObject({
        repoURL: 'https://github.com/homelab/gitops.git',
        targetRevision: 'HEAD',
      });
      expect(item.status.history.map((entry) => entry.id)).toEqual([1, 2, 3]);
      expect(item.metadata.namespace).toBe('argocd');
    }
    const byName = await call<{ items: Application[] }>(
      'GET',
      '/api/v1/applications?name=monitoring',
    );
    expect(byName.body.items.map((item) => item.metadata.name)).toEqual(['monitoring']);
    const byProject = await call<{ items: Application[] }>(
      'GET',
      '/api/v1/applications?projects=other',
    );
    expect(byProject.body.items).toEqual([]);
    const bySelector = await call<{ items: Application[] }>(
      'GET',
      '/api/v1/applications?selector=app.kubernetes.io%2Fpart-of%3Dhomelab',
    );
    expect(bySelector.body.items).toHaveLength(3);
  });

  it('gets one application: which resources are out of sync and why it is degraded', async () => {
    const media = await app('media-stack');
    const outOfSync = media.status.resources.filter((resource) => resource.status === 'OutOfSync');
    expect(outOfSync.map((resource) => `${resource.kind}/${resource.name}`)).toEqual([
      'Deployment/radarr',
    ]);
    expect(media.status.sync.revision).not.toBe(media.status.history[2]?.revision);
    expect(media.status.summary.images).toContain('lscr.io/linuxserver/radarr:5.27.5');
    expect(media.status.operationState).toMatchObject({ phase: 'Succeeded' });
    const monitoring = await app('monitoring');
    expect(
      monitoring.status.resources.find(
        (resource) => resource.name === 'prometheus' && resource.kind === 'Deployment',
      )?.health,
    ).toEqual({
      status: 'Degraded',
      message: 'Deployment "prometheus" exceeded its progress deadline',
    });
    const home = await app('home-assistant');
    expect(home.spec.syncPolicy?.automated).toEqual({ prune: true, selfHeal: true });
  });

  it('answers errors in Argo CD shape', async () => {
    const missing = await call<ArgoErrorBody>('GET', '/api/v1/applications/nope');
    expect(missing).toEqual({
      status: 404,
      body: {
        error: 'applications.argoproj.io "nope" not found',
        code: 5,
        message: 'applications.argoproj.io "nope" not found',
      },
    });
    expect(
      (await call<ArgoErrorBody>('GET', '/api/v1/applications/nope/resource-tree')).status,
    ).toBe(404);
    expect((await call<ArgoErrorBody>('POST', '/api/v1/applications/nope/sync', {})).status).toBe(
      404,
    );
  });

  it('requires the bearer token', async () => {
    expect(await call<ArgoErrorBody>('GET', '/api/v1/applications', undefined, null)).toEqual({
      status: 401,
      body: { error: 'no session information', code: 16, message: 'no session information' },
    });
    const wrong = await call<ArgoErrorBody>('GET', '/api/v1/applications', undefined, 'wrong');
    expect(wrong.status).toBe(401);
    expect(wrong.body.message).toBe('invalid session: token signature is invalid');
  });

  it('serves /api/version', async () => {
    const { body } = await call<{ Version: string; GitTreeState: string }>('GET', '/api/version');
    expect(body.Version).toBe('v3.5.1+109ca7c');
    expect(body.GitTreeState).toBe('clean');
  });

  it('serves the resource tree: live resources with their ReplicaSets and Pods', async () => {
    const { body } = await call<{ nodes: TreeNode[] }>(
      'GET',
      '/api/v1/applications/media-stack/resource-tree',
    );
    const radarr = body.nodes.find(
      (node) => node.kind === 'Deployment' && node.name === 'radarr',
    ) as TreeNode;
    expect(radarr).toMatchObject({
      group: 'apps',
      namespace: 'media',
      health: { status: 'Healthy' },
      images: ['lscr.io/linuxserver/radarr:5.27.5'],
    });
    const rs = body.nodes.find(
      (node) => node.kind === 'ReplicaSet' && node.parentRefs?.[0]?.name === 'radarr',
    ) as TreeNode;
    expect(rs.name).toMatch(/^radarr-[a-z0-9]{10}$/);
    const pod = body.nodes.find(
      (node) => node.kind === 'Pod' && node.parentRefs?.[0]?.name === rs.name,
    ) as TreeNode;
    expect(pod.name.startsWith(`${rs.name}-`)).toBe(true);
    expect(pod.info).toEqual(expect.arrayContaining([{ name: 'Status Reason', value: 'Running' }]));
    const service = body.nodes.find((node) => node.kind === 'Service' && node.name === 'radarr');
    expect(service?.networkingInfo?.targetLabels).toEqual({ app: 'radarr' });
    const deployments = await call<{ nodes: TreeNode[] }>(
      'GET',
      '/api/v1/applications/media-stack/resource-tree?kind=Deployment',
    );
    expect(deployments.body.nodes.map((node) => node.name)).toEqual([
      'plex',
      'prowlarr',
      'radarr',
      'sonarr',
    ]);
    const degraded = await call<{ nodes: TreeNode[] }>(
      'GET',
      '/api/v1/applications/monitoring/resource-tree?kind=Pod',
    );
    expect(
      degraded.body.nodes.find((node) => node.name.startsWith('prometheus-'))?.health?.status,
    ).toBe('Degraded');
  });

  it('serves managed resources with live and target states for a diff of the Renovate bump', async () => {
    const diff = await radarrDiff();
    expect(diff).toMatchObject({
      group: 'apps',
      kind: 'Deployment',
      namespace: 'media',
      modified: true,
    });
    expect(image(diff.liveState)).toBe('lscr.io/linuxserver/radarr:5.27.5');
    expect(image(diff.targetState)).toBe('lscr.io/linuxserver/radarr:5.28.0');
    expect(image(diff.normalizedLiveState)).toBe('lscr.io/linuxserver/radarr:5.27.5');
    expect(image(diff.predictedLiveState)).toBe('lscr.io/linuxserver/radarr:5.28.0');
    const live = JSON.parse(diff.liveState) as {
      metadata: { uid?: string; labels: Record<string, string> };
      status?: unknown;
    };
    expect(live.metadata.uid).toBeDefined();
    expect(live.status).toBeDefined();
    expect(live.metadata.labels['app.kubernetes.io/instance']).toBe('media-stack');
    const all = await call<{ items: ResourceDiff[] }>(
      'GET',
      '/api/v1/applications/media-stack/managed-resources',
    );
    expect(all.body.items.filter((item) => item.modified).map((item) => item.name)).toEqual([
      'radarr',
    ]);
    expect(all.body.items).toHaveLength(9);
  });

  it('sync with dryRun checks the request and changes nothing', async () => {
    const before = await app('media-stack');
    const reply = await call<Application>('POST', '/api/v1/applications/media-stack/sync', {
      dryRun: true,
      prune: true,
    });
    expect(reply.status).toBe(200);
    expect(reply.body.status.sync.status).toBe('OutOfSync');
    expect(await app('media-stack')).toEqual(before);
    expect((await radarrDiff()).modified).toBe(true);
    const unknown = await call<ArgoErrorBody>('POST', '/api/v1/applications/media-stack/sync', {
      dryRun: true,
      revision: 'deadbeef',
    });
    expect(unknown.status).toBe(500);
    expect(unknown.body).toMatchObject({
      code: 2,
      message: expect.stringContaining("unable to resolve 'deadbeef' to a commit SHA"),
    });
  });

  it('sync deploys the target revision: Synced, a new history entry, the operation state', async () => {
    const before = await app('media-stack');
    const reply = await call<Application>('POST', '/api/v1/applications/media-stack/sync', {
      revision: 'HEAD',
      prune: true,
    });
    expect(reply.status).toBe(200);
    const after = reply.body;
    expect(after.status.sync.status).toBe('Synced');
    expect(after.status.history.map((entry) => entry.id)).toEqual([1, 2, 3, 4]);
    expect(after.status.history[3]).toMatchObject({
      revision: before.status.sync.revision,
      initiatedBy: { username: 'admin' },
    });
    expect(after.status.operationState).toMatchObject({
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      operation: { sync: { revision: before.status.sync.revision, prune: true } },
    });
    const results = after.status.operationState?.syncResult?.resources ?? [];
    expect(
      results.find((result) => result.name === 'radarr' && result.kind === 'Deployment'),
    ).toMatchObject({
      status: 'Synced',
      message: 'deployment.apps/radarr configured',
    });
    expect(
      results.find((result) => result.name === 'sonarr' && result.kind === 'Deployment')?.message,
    ).toBe('deployment.apps/sonarr unchanged');
    expect((await radarrDiff()).modified).toBe(false);
    expect(image((await radarrDiff()).liveState)).toBe('lscr.io/linuxserver/radarr:5.28.0');
    expect((await app('media-stack')).status.sync.status).toBe('Synced');
  });

  it('syncs only the resources asked for', async () => {
    const reply = await call<Application>('POST', '/api/v1/applications/media-stack/sync', {
      resources: [{ group: 'apps', kind: 'Deployment', name: 'sonarr', namespace: 'media' }],
    });
    expect(
      reply.body.status.operationState?.syncResult?.resources.map((result) => result.name),
    ).toEqual(['sonarr']);
    expect(reply.body.status.sync.status).toBe('OutOfSync');
    expect(reply.body.status.history).toHaveLength(4);
  });

  it('rollback redeploys an earlier history entry; dry run, unknown ids and auto-sync are refused or inert', async () => {
    const before = await app('media-stack');
    const dry = await call<Application>('POST', '/api/v1/applications/media-stack/rollback', {
      id: 1,
      dryRun: true,
    });
    expect(dry.status).toBe(200);
    expect(await app('media-stack')).toEqual(before);

    const reply = await call<Application>('POST', '/api/v1/applications/media-stack/rollback', {
      id: 2,
      prune: true,
    });
    expect(reply.status).toBe(200);
    const history = reply.body.status.history;
    expect(history.map((entry) => entry.id)).toEqual([1, 2, 3, 4]);
    expect(history[3]?.revision).toBe(history[1]?.revision);
    expect(reply.body.status.operationState?.operation.sync.revision).toBe(history[1]?.revision);
    expect(reply.body.status.sync.status).toBe('OutOfSync');
    expect(image((await radarrDiff()).liveState)).toBe('lscr.io/linuxserver/radarr:5.26.2');

    const unknown = await call<ArgoErrorBody>('POST', '/api/v1/applications/media-stack/rollback', {
      id: 42,
    });
    expect(unknown).toEqual({
      status: 400,
      body: {
        error: 'application media-stack does not have deployment with id 42',
        code: 3,
        message: 'application media-stack does not have deployment with id 42',
      },
    });
    const automated = await call<ArgoErrorBody>(
      'POST',
      '/api/v1/applications/home-assistant/rollback',
      { id: 1 },
    );
    expect(automated.status).toBe(400);
    expect(automated.body).toMatchObject({
      code: 9,
      message: 'rollback cannot be initiated when auto-sync is enabled',
    });
    expect((await app('home-assistant')).status.history).toHaveLength(3);
  });

  it('applies the framework faults', async () => {
    argocd.faults.inject({
      kind: 'status',
      status: 502,
      match: { path: '/api/v1/applications' },
      times: 1,
    });
    expect(
      (
        await fetch(`${argocd.url}/api/v1/applications`, {
          headers: { authorization: `Bearer ${argocd.state.token}` },
        })
      ).status,
    ).toBe(502);
    argocd.faults.inject({
      kind: 'malformed',
      match: { path: '/api/v1/applications/{name}' },
      times: 1,
    });
    const res = await fetch(`${argocd.url}/api/v1/applications/media-stack`, {
      headers: { authorization: `Bearer ${argocd.state.token}` },
    });
    await expect(res.json()).rejects.toThrow(SyntaxError);
    expect((await app('media-stack')).metadata.name).toBe('media-stack');
  });

  it('accepts the token given to startArgoCdSim and an empty state', async () => {
    await argocd.close();
    argocd = await startArgoCdSim({
      state: createArgoCdState({ seed: 'empty' }),
      token: 'argo-token',
    });
    const { status, body } = await call<{ items: Application[] }>(
      'GET',
      '/api/v1/applications',
      undefined,
      'argo-token',
    );
    expect(status).toBe(200);
    expect(body.items).toEqual([]);
  });
});

describe('startSimulatedHomelab (Argo CD)', () => {
  let homelab: SimulatedHomelab | undefined;
  afterEach(async () => {
    await homelab?.close();
    homelab = undefined;
  });
  failOnViolations(() => homelab?.upstreams.argocd);

  it('starts Argo CD and sets ARGOCD_URL and ARGOCD_TOKEN', async () => {
    homelab = await startSimulatedHomelab();
    const url = homelab.env.ARGOCD_URL ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(homelab.env.ARGOCD_TOKEN).toBe('sim-argocd-token');
    const res = await fetch(`${url}/api/v1/applications`, {
      headers: { authorization: `Bearer ${homelab.env.ARGOCD_TOKEN}` },
    });
    expect(res.status).toBe(200);
  });

  it('skips it when ARGOCD_URL is configured for real', async () => {
    homelab = await startSimulatedHomelab({ skip: ['ARGOCD_URL'] });
    expect(homelab.env.ARGOCD_URL).toBeUndefined();
    expect(homelab.env.ARGOCD_TOKEN).toBeUndefined();
  });
});
