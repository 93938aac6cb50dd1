// Every infrastructure tool against the simulated Kubernetes API and Argo CD (contract-checked
// against the published Kubernetes v1.35 and Argo CD v3.5.1 specs), including faults, the
// read-only identity, a cluster without metrics, and secrets that must never come back.
/* eslint-disable @typescript-eslint/no-explicit-any -- results are read as plain JSON */
import type { KitSettings } from '@homelab/kit';
import {
  createArgoCdState,
  createKubernetesState,
  DEFAULT_KUBE_VIEWER_TOKEN,
  getKubeObject,
  startArgoCdSim,
  startKubernetesSim,
  type ArgoCdState,
  type KubernetesState,
  type Upstream,
} from '@homelab/simulator';
import { failOnViolations } from '@homelab/simulator/vitest';
import { connectInMemory, testDeps, type ConnectedClient } from '@homelab/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InfrastructureConfig } from '../src/config.js';
import { buildServer, createClients } from '../src/server.js';

const KUBE_TOKEN = 'kube-canary-token-3e91';
const ARGO_TOKEN = 'argo-canary-token-77ad';

let kube: Upstream<KubernetesState>;
let argo: Upstream<ArgoCdState>;
let server: ConnectedClient;
let lines: string[];
const extra: ConnectedClient[] = [];

async function connect(
  overrides: Partial<InfrastructureConfig> = {},
  kit: Partial<KitSettings> = {},
) {
  const config: InfrastructureConfig = {
    KUBE_API_URL: kube.url,
    KUBE_TOKEN,
    KUBE_INSECURE_SKIP_TLS_VERIFY: false,
    KUBE_TIMEOUT_MS: 1500,
    KUBE_LOG_MAX_BYTES: 1024 * 1024,
    ARGOCD_URL: argo.url,
    ARGOCD_TOKEN: ARGO_TOKEN,
    ARGOCD_TIMEOUT_MS: 1500,
    MINIO_REGION: 'us-east-1',
    MINIO_MAX_OBJECTS: 200_000,
    ...overrides,
  };
  const deps = testDeps(undefined, config, { secrets: [KUBE_TOKEN, ARGO_TOKEN], kit });
  const connected = await connectInMemory(
    buildServer({ ...deps, clients: createClients(config, deps) }),
  );
  return { connected, lines: deps.captured.lines };
}

beforeAll(async () => {
  kube = await startKubernetesSim({
    state: createKubernetesState({ token: KUBE_TOKEN, metricsServer: true }),
  });
  argo = await startArgoCdSim({ state: createArgoCdState({ token: ARGO_TOKEN }) });
  const first = await connect();
  server = first.connected;
  lines = first.lines;
});

afterAll(async () => {
  await Promise.all([server, ...extra].map((c) => c?.close()));
  await kube?.close();
  await argo?.close();
});

failOnViolations(
  () => kube,
  () => argo,
);

async function call(
  name: string,
  args: Record<string, unknown> = {},
  client: ConnectedClient = server,
) {
  return client.client.callTool({ name, arguments: args });
}

async function ok(
  name: string,
  args: Record<string, unknown> = {},
  client: ConnectedClient = server,
): Promise<any> {
  const result = await call(name, args, client);
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent;
}

function text(result: Awaited<ReturnType<typeof call>>): string {
  return (result.content as Array<{ text: string }>).map((c) => c.text).join('');
}

function radarr(): any {
  return getKubeObject(kube.state, 'deployments', 'media', 'radarr');
}

