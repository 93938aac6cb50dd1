// A real Kubernetes API server for the real-upstream tier: the kube-apiserver and etcd that
// scripts/real-upstreams/kubernetes.sh builds into the machine's cache, started on 127.0.0.1 with
// free ports and a throwaway directory. The API server self-signs its serving certificate (the
// CA is handed out so clients verify it properly), authenticates three static tokens (an admin in
// system:masters, and the plain users homelab-readonly and homelab-operator), authorizes with
// Node,RBAC, and gets the infrastructure server's roles from mcp-servers/infrastructure/rbac/ applied before it is
// handed out. No controller, scheduler or kubelet runs: objects are stored and validated exactly
// as a cluster would, but a Deployment never gets ReplicaSets or Pods, and a deleted namespace
// stays Terminating. Pod logs work through a fake kubelet (see fake-kubelet.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch, Headers, type RequestInit, type Response } from 'undici';
import { parseAllDocuments, stringify } from 'yaml';
import { freePort, requireBinary } from './real-upstreams.js';

export const KUBERNETES_INSTALLER = 'bash scripts/real-upstreams/kubernetes.sh';
/** The release scripts/real-upstreams/kubernetes.sh builds (keep the two in step). */
export const KUBERNETES_VERSION = 'v1.35.4';
/** The etcd release that k8s.io/kubernetes KUBERNETES_VERSION pins, built beside it. */
export const ETCD_VERSION = 'v3.6.5';

export type KubeUser = 'admin' | 'readonly' | 'operator';

/** The users the static token file defines: their names and groups as the API server sees them. */
export const KUBERNETES_USERS: Record<KubeUser, { name: string; groups: string[] }> = {
  admin: { name: 'homelab-admin', groups: ['system:masters'] },
  readonly: { name: 'homelab-readonly', groups: [] },
  operator: { name: 'homelab-operator', groups: [] },
};

/** The RBAC manifests applied at start: mcp-servers/infrastructure/rbac/ of this repository. */
export const INFRASTRUCTURE_RBAC_FILES = [
  'infrastructure-readonly.yaml',
  'infrastructure-operator.yaml',
].map((name) =>
  fileURLToPath(new URL(`../../../mcp-servers/infrastructure/rbac/${name}`, import.meta.url)),
);

/** The flags kube-apiserver is started with, besides ports and file paths (kept here for the report and tests). */
export const KUBE_APISERVER_FIXED_FLAGS = [
  '--bind-address=127.0.0.1',
  '--advertise-address=127.0.0.1',
  // A range in configuration only: ClusterIPs are allocated from it, nothing is contacted.
  '--service-cluster-ip-range=10.96.0.0/16',
  '--authorization-mode=Node,RBAC',
  '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
  // ServiceAccount admission wants a "default" ServiceAccount in every namespace, which only
  // kube-controller-manager creates; without it no Pod could be created.
  '--disable-admission-plugins=ServiceAccount',
  // The endpoint reconciler would publish 127.0.0.1 as the endpoint of the "kubernetes" Service,
  // which Endpoints validation refuses (loopback), logging an error every 10 s.
  '--endpoint-reconciler-type=none',
  // Logs, exec and proxy go to the node's InternalIP (the fake kubelet: 127.0.0.1) at the port in
  // status.daemonEndpoints; with no --kubelet-certificate-authority the kubelet's certificate is
  // not verified (kube-apiserver's default), so the fake kubelet self-signs.
  '--kubelet-preferred-address-types=InternalIP,Hostname',
  '--kubelet-timeout=5s',
  '--profiling=false',
];

export interface KubernetesOptions {
  /** Folder holding kube-apiserver and etcd (default: the installer's, under HOMELAB_CACHE). */
  binDir?: string;
  /** How long etcd plus the API server may take to become ready (default 120 s). */
  timeoutMs?: number;
  /** Apply mcp-servers/infrastructure/rbac/ and wait until it is in force (default true). */
  rbac?: boolean;
  /** Extra kube-apiserver flags, appended last (a later flag wins). */
  extraApiServerFlags?: string[];
}

