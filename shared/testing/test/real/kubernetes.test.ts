// A real Kubernetes API server (kube-apiserver v1.35.4 and etcd v3.6.5, built from the Go module
// proxy by scripts/real-upstreams/kubernetes.sh), started once and driven with plain fetch
// (undici, trusting the API server's own CA): TLS and authentication, a Deployment stored and
// changed (no controller runs, so it never gets ReplicaSets or Pods; the suite says so), patch and
// server-side dry run, the RBAC roles of mcp-servers/infrastructure/rbac/ as the read-only and operator users see
// them, pod logs through the real API server to the fake kubelet, Table responses, and a
// kubeconfig that @kubernetes/client-node accepts.
import { existsSync, readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { Agent, fetch as undiciFetch } from 'undici';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBoundPod,
  ETCD_VERSION,
  INFRASTRUCTURE_RBAC_FILES,
  KUBERNETES_VERSION,
  registerFakeNode,
  startFakeKubelet,
  startKubernetes,
  type FakeKubelet,
  type KubeUser,
  type RealKubernetes,
} from '../../src/index.js';

const NS = 'homelab-test';
const NODE = 'homelab-node-1';
const DEPLOYMENTS = `/apis/apps/v1/namespaces/${NS}/deployments`;
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const SMP = 'application/strategic-merge-patch+json';

interface Deployment {
  metadata: {
    name: string;
    resourceVersion: string;
    generation: number;
    annotations?: Record<string, string>;
  };
  spec: {
    replicas: number;
    template: {
      metadata: { annotations?: Record<string, string> };
      spec: {
        containers: Array<{
          name: string;
          image: string;
          resources: Record<string, Record<string, string>>;
        }>;
      };
    };
  };
  status?: Record<string, unknown>;
}

interface Status {
  kind: 'Status';
  status: 'Failure';
  reason: string;
  message: string;
  code: number;
}

interface Table {
  kind: 'Table';
  columnDefinitions: Array<{ name: string; priority: number }>;
  rows: Array<{ cells: unknown[] }>;
}

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: NS, labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'nginx:1.27',
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
          },
        ],
      },
    },
  },
};

// The app container's log: five lines ten minutes apart, the last one at the kubelet's start.
const started = Date.now();
const appLines = [
  'starting web',
  'listening on :8080',
  'GET / 200',
  'GET /healthz 200',
  'GET /missing 404',
];
const appLog = appLines.map((text, i) => ({
  text,
  time: new Date(started - (appLines.length - 1 - i) * 600_000),
}));

let kube: RealKubernetes;
let kubelet: FakeKubelet;

async function getDeployment(user: KubeUser = 'admin'): Promise<Deployment> {
  const response = await kube.request<Deployment>('GET', `${DEPLOYMENTS}/web`, { user });
  expect(response.status).toBe(200);
  return response.body;
}

async function log(
  query: string,
  user: KubeUser = 'readonly',
  pod = 'web-1',
): Promise<{ status: number; text: string }> {
  const response = await kube.fetch(`/api/v1/namespaces/${NS}/pods/${pod}/log?${query}`, { user });
  return { status: response.status, text: await response.text() };
}

beforeAll(async () => {
  kube = await startKubernetes();
  console.log(
    `kube-apiserver ${kube.version} ready at ${kube.url} in ${kube.startupMs} ms (etcd ${kube.etcdStartupMs} ms)`,
  );
  kubelet = await startFakeKubelet({
    [`${NS}/web-1/app`]: appLog,
    [`${NS}/web-1/app#previous`]: 'fatal: out of memory\n',
    [`${NS}/web-1/sidecar`]: 'sidecar up\n',
  });
  await registerFakeNode(kube, kubelet, NODE);
  for (const manifest of [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    deployment,
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db', namespace: NS },
      stringData: { password: 'hunter2' },
    },
  ])
    expect(
      (await kube.request('POST', objectCollection(manifest), { body: manifest })).status,
    ).toBe(201);
  await createBoundPod(kube, {
    namespace: NS,
    name: 'web-1',
    nodeName: NODE,
    containers: ['app', 'sidecar'],
    labels: { app: 'web' },
    restartCount: 1,
  });
});