describe('reading the cluster', () => {
  it('finds the crash-looping radarr pod with its OOMKilled reason', async () => {
    const { pods } = await ok('get_pods', { namespace: 'media', onlyUnhealthy: true });
    expect(pods).toEqual([
      expect.objectContaining({ restarts: 6, lastTerminationReason: 'OOMKilled' }),
    ]);
    const all = await ok('get_pods');
    expect(new Set(all.pods.map((p: { namespace: string }) => p.namespace)).size).toBeGreaterThan(
      2,
    );
  });

  it('reads logs filtered on the server, and the previous container', async () => {
    const [pod] = (await ok('get_pods', { namespace: 'media', labelSelector: 'app=radarr' })).pods;
    const previous = await ok('get_logs', {
      namespace: 'media',
      pod: pod.name,
      previous: true,
      filter: 'memory|oom|killed',
      regex: true,
    });
    expect(previous.linesMatched).toBeGreaterThan(0);
    expect(previous.linesMatched).toBeLessThan(previous.linesRead + 1);
    const bad = await call('get_logs', {
      namespace: 'media',
      pod: pod.name,
      filter: '(',
      regex: true,
    });
    expect(text(bad)).toMatch(/^filter is not a valid regular expression/);
  });

  it('lists workloads with limits, warning events, nodes under pressure, and namespaces', async () => {
    const { workloads } = await ok('list_workloads', { namespace: 'media', kinds: ['deployment'] });
    expect(
      workloads.find((w: { name: string }) => w.name === 'radarr').containers[0].limits.memory,
    ).toBe('1Gi');
    const { events } = await ok('get_events', { namespace: 'media', onlyWarnings: true });
    expect(events.map((e: { reason: string }) => e.reason)).toEqual(
      expect.arrayContaining(['BackOff']),
    );
    const { nodes } = await ok('get_nodes');
    expect(nodes.some((n: { pressure: string[] }) => n.pressure.includes('MemoryPressure'))).toBe(
      true,
    );
    expect((await ok('list_namespaces')).namespaces.map((n: { name: string }) => n.name)).toEqual(
      expect.arrayContaining(['media', 'argocd']),
    );
  });

  it('describes radarr: limits, its crash-looping pod and the events explaining it', async () => {
    const described = await ok('describe_workload', { namespace: 'media', name: 'radarr' });
    expect(described.workload).toMatchObject({ name: 'radarr', kind: 'deployment' });
    expect(described.pods).toEqual([
      expect.objectContaining({ lastTerminationReason: 'OOMKilled' }),
    ]);
    expect(described.events.map((e: { reason: string }) => e.reason)).toEqual(
      expect.arrayContaining(['BackOff']),
    );
    expect(described.conditions.length).toBeGreaterThan(0);
  });

  it('reports usage from the metrics API', async () => {
    const top = await ok('top_pods', { namespace: 'media' });
    expect(top.available).toBe(true);
    expect(top.pods[0].memoryMiB).toBeGreaterThan(0);
    expect((await ok('top_nodes')).nodes.length).toBeGreaterThan(0);
  });
});