export interface KubeRequestOptions {
  /** Who asks (default admin). `null` sends no Authorization header (system:anonymous). */
  user?: KubeUser | null;
  /** JSON-encoded unless a string. */
  body?: unknown;
  /** Default application/json when there is a body. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface KubeResponse<T = unknown> {
  status: number;
  headers: Response['headers'];
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  body: T;
}

export interface RealKubernetes {
  /** https://127.0.0.1:PORT */
  url: string;
  /** The self-signed CA that issued the serving certificate, PEM. */
  caPem: string;
  /** caPem base64-encoded, as kubeconfig's certificate-authority-data wants it. */
  caData: string;
  /** A file holding caPem. */
  caFile: string;
  /** An undici dispatcher that trusts caPem (for undici's fetch: `fetch(url, { dispatcher })`). */
  dispatcher: Agent;
  adminToken: string;
  readOnlyToken: string;
  operatorToken: string;
  tokens: Record<KubeUser, string>;
  /** gitVersion from /version, e.g. "v1.35.4". */
  version: string;
  /** Milliseconds from spawning etcd to the API server's /readyz answering ok (RBAC applied or not). */
  startupMs: number;
  /** Milliseconds etcd took to answer /health. */
  etcdStartupMs: number;
  /** The throwaway directory (certs, tokens, keys, etcd data, kubeconfigs). */
  dir: string;
  /** Writes (once) a kubeconfig for that user, usable by kubectl and @kubernetes/client-node. */
  kubeconfigPath(user: KubeUser): string;
  /** fetch() against the API server, trusting its CA, as that user (default admin). */
  fetch(path: string, init?: RequestInit & { user?: KubeUser | null }): Promise<Response>;
  /** One API call; never throws on an HTTP error status. */
  request<T = unknown>(
    method: string,
    path: string,
    options?: KubeRequestOptions,
  ): Promise<KubeResponse<T>>;
  /** Server-side applies every object in a YAML or JSON text (one or many documents). */
  apply(manifests: string, user?: KubeUser): Promise<Array<Record<string, unknown>>>;
  /** What etcd and kube-apiserver printed so far. */
  logs(component?: 'etcd' | 'kube-apiserver'): string;
  stop(): Promise<void>;
}

const MAX_LOG_CHARS = 2_000_000;

export function kubernetesBinDir(version = KUBERNETES_VERSION): string {
  const cache = process.env.HOMELAB_CACHE || join(homedir(), '.cache', 'homelab');
  return join(cache, 'kubernetes', version, 'bin');
}

/** Where each kind this helper can apply lives: [group/version path prefix, plural, namespaced]. */
const KINDS: Record<string, [string, string, boolean]> = {
  Namespace: ['/api/v1', 'namespaces', false],
  Node: ['/api/v1', 'nodes', false],
  Pod: ['/api/v1', 'pods', true],
  Service: ['/api/v1', 'services', true],
  ConfigMap: ['/api/v1', 'configmaps', true],
  Secret: ['/api/v1', 'secrets', true],
  ServiceAccount: ['/api/v1', 'serviceaccounts', true],
  Event: ['/api/v1', 'events', true],
  Deployment: ['/apis/apps/v1', 'deployments', true],
  StatefulSet: ['/apis/apps/v1', 'statefulsets', true],
  DaemonSet: ['/apis/apps/v1', 'daemonsets', true],
  ReplicaSet: ['/apis/apps/v1', 'replicasets', true],
  Job: ['/apis/batch/v1', 'jobs', true],
  CronJob: ['/apis/batch/v1', 'cronjobs', true],
  ClusterRole: ['/apis/rbac.authorization.k8s.io/v1', 'clusterroles', false],
  ClusterRoleBinding: ['/apis/rbac.authorization.k8s.io/v1', 'clusterrolebindings', false],
  Role: ['/apis/rbac.authorization.k8s.io/v1', 'roles', true],
  RoleBinding: ['/apis/rbac.authorization.k8s.io/v1', 'rolebindings', true],
};