afterAll(async () => {
  await kubelet?.stop();
  await kube?.stop();
});

function objectCollection(manifest: { kind: string; metadata: { namespace?: string } }): string {
  if (manifest.kind === 'Namespace') return '/api/v1/namespaces';
  if (manifest.kind === 'Deployment') return DEPLOYMENTS;
  return `/api/v1/namespaces/${manifest.metadata.namespace}/${manifest.kind.toLowerCase()}s`;
}

describe('real kube-apiserver', () => {
  it(`serves ${KUBERNETES_VERSION} on etcd ${ETCD_VERSION} over TLS from its own CA, and checks tokens`, async () => {
    expect(kube.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(kube.version).toBe(KUBERNETES_VERSION);
    // Plain undici fetch that trusts the CA the API server generated.
    const agent = new Agent({ connect: { ca: kube.caPem } });
    try {
      const response = await undiciFetch(`${kube.url}/version`, { dispatcher: agent });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { gitVersion: string }).gitVersion).toBe(
        KUBERNETES_VERSION,
      );
    } finally {
      await agent.close();
    }
    // Without that CA the certificate is refused: the TLS is real.
    await expect(fetch(`${kube.url}/version`)).rejects.toThrow();
    // A wrong token is 401; no token is system:anonymous, which may read /version but nothing else.
    const wrong = await kube.fetch('/api/v1/namespaces', {
      user: null,
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    expect((await kube.request('GET', '/api/v1/namespaces', { user: null })).status).toBe(403);
    expect((await kube.request('GET', '/version', { user: null })).status).toBe(200);
    const whoami = await kube.request<{
      status: { userInfo: { username: string; groups: string[] } };
    }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    expect(whoami.body.status.userInfo.username).toBe('homelab-admin');
    expect(whoami.body.status.userInfo.groups).toContain('system:masters');
  });

  it('issues ServiceAccount tokens signed with the generated key, and authenticates them', async () => {
    const sa = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'mcp', namespace: NS },
    };
    expect(
      (await kube.request('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { body: sa })).status,
    ).toBe(201);
    const issued = await kube.request<{ status: { token: string } }>(
      'POST',
      `/api/v1/namespaces/${NS}/serviceaccounts/mcp/token`,
      {
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { expirationSeconds: 600 },
        },
      },
    );
    expect(issued.status).toBe(201);
    const whoami = await kube.fetch('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      method: 'POST',
      user: null,
      headers: {
        authorization: `Bearer ${issued.body.status.token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
    });
    expect(whoami.status).toBe(201);
    const review = (await whoami.json()) as { status: { userInfo: { username: string } } };
    expect(review.status.userInfo.username).toBe(`system:serviceaccount:${NS}:mcp`);
  });

  it('stores the Deployment but runs nothing: no controllers, so no ReplicaSets, Pods or status', async () => {
    const stored = await getDeployment();
    expect(stored.spec.replicas).toBe(2);
    expect(stored.metadata.generation).toBe(1);
    expect(stored.status ?? {}).not.toHaveProperty('readyReplicas');
    const replicaSets = await kube.request<{ items: unknown[] }>(
      'GET',
      `/apis/apps/v1/namespaces/${NS}/replicasets`,
    );
    expect(replicaSets.body.items).toEqual([]);
    const pods = await kube.request<{ items: Array<{ metadata: { name: string } }> }>(
      'GET',
      `/api/v1/namespaces/${NS}/pods`,
    );
    expect(pods.body.items.map((p) => p.metadata.name)).toEqual(['web-1']); // only the fixture
  });

  it("patches the Deployment's resources (strategic merge) and reads them back", async () => {
    const before = await getDeployment();
    const patched = await kube.request<Deployment>('PATCH', `${DEPLOYMENTS}/web`, {
      user: 'operator',
      contentType: SMP,
      body: {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'app', resources: { limits: { cpu: '500m', memory: '256Mi' } } },
              ],
            },
          },
        },
      },
    });
    expect(patched.status).toBe(200);
    const after = await getDeployment('readonly');
    const resources = after.spec.template.spec.containers[0]?.resources;
    expect(resources).toEqual({
      requests: { cpu: '100m', memory: '64Mi' },
      limits: { cpu: '500m', memory: '256Mi' },
    });
    expect(after.metadata.generation).toBe(before.metadata.generation + 1);
    expect(after.metadata.resourceVersion).not.toBe(before.metadata.resourceVersion);
  });

  it('validates and answers a server-side dry run (?dryRun=All) without storing anything', async () => {
    const before = await getDeployment();
    const dryRun = await kube.request<Deployment>('PATCH', `${DEPLOYMENTS}/web?dryRun=All`, {
      user: 'operator',
      contentType: SMP,
      body: {
        spec: {
          replicas: 5,
          template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } },
        },
      },
    });
    expect(dryRun.status).toBe(200);
    expect(dryRun.body.spec.replicas).toBe(5);
    expect(dryRun.body.spec.template.spec.containers[0]?.image).toBe('nginx:1.28');
    const after = await getDeployment();
    expect(after.spec.replicas).toBe(before.spec.replicas);
    expect(after.spec.template.spec.containers[0]?.image).toBe('nginx:1.27');
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    // A dry run is still validated: a negative replica count is refused.
    const invalid = await kube.request<Status>('PATCH', `${DEPLOYMENTS}/web?dryRun=All`, {
      user: 'operator',
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: -1 } },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.reason).toBe('Invalid');
  });

  it('gives homelab-readonly reads (200) and no changes or secrets (403)', async () => {
    const asReadonly = (method: string, path: string, body?: unknown, contentType?: string) =>
      kube.request<Status>(method, path, { user: 'readonly', body, contentType });
    for (const path of [
      DEPLOYMENTS,
      `${DEPLOYMENTS}/web`,
      `/api/v1/namespaces/${NS}/pods`,
      `/api/v1/namespaces/${NS}/events`,
      '/api/v1/nodes',
      '/api/v1/namespaces',
      '/apis/apps/v1/statefulsets',
      '/apis/apps/v1/daemonsets',
    ])
      expect([path, (await asReadonly('GET', path)).status]).toEqual([path, 200]);
    const patch = await asReadonly(
      'PATCH',
      `${DEPLOYMENTS}/web`,
      { spec: { replicas: 3 } },
      'application/merge-patch+json',
    );
    expect(patch.status).toBe(403);
    expect(patch.body.reason).toBe('Forbidden');
    expect(patch.body.message).toContain(
      'User "homelab-readonly" cannot patch resource "deployments"',
    );
    const scale = await asReadonly(
      'PATCH',
      `${DEPLOYMENTS}/web/scale`,
      { spec: { replicas: 3 } },
      'application/merge-patch+json',
    );
    expect(scale.status).toBe(403);
    expect((await asReadonly('GET', `/api/v1/namespaces/${NS}/secrets/db`)).status).toBe(403);
    expect((await asReadonly('GET', `/api/v1/namespaces/${NS}/secrets`)).status).toBe(403);
    expect((await asReadonly('DELETE', `${DEPLOYMENTS}/web`)).status).toBe(403);
  });

  it('lets homelab-operator patch, restart and scale workloads, but not read secrets or delete', async () => {
    const restartedAt = new Date().toISOString();
    const restart = await kube.request<Deployment>('PATCH', `${DEPLOYMENTS}/web`, {
      user: 'operator',
      contentType: SMP,
      body: {
        spec: {
          template: {
            metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } },
          },
        },
      },
    });
    expect(restart.status).toBe(200);
    expect(
      restart.body.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt'],
    ).toBe(restartedAt);
    const scale = await kube.request<{ spec: { replicas: number } }>(
      'PATCH',
      `${DEPLOYMENTS}/web/scale`,
      {
        user: 'operator',
        contentType: 'application/merge-patch+json',
        body: { spec: { replicas: 3 } },
      },
    );
    expect(scale.status).toBe(200);
    expect((await getDeployment()).spec.replicas).toBe(3);
    expect(
      (await kube.request('GET', `/api/v1/namespaces/${NS}/secrets/db`, { user: 'operator' }))
        .status,
    ).toBe(403);
    expect(
      (await kube.request('GET', `/api/v1/namespaces/${NS}/secrets`, { user: 'operator' })).status,
    ).toBe(403);
    expect((await kube.request('DELETE', `${DEPLOYMENTS}/web`, { user: 'operator' })).status).toBe(
      403,
    );
    const create = await kube.request('POST', DEPLOYMENTS, {
      user: 'operator',
      body: { ...deployment, metadata: { ...deployment.metadata, name: 'other' } },
    });
    expect(create.status).toBe(403);
  });

  it('holds the roles of mcp-servers/infrastructure/rbac/ exactly, the operator role a superset of the read-only one', async () => {
    const rulesOf = async (name: string) =>
      (
        await kube.request<{ rules: unknown[] }>(
          'GET',
          `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`,
        )
      ).body.rules;
    const fromFiles = new Map<string, unknown[]>();
    for (const file of INFRASTRUCTURE_RBAC_FILES)
      for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
        const object = doc.toJS() as {
          kind: string;
          metadata: { name: string };
          rules?: unknown[];
        };
        if (object.kind === 'ClusterRole') fromFiles.set(object.metadata.name, object.rules ?? []);
      }
    expect([...fromFiles.keys()].sort()).toEqual([
      'homelab-infrastructure-operator',
      'homelab-infrastructure-readonly',
    ]);
    for (const [name, rules] of fromFiles) expect(await rulesOf(name)).toEqual(rules);
    const readonly = fromFiles.get('homelab-infrastructure-readonly') ?? [];
    expect(fromFiles.get('homelab-infrastructure-operator')).toEqual(
      expect.arrayContaining(readonly),
    );
  });

  it('has the fake node Ready at the fake kubelet, and the fixture pod Running on it', async () => {
    const node = await kube.request<{
      status: {
        conditions: Array<{ type: string; status: string }>;
        daemonEndpoints: { kubeletEndpoint: { Port: number } };
        addresses: Array<{ type: string; address: string }>;
      };
    }>('GET', `/api/v1/nodes/${NODE}`, { user: 'readonly' });
    expect(node.body.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(node.body.status.daemonEndpoints.kubeletEndpoint.Port).toBe(kubelet.port);
    expect(node.body.status.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    const pod = await kube.request<{ spec: { nodeName: string }; status: { phase: string } }>(
      'GET',
      `/api/v1/namespaces/${NS}/pods/web-1`,
    );
    expect(pod.body.spec.nodeName).toBe(NODE);
    expect(pod.body.status.phase).toBe('Running');
  });

  it('serves pod logs through the real API server from the fake kubelet, with every query parameter', async () => {
    kubelet.requests.length = 0;
    const all = await log('container=app');
    expect(all).toEqual({ status: 200, text: appLines.map((l) => `${l}\n`).join('') });
    // The API server, not the test, called the kubelet: it forwarded the path and parameters.
    expect((await log('container=app&tailLines=2')).text).toBe(
      'GET /healthz 200\nGET /missing 404\n',
    );
    expect(kubelet.requests.at(-1)).toEqual({
      path: `/containerLogs/${NS}/web-1/app`,
      query: { tailLines: '2' },
    });
    // sinceSeconds: the lines of the last 15 minutes (two, ten minutes apart).
    expect((await log('container=app&sinceSeconds=900')).text).toBe(
      'GET /healthz 200\nGET /missing 404\n',
    );
    const stamped = (await log('container=app&timestamps=true&tailLines=1')).text;
    expect(stamped).toBe(
      `${appLog[4]?.time.toISOString().replace('Z', '000000Z')} GET /missing 404\n`,
    );
    expect((await log('container=app&limitBytes=10')).text).toBe('starting w');
    expect(await log('container=app&previous=true')).toEqual({
      status: 200,
      text: 'fatal: out of memory\n',
    });
    expect(kubelet.requests.at(-1)?.query).toEqual({ previous: 'true' });
    // The kubelet's own error, passed on by the API server with its status.
    const noPrevious = await log('container=sidecar&previous=true');
    expect(noPrevious.status).toBe(400);
    expect(noPrevious.text).toContain(
      'previous terminated container \\"sidecar\\" in pod \\"web-1\\" not found',
    );
    // The API server itself checks the container: two containers need a name, an unknown one is refused.
    const unnamed = await log('');
    expect(unnamed.status).toBe(400);
    expect(unnamed.text).toContain(
      'a container name must be specified for pod web-1, choose one of: [app sidecar]',
    );
    expect((await log('container=nope')).status).toBe(400);
    expect((await log('container=sidecar', 'operator')).text).toBe('sidecar up\n');
    expect(
      (
        await kube.request('GET', `/api/v1/namespaces/${NS}/pods/web-1/log?container=app`, {
          user: null,
        })
      ).status,
    ).toBe(403);
  });

  it('answers Table requests (Accept: as=Table) with the columns kubectl shows', async () => {
    const deployments = await kube.request<Table>('GET', DEPLOYMENTS, {
      user: 'readonly',
      headers: { accept: TABLE },
    });
    expect(deployments.status).toBe(200);
    expect(deployments.body.kind).toBe('Table');
    expect(deployments.body.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Up-to-date',
      'Available',
      'Age',
      'Containers',
      'Images',
      'Selector',
    ]);
    expect(deployments.body.rows.map((r) => r.cells.slice(0, 4))).toEqual([['web', '0/3', 0, 0]]);
    const pods = await kube.request<Table>('GET', `/api/v1/namespaces/${NS}/pods`, {
      user: 'readonly',
      headers: { accept: TABLE },
    });
    const columns = pods.body.columnDefinitions.map((c) => c.name);
    const row = pods.body.rows[0]?.cells ?? [];
    expect(row[columns.indexOf('Name')]).toBe('web-1');
    expect(row[columns.indexOf('Ready')]).toBe('2/2');
    expect(row[columns.indexOf('Status')]).toBe('Running');
    expect(row[columns.indexOf('Restarts')]).toBe('2'); // one restart in each of two containers
    expect(row[columns.indexOf('Node')]).toBe(NODE);
  });

  it('writes kubeconfigs that @kubernetes/client-node loads, with each user’s rights', async () => {
    const config = (user: KubeUser) => {
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(kube.kubeconfigPath(user));
      return kc;
    };
    const readonly = config('readonly');
    expect(readonly.getCurrentUser()?.name).toBe('homelab-readonly');
    const pods = await readonly.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: NS });
    expect(pods.items.map((p) => p.metadata?.name)).toEqual(['web-1']);
    await expect(
      readonly.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ name: 'db', namespace: NS }),
    ).rejects.toMatchObject({ code: 403 });
    const logText = await readonly
      .makeApiClient(k8s.CoreV1Api)
      .readNamespacedPodLog({ name: 'web-1', namespace: NS, container: 'app', tailLines: 1 });
    expect(logText).toBe('GET /missing 404\n');
    const operator = config('operator').makeApiClient(k8s.AppsV1Api);
    const scaled = await operator.patchNamespacedDeploymentScale(
      { name: 'web', namespace: NS, body: { spec: { replicas: 1 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(scaled.spec?.replicas).toBe(1);
  });
});

describe('startKubernetes lifecycle', () => {
  it('starts a second, independent API server and stop() ends it and removes its directory', async () => {
    const second = await startKubernetes({ rbac: false });
    try {
      expect(second.url).not.toBe(kube.url);
      expect((await second.request('GET', `/api/v1/namespaces/${NS}`)).status).toBe(404);
      expect((await second.request('GET', '/readyz')).status).toBe(200);
    } finally {
      await second.stop();
    }
    expect(existsSync(second.dir)).toBe(false);
    const agent = new Agent({ connect: { ca: second.caPem } });
    try {
      await expect(undiciFetch(`${second.url}/readyz`, { dispatcher: agent })).rejects.toThrow();
    } finally {
      await agent.close();
    }
  });
});