describe('changing workloads', () => {
  it('previews the radarr memory change with the server-side dry run and stores nothing', async () => {
    const before = radarr().metadata.resourceVersion;
    const preview = await ok('set_container_resources', {
      namespace: 'media',
      name: 'radarr',
      limits: { memory: '2Gi' },
      dryRun: true,
    });
    expect(preview.changes).toEqual([
      { path: 'containers.radarr.resources.limits.memory', before: '1Gi', after: '2Gi' },
    ]);
    expect(radarr().metadata.resourceVersion).toBe(before);
    const applied = await ok('set_container_resources', {
      namespace: 'media',
      name: 'radarr',
      limits: { memory: '2Gi' },
    });
    expect(applied).toMatchObject({ applied: true });
    expect(radarr().spec.template.spec.containers[0].resources.limits.memory).toBe('2Gi');
  });

  it('restarts, reports rollout status, and undoes back to the previous revision', async () => {
    const restart = await ok('restart_deployment', { namespace: 'media', name: 'sonarr' });
    expect(restart.changes[0].path).toBe('spec.template.metadata.annotations.restartedAt');
    const status = await ok('rollout_status', { namespace: 'media', name: 'sonarr' });
    expect(status.message).toMatch(/sonarr/);
    const image = radarr().spec.template.spec.containers[0].image;
    await ok('set_container_resources', {
      namespace: 'media',
      name: 'radarr',
      requests: { memory: '768Mi' },
    });
    const undo = await ok('rollout_undo', { namespace: 'media', name: 'radarr', dryRun: true });
    expect(undo.changes).toEqual([
      expect.objectContaining({ path: 'containers.radarr.requests.memory', before: '768Mi' }),
    ]);
    const done = await ok('rollout_undo', { namespace: 'media', name: 'radarr' });
    expect(done).toMatchObject({ applied: true });
    expect(radarr().spec.template.spec.containers[0].resources.requests.memory).not.toBe('768Mi');
    expect(radarr().spec.template.spec.containers[0].image).toBe(image);
  });

  it('scales, and refuses nonsense before the API is asked', async () => {
    expect(
      await ok('scale_workload', { namespace: 'media', name: 'prowlarr', replicas: 0 }),
    ).toMatchObject({ applied: true });
    expect(getKubeObject(kube.state, 'deployments', 'media', 'prowlarr')?.spec).toMatchObject({
      replicas: 0,
    });
    const badQuantity = await call('set_container_resources', {
      namespace: 'media',
      name: 'radarr',
      limits: { memory: 'lots' },
    });
    expect(text(badQuantity)).toMatch(/must be a Kubernetes quantity/);
    const badName = await call('scale_workload', {
      namespace: 'Media!',
      name: 'radarr',
      replicas: 1,
    });
    expect(text(badName)).toMatch(/must be a Kubernetes name/);
    const missing = await call('scale_workload', {
      namespace: 'media',
      name: 'lidarr',
      replicas: 1,
    });
    expect(text(missing)).toBe(
      'deployment media/lidarr was not found. Check the name and namespace with a list tool.',
    );
  });

  it('refuses writes for the read-only identity with an RBAC hint', async () => {
    const viewer = (await connect({ KUBE_TOKEN: DEFAULT_KUBE_VIEWER_TOKEN })).connected;
    extra.push(viewer);
    expect((await ok('get_pods', { namespace: 'media' }, viewer)).pods.length).toBeGreaterThan(0);
    const refused = await call(
      'restart_deployment',
      { namespace: 'media', name: 'sonarr' },
      viewer,
    );
    expect(text(refused)).toMatch(/^Kubernetes API: forbidden: .*RBAC role/);
  });
});

describe('Argo CD', () => {
  it('lists applications needing attention and explains the media-stack diff', async () => {
    const { applications } = await ok('argocd_list_applications', { onlyProblems: true });
    expect(applications.map((a: { name: string }) => a.name)).toEqual(
      expect.arrayContaining(['media-stack', 'monitoring']),
    );
    const diff = await ok('argocd_diff', { name: 'media-stack' });
    expect(JSON.stringify(diff.resources)).toContain('5.28.0');
    const app = await ok('argocd_get_application', { name: 'media-stack' });
    expect(app).toMatchObject({ sync: 'OutOfSync' });
  });

  it('syncs (dry run first, never pruning) and records history; rolls back by history id', async () => {
    const syncPreview = await ok('argocd_sync', { name: 'media-stack', dryRun: true });
    expect(syncPreview).toMatchObject({ dryRun: true, applied: false });
    expect((await ok('argocd_get_application', { name: 'media-stack' })).sync).toBe('OutOfSync');
    const synced = await ok('argocd_sync', { name: 'media-stack' });
    expect(synced).toMatchObject({ applied: true });
    const { history } = await ok('argocd_history', { name: 'media-stack' });
    expect(history.length).toBeGreaterThan(1);
    const target = history[1];
    const preview = await ok('argocd_rollback', {
      name: 'media-stack',
      id: target.id,
      dryRun: true,
    });
    expect(preview).toMatchObject({
      applied: false,
      changes: [{ path: 'media-stack.revision', after: target.revision }],
    });
    expect(await ok('argocd_rollback', { name: 'media-stack', id: target.id })).toMatchObject({
      applied: true,
    });
    const autoSynced = await call('argocd_rollback', { name: 'home-assistant', id: 1 });
    expect(autoSynced.isError).toBe(true);
    expect(text(autoSynced)).toMatch(/^Argo CD: .*auto-sync/i);
  });

  it('answers an unknown application and an unconfigured Argo CD clearly', async () => {
    const unknown = await call('argocd_get_application', { name: 'nextcloud' });
    expect(text(unknown)).toMatch(/^Argo CD: application nextcloud was not found/);
    const bare = (await connect({ ARGOCD_URL: undefined })).connected;
    extra.push(bare);
    expect(text(await call('argocd_list_applications', {}, bare))).toBe(
      'Argo CD is not configured on this server. Set ARGOCD_URL and ARGOCD_TOKEN (or ARGOCD_TOKEN_FILE).',
    );
    expect(text(await call('minio_list_buckets', {}, bare))).toMatch(
      /^MinIO is not configured on this server/,
    );
  });
});

