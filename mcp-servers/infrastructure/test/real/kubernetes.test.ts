// The infrastructure server against a real kube-apiserver v1.35 and etcd (built from the Go
// module proxy), through a kubeconfig with the least-privilege roles of rbac/: fixtures are
// created through the API; the tools list, scale, set resources (the stored object shows the new
// limits), restart (the annotation is present), dry-run (a diff, nothing stored), read logs through
// the API server from a fake kubelet, and the read-only identity cannot patch.
/* eslint-disable @typescript-eslint/no-explicit-any -- these tests read untyped JSON from the API server */
import {
  connectInMemory,
  createBoundPod,
  registerFakeNode,
  startFakeKubelet,
  startKubernetes,
  testDeps,
  type ConnectedClient,
} from '@homelab/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InfrastructureConfig } from '../../src/config.js';
import { buildServer, createClients } from '../../src/server.js';

type Kube = Awaited<ReturnType<typeof startKubernetes>>;
type Kubelet = Awaited<ReturnType<typeof startFakeKubelet>>;

let kube: Kube;
let kubelet: Kubelet;
let operator: ConnectedClient;
let readonly: ConnectedClient;

const NS = 'media';
const LOG = [
  '2026-11-26T04:00:00Z INFO Radarr starting',
  '2026-11-26T04:00:01Z WARN Indexer prowlarr slow to answer',
  '2026-11-26T04:00:02Z ERROR Import failed: disk full',
  '2026-11-26T04:00:03Z INFO Health check complete',
].join('\n');

function connect(user: 'operator' | 'readonly'): Promise<ConnectedClient> {
  const config: InfrastructureConfig = {
    KUBECONFIG: kube.kubeconfigPath(user),
    KUBE_INSECURE_SKIP_TLS_VERIFY: false,
    KUBE_TIMEOUT_MS: 10_000,
    KUBE_LOG_MAX_BYTES: 1024 * 1024,
    ARGOCD_TIMEOUT_MS: 1000,
    MINIO_REGION: 'us-east-1',
    MINIO_MAX_OBJECTS: 200_000,
  };
  const deps = testDeps(undefined, config, { secrets: [kube.tokens[user]] });
  return connectInMemory(buildServer({ ...deps, clients: createClients(config, deps) }));
}

async function call(client: ConnectedClient, name: string, args: Record<string, unknown> = {}) {
  const result = await client.client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, any>;
}

async function stored(path: string): Promise<any> {
  const response = await kube.request('GET', path);
  return response.body;
}

beforeAll(async () => {
  kube = await startKubernetes();
  kubelet = await startFakeKubelet({ [`${NS}/radarr-0/radarr`]: LOG });
  await registerFakeNode(kube, kubelet);
  await kube.apply(`
apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: radarr, namespace: ${NS} }
spec:
  replicas: 1
  selector: { matchLabels: { app: radarr } }
  template:
    metadata: { labels: { app: radarr } }
    spec:
      containers:
        - name: radarr
          image: lscr.io/linuxserver/radarr:5.14.0
          resources: { requests: { memory: 512Mi, cpu: 100m }, limits: { memory: 1Gi } }
`);
  await createBoundPod(kube, {
    namespace: NS,
    name: 'radarr-0',
    nodeName: 'homelab-node-1',
    containers: ['radarr'],
    labels: { app: 'radarr' },
    restartCount: 3,
  });
  operator = await connect('operator');
  readonly = await connect('readonly');
});

afterAll(async () => {
  await operator?.close();
  await readonly?.close();
  await kubelet?.stop();
  await kube?.stop();
});