/** The REST path of one object (by its kind, name and namespace). */
export function objectPath(object: {
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
}): string {
  const kind = String(object.kind);
  const where = KINDS[kind];
  if (!where)
    throw new Error(`kind ${kind} is not one this helper knows (${Object.keys(KINDS).join(', ')})`);
  const [prefix, plural, namespaced] = where;
  const name = object.metadata?.name;
  if (typeof name !== 'string' || !name) throw new Error(`a ${kind} without metadata.name`);
  const namespace =
    typeof object.metadata?.namespace === 'string' ? object.metadata.namespace : 'default';
  const ns = namespaced ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${prefix}${ns}/${plural}/${encodeURIComponent(name)}`;
}

function lastChars(text: string): string {
  return text.length > MAX_LOG_CHARS ? text.slice(-MAX_LOG_CHARS) : text;
}

interface Spawned {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Spawns a program in its own process group, collecting its output; stop() ends that group. */
function spawnGroup(binary: string, args: string[]): Spawned {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const collect = (chunk: Buffer) => (output = lastChars(output + chunk.toString()));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };
  const killOnExit = () => killGroup('SIGKILL');
  process.once('exit', killOnExit);
  return {
    child,
    output: () => output,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        killGroup('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
        clearTimeout(timer);
      }
      killGroup('SIGKILL');
    },
  };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Polls `probe` every 100 ms until it returns true, the child exits, or time runs out. */
async function poll(
  what: string,
  child: ChildProcess,
  deadline: number,
  probe: () => Promise<boolean | string>,
): Promise<void> {
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exited(child))
      throw new Error(`${what}: the process exited with ${child.exitCode ?? child.signalCode}`);
    try {
      const result = await probe();
      if (result === true) return;
      last = result === false ? 'not ready yet' : result;
    } catch (error) {
      last =
        error instanceof Error
          ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ''}`
          : String(error);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not ready in time (${last})`);
}

/** The self-signed CA among the PEM certificates kube-apiserver wrote to --cert-dir. */
function caFromCertDir(certFile: string): string {
  const blocks =
    readFileSync(certFile, 'utf8').match(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g,
    ) ?? [];
  const ca = blocks.find((pem) => new X509Certificate(pem).ca);
  if (!ca) throw new Error(`${certFile} holds no CA certificate`);
  return ca.endsWith('\n') ? ca : `${ca}\n`;
}

/** Starts etcd and kube-apiserver on 127.0.0.1, applies mcp-servers/infrastructure/rbac/, and hands out tokens and the CA. */
export async function startKubernetes(options: KubernetesOptions = {}): Promise<RealKubernetes> {
  const binDir = options.binDir ?? kubernetesBinDir();
  const apiserverBinary = requireBinary(join(binDir, 'kube-apiserver'), KUBERNETES_INSTALLER);
  const etcdBinary = requireBinary(join(binDir, 'etcd'), KUBERNETES_INSTALLER);
  const timeoutMs = options.timeoutMs ?? 120_000;

  const dir = mkdtempSync(join(tmpdir(), 'homelab-kubernetes-'));
  const certDir = join(dir, 'certs');
  mkdirSync(certDir);
  const tokens: Record<KubeUser, string> = {
    admin: randomBytes(24).toString('hex'),
    readonly: randomBytes(24).toString('hex'),
    operator: randomBytes(24).toString('hex'),
  };
  // token,user,uid,"group1,group2"
  const tokenFile = join(dir, 'tokens.csv');
  writeFileSync(
    tokenFile,
    (Object.keys(tokens) as KubeUser[])
      .map((user) => {
        const { name, groups } = KUBERNETES_USERS[user];
        return `${tokens[user]},${name},${name}${groups.length ? `,"${groups.join(',')}"` : ''}\n`;
      })
      .join(''),
    { mode: 0o600 },
  );
  // The service-account token signing pair (ES256: generated in a millisecond).
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const saKey = join(dir, 'sa.key');
  const saPub = join(dir, 'sa.pub');
  writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }));

  const [etcdClientPort, etcdPeerPort, apiPort] = await distinctFreePorts(3);
  const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
  const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
  const url = `https://127.0.0.1:${apiPort}`;

  const started = Date.now();
  const deadline = started + timeoutMs;
  const etcd = spawnGroup(etcdBinary, [
    '--name=homelab',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=homelab=${peerUrl}`,
    '--initial-cluster-state=new',
    // A throwaway store: skip fsync (much faster on a busy disk).
    '--unsafe-no-fsync',
    '--log-level=warn',
  ]);
  let apiserver: Spawned | undefined;
  let dispatcher: Agent | undefined;
  const stop = async () => {
    await apiserver?.stop();
    await etcd.stop();
    await dispatcher?.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  const logs = (component?: 'etcd' | 'kube-apiserver') => {
    if (component === 'etcd') return etcd.output();
    if (component === 'kube-apiserver') return apiserver?.output() ?? '';
    return `--- etcd ---\n${etcd.output()}\n--- kube-apiserver ---\n${apiserver?.output() ?? ''}`;
  };

  try {
    await poll('etcd', etcd.child, deadline, async () => {
      const response = await globalThis.fetch(`${etcdUrl}/health`, {
        signal: AbortSignal.timeout(1000),
      });
      const text = await response.text();
      return response.ok && (JSON.parse(text) as { health?: string }).health === 'true'
        ? true
        : `HTTP ${response.status} ${text}`;
    });
    const etcdStartupMs = Date.now() - started;

    apiserver = spawnGroup(apiserverBinary, [
      ...KUBE_APISERVER_FIXED_FLAGS,
      `--secure-port=${apiPort}`,
      `--cert-dir=${certDir}`,
      `--etcd-servers=${etcdUrl}`,
      `--token-auth-file=${tokenFile}`,
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      ...(options.extraApiServerFlags ?? []),
    ]);
    const apiChild = apiserver.child;
    const certFile = join(certDir, 'apiserver.crt');
    await poll('kube-apiserver certificate', apiChild, deadline, async () => existsSync(certFile));
    // The serving cert is written just before it is served; read it once it parses.
    let caPem = '';
    await poll('kube-apiserver certificate', apiChild, deadline, async () => {
      caPem = caFromCertDir(certFile);
      return true;
    });
    const caFile = join(dir, 'ca.crt');
    writeFileSync(caFile, caPem);
    const caData = Buffer.from(caPem).toString('base64');
    dispatcher = new Agent({ connect: { ca: caPem } });
    const trusted = dispatcher;

    const kubeFetch = (path: string, init: RequestInit & { user?: KubeUser | null } = {}) => {
      const { user = 'admin', headers, ...rest } = init;
      const merged = new Headers(headers);
      if (user) merged.set('authorization', `Bearer ${tokens[user]}`);
      return fetch(`${url}${path}`, {
        signal: AbortSignal.timeout(30_000),
        ...rest,
        headers: merged,
        dispatcher: trusted,
      });
    };
    const request = async <T>(
      method: string,
      path: string,
      opts: KubeRequestOptions = {},
    ): Promise<KubeResponse<T>> => {
      const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['content-type'] = opts.contentType ?? 'application/json';
      }
      const response = await kubeFetch(path, { method, headers, body, user: opts.user });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, text, body: parsed as T };
    };
    const apply = async (manifests: string, user: KubeUser = 'admin') => {
      const applied: Array<Record<string, unknown>> = [];
      for (const document of parseAllDocuments(manifests)) {
        if (document.errors.length) throw new Error(`bad YAML: ${document.errors[0]?.message}`);
        const object = document.toJS() as Record<string, unknown> | null;
        if (!object) continue;
        const response = await request<Record<string, unknown>>(
          'PATCH',
          `${objectPath(object)}?fieldManager=homelab-tests&force=true`,
          { user, body: object, contentType: 'application/apply-patch+yaml' },
        );
        if (response.status >= 300)
          throw new Error(
            `apply ${String(object.kind)} ${objectPath(object)}: HTTP ${response.status} ${response.text}`,
          );
        applied.push(response.body);
      }
      return applied;
    };

    await poll('kube-apiserver /readyz', apiChild, deadline, async () => {
      const response = await kubeFetch('/readyz', { signal: AbortSignal.timeout(2000) });
      const text = await response.text();
      return response.ok
        ? true
        : `HTTP ${response.status} ${text
            .split('\n')
            .filter((l) => l.includes('[-]'))
            .join(', ')}`;
    });
    const startupMs = Date.now() - started;
    const versionResponse = await request<{ gitVersion: string }>('GET', '/version');
    const version = versionResponse.body.gitVersion;

    if (options.rbac ?? true) {
      for (const file of INFRASTRUCTURE_RBAC_FILES) await apply(readFileSync(file, 'utf8'));
      // The RBAC authorizer reads roles from a watch cache: wait until both bindings are in force.
      for (const [user, verb] of [
        ['readonly', 'list'],
        ['operator', 'patch'],
      ] as const) {
        await poll(`RBAC for ${user}`, apiChild, deadline, async () => {
          const review = await request<{ status?: { allowed?: boolean } }>(
            'POST',
            '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
            {
              user,
              body: {
                apiVersion: 'authorization.k8s.io/v1',
                kind: 'SelfSubjectAccessReview',
                spec: { resourceAttributes: { group: 'apps', resource: 'deployments', verb } },
              },
            },
          );
          return review.body.status?.allowed === true;
        });
      }
    }

    const kubeconfigs = new Map<KubeUser, string>();
    const kubeconfigPath = (user: KubeUser) => {
      const existing = kubeconfigs.get(user);
      if (existing) return existing;
      const path = join(dir, `kubeconfig-${user}.yaml`);
      const name = KUBERNETES_USERS[user].name;
      writeFileSync(
        path,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            {
              name: 'homelab-test',
              cluster: { server: url, 'certificate-authority-data': caData },
            },
          ],
          users: [{ name, user: { token: tokens[user] } }],
          contexts: [
            { name, context: { cluster: 'homelab-test', user: name, namespace: 'default' } },
          ],
          'current-context': name,
          preferences: {},
        }),
        { mode: 0o600 },
      );
      kubeconfigs.set(user, path);
      return path;
    };

    return {
      url,
      caPem,
      caData,
      caFile,
      dispatcher: trusted,
      adminToken: tokens.admin,
      readOnlyToken: tokens.readonly,
      operatorToken: tokens.operator,
      tokens,
      version,
      startupMs,
      etcdStartupMs,
      dir,
      kubeconfigPath,
      fetch: kubeFetch,
      request,
      apply,
      logs,
      stop,
    };
  } catch (error) {
    const output = logs();
    await stop();
    throw new Error(
      `Kubernetes did not start: ${(error as Error).message}\n${output.slice(-20_000)}`,
      {
        cause: error,
      },
    );
  }
}

/** `count` free 127.0.0.1 ports, all different. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