describe('when the API server misbehaves', () => {
  const cases = [
    {
      fault: { kind: 'status', status: 500 } as const,
      expected: /^Kubernetes API: failed with 500 on GET \/api\/v1\/namespaces\/media\/pods/,
    },
    {
      fault: { kind: 'status', status: 401 } as const,
      expected: /^Kubernetes API: refused the credentials \(401 .*Check KUBE_TOKEN/,
    },
    {
      fault: { kind: 'status', status: 429, retryAfterSeconds: 3 } as const,
      expected: /rate limiting requests.*Wait 3 s/,
    },
    {
      fault: { kind: 'latency', ms: 2500 } as const,
      expected: /^Kubernetes API: did not answer within 1\.5 s/,
    },
    {
      fault: { kind: 'drop' } as const,
      expected: /^Kubernetes API: cannot be reached \(KUBE_API_URL=http:\/\/127\.0\.0\.1:\d+\)/,
    },
    {
      fault: { kind: 'malformed' } as const,
      expected: /^Kubernetes API: sent (a response that is not JSON|an unexpected response)/,
    },
  ];
  for (const { fault, expected } of cases) {
    it(`answers ${fault.kind}${'status' in fault ? ` ${fault.status}` : ''} clearly, then recovers`, async () => {
      kube.faults.inject({ ...fault, match: { path: '/api/v1/namespaces/media/pods' }, times: 1 });
      expect(text(await call('get_pods', { namespace: 'media' }))).toMatch(expected);
      expect((await ok('get_pods', { namespace: 'media' })).pods.length).toBeGreaterThan(0);
    });
  }

  it('never returns secret data, and never logs the tokens', async () => {
    const everything = JSON.stringify(
      await Promise.all([
        call('get_pods'),
        call('list_workloads'),
        call('get_events'),
        call('argocd_list_applications'),
        call('argocd_diff', { name: 'media-stack' }),
      ]),
    );
    for (const secret of [
      '0f4d3c2b1a09f8e7d6c5b4a3f2e1d0c9',
      Buffer.from('0f4d3c2b1a09f8e7d6c5b4a3f2e1d0c9').toString('base64'),
      KUBE_TOKEN,
      ARGO_TOKEN,
    ]) {
      expect(everything).not.toContain(secret);
      expect(lines.join('\n')).not.toContain(secret);
    }
    expect(kube.requests.some((r) => r.path.includes('/secrets'))).toBe(false);
  });
});

describe('a cluster without metrics-server', () => {
  it('says so instead of failing', async () => {
    const bare = await startKubernetesSim({
      state: createKubernetesState({ token: KUBE_TOKEN, metricsServer: false }),
    });
    const client = (await connect({ KUBE_API_URL: bare.url })).connected;
    extra.push(client);
    expect(await ok('top_pods', {}, client)).toMatchObject({
      available: false,
      message: expect.stringContaining('metrics-server'),
      pods: [],
    });
    await bare.close();
  });
});