describe('infrastructure server on a real kube-apiserver', () => {
  it('lists pods, workloads with their limits, nodes and namespaces', async () => {
    const pods = await call(operator, 'get_pods', { namespace: NS });
    expect(pods.pods).toEqual([
      expect.objectContaining({ name: 'radarr-0', restarts: 3, node: 'homelab-node-1' }),
    ]);
    const workloads = await call(operator, 'list_workloads', {
      namespace: NS,
      kinds: ['deployment'],
    });
    expect(workloads.workloads[0]).toMatchObject({
      name: 'radarr',
      containers: [{ name: 'radarr', limits: { memory: '1Gi' } }],
    });
    expect((await call(operator, 'get_nodes')).nodes).toEqual([
      expect.objectContaining({ name: 'homelab-node-1', ready: true }),
    ]);
    expect(
      (await call(operator, 'list_namespaces')).namespaces.map((n: { name: string }) => n.name),
    ).toContain(NS);
  });

  it('describes the deployment with its pod found by the selector', async () => {
    const described = await call(operator, 'describe_workload', { namespace: NS, name: 'radarr' });
    expect(described.workload).toMatchObject({
      name: 'radarr',
      images: ['lscr.io/linuxserver/radarr:5.14.0'],
    });
    expect(described.pods).toEqual([expect.objectContaining({ name: 'radarr-0', restarts: 3 })]);
    expect(described.generation).toBe(1);
  });

  it('previews a memory limit change with the API server and stores nothing', async () => {
    const before = await stored(`/apis/apps/v1/namespaces/${NS}/deployments/radarr`);
    const preview = await call(operator, 'set_container_resources', {
      namespace: NS,
      name: 'radarr',
      limits: { memory: '2Gi' },
      dryRun: true,
    });
    expect(preview).toMatchObject({ dryRun: true, applied: false });
    expect(preview.changes).toEqual([
      { path: 'containers.radarr.resources.limits.memory', before: '1Gi', after: '2Gi' },
    ]);
    const after = await stored(`/apis/apps/v1/namespaces/${NS}/deployments/radarr`);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('sets the memory limit for real: the stored object shows 2Gi', async () => {
    const done = await call(operator, 'set_container_resources', {
      namespace: NS,
      name: 'radarr',
      limits: { memory: '2Gi' },
    });
    expect(done).toMatchObject({ applied: true });
    const deployment = await stored(`/apis/apps/v1/namespaces/${NS}/deployments/radarr`);
    expect(deployment.spec.template.spec.containers[0].resources).toEqual({
      requests: { memory: '512Mi', cpu: '100m' },
      limits: { memory: '2Gi' },
    });
  });

  it('scales and restarts: replicas and the restartedAt annotation are stored', async () => {
    expect(
      await call(operator, 'scale_workload', { namespace: NS, name: 'radarr', replicas: 2 }),
    ).toMatchObject({ applied: true });
    expect((await stored(`/apis/apps/v1/namespaces/${NS}/deployments/radarr`)).spec.replicas).toBe(
      2,
    );
    const restart = await call(operator, 'restart_deployment', { namespace: NS, name: 'radarr' });
    expect(restart).toMatchObject({ applied: true });
    const annotations = (await stored(`/apis/apps/v1/namespaces/${NS}/deployments/radarr`)).spec
      .template.metadata.annotations;
    expect(annotations['kubectl.kubernetes.io/restartedAt']).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const status = await call(operator, 'rollout_status', { namespace: NS, name: 'radarr' });
    expect(status.complete).toBe(false);
    expect(status.message).toMatch(/^Waiting for deployment "radarr" rollout to finish/);
  });

  it('reads logs through the API server from the kubelet, filtered on the server', async () => {
    const logs = await call(operator, 'get_logs', {
      namespace: NS,
      pod: 'radarr-0',
      filter: 'error|warn',
      regex: true,
    });
    expect(logs).toMatchObject({ linesRead: 4, linesMatched: 2 });
    expect(logs.lines).toEqual([
      expect.stringContaining('WARN Indexer'),
      expect.stringContaining('ERROR Import failed'),
    ]);
    expect(kubelet.requests.some((r) => r.path === `/containerLogs/${NS}/radarr-0/radarr`)).toBe(
      true,
    );
  });

  it('says plainly that the cluster has no metrics API', async () => {
    expect(await call(operator, 'top_pods', { namespace: NS })).toMatchObject({
      available: false,
      message: expect.stringContaining('metrics-server'),
    });
  });

  it('lets the read-only identity read but not patch', async () => {
    expect((await call(readonly, 'get_pods', { namespace: NS })).pods).toHaveLength(1);
    const refused = await readonly.client.callTool({
      name: 'scale_workload',
      arguments: { namespace: NS, name: 'radarr', replicas: 0 },
    });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toMatch(
      /Kubernetes API: forbidden: .*homelab-readonly.* cannot (get|patch)/,
    );
    expect((await stored(`/apis/apps/v1/namespaces/${NS}/deployments/radarr`)).spec.replicas).toBe(
      2,
    );
  });

  it('names a missing deployment clearly', async () => {
    const missing = await operator.client.callTool({
      name: 'rollout_status',
      arguments: { namespace: NS, name: 'sonarr' },
    });
    expect(JSON.stringify(missing.content)).toMatch(/deployment media\/sonarr was not found/);
  });
});
