// A fake kubelet for the real-upstream Kubernetes tier, so that pod logs work through a real
// kube-apiserver. The API server serves GET /api/v1/namespaces/NS/pods/NAME/log by proxying to
// the kubelet of the pod's node: https://<node InternalIP>:<status.daemonEndpoints.kubeletEndpoint
// .Port>/containerLogs/NS/NAME/CONTAINER?tailLines=&sinceSeconds=&sinceTime=&timestamps=&previous=
// &limitBytes=&follow=&stream= (pkg/registry/core/pod/strategy.go LogLocation). This kubelet
// answers that path over HTTPS on 127.0.0.1 from a table of log lines, applying every parameter
// as the real kubelet does, with a certificate that `openssl` self-signs (Node's crypto cannot make
// X.509 certificates; kube-apiserver does not verify kubelets without --kubelet-certificate-
// authority). registerFakeNode() creates the Node that points at it and marks it Ready through the
// status subresource; createBoundPod() creates a Pod bound to that node (spec.nodeName) and
// reports it Running, as a kubelet would.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './real-upstreams.js';
import { KUBERNETES_VERSION, type RealKubernetes } from './real-kubernetes.js';

/** One line of a container's log. `time` defaults as described at startFakeKubelet. */
export interface FakeLogLine {
  text: string;
  time?: Date | string;
  stream?: 'stdout' | 'stderr';
}

/**
 * Logs by `namespace/pod/container`; the key with `#previous` appended is the previous (terminated)
 * instance of that container, served for `previous=true`.
 */
export type FakeKubeletLogs = Record<string, string | FakeLogLine[]>;

export interface FakeKubeletRequest {
  path: string;
  query: Record<string, string>;
}

export interface FakeKubelet {
  /** Always 127.0.0.1: the node's InternalIP. */
  host: string;
  port: number;
  url: string;
  /** Every request the kubelet received (so a test can see what the API server forwarded). */
  requests: FakeKubeletRequest[];
  /** Replaces (or adds) the log of one `namespace/pod/container[#previous]`. */
  setLog(key: string, log: string | FakeLogLine[]): void;
  stop(): Promise<void>;
}

interface StoredLine {
  text: string;
  time: Date;
  stream: 'stdout' | 'stderr';
}

/** The kubelet's timestamp format: RFC 3339 with exactly nine fractional digits. */
export function kubeletTimestamp(time: Date): string {
  return time.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

function normalize(log: string | FakeLogLine[], now: Date): StoredLine[] {
  const lines: FakeLogLine[] =
    typeof log === 'string'
      ? log
          .split('\n')
          .filter((text, i, all) => i < all.length - 1 || text !== '')
          .map((text) => ({ text }))
      : log;
  // Lines without a time are one second apart, the last one at `now`.
  return lines.map((line, i) => ({
    text: line.text,
    stream: line.stream ?? 'stdout',
    time: line.time ? new Date(line.time) : new Date(now.getTime() - (lines.length - 1 - i) * 1000),
  }));
}

/**
 * The body the real kubelet would send for these lines and query: `stream` picks stdout/stderr
 * (All by default), `sinceSeconds`/`sinceTime` drop older lines, `tailLines` keeps the last N,
 * `timestamps` prefixes each line with its RFC 3339 time, and `limitBytes` cuts the result.
 */
export function renderContainerLog(
  lines: StoredLine[],
  query: Record<string, string>,
  now = new Date(),
): Buffer {
  let selected = lines;
  const stream = query.stream ?? 'All';
  if (stream === 'Stdout') selected = selected.filter((l) => l.stream === 'stdout');
  if (stream === 'Stderr') selected = selected.filter((l) => l.stream === 'stderr');
  let since: number | undefined;
  if (query.sinceSeconds !== undefined) since = now.getTime() - Number(query.sinceSeconds) * 1000;
  if (query.sinceTime !== undefined) since = Date.parse(query.sinceTime);
  if (since !== undefined) selected = selected.filter((l) => l.time.getTime() >= (since as number));
  if (query.tailLines !== undefined) {
    const tail = Number(query.tailLines);
    selected = tail <= 0 ? [] : selected.slice(-tail);
  }
  const timestamps = query.timestamps === 'true';
  const body = Buffer.from(
    selected.map((l) => `${timestamps ? `${kubeletTimestamp(l.time)} ` : ''}${l.text}\n`).join(''),
  );
  return query.limitBytes !== undefined
    ? body.subarray(0, Math.max(0, Number(query.limitBytes)))
    : body;
}

/** A self-signed certificate for 127.0.0.1 made by openssl. */
function selfSignedCertificate(): { key: string; cert: string } {
  const openssl = requireBinary('openssl', 'apt-get install -y --no-install-recommends openssl');
  const dir = mkdtempSync(join(tmpdir(), 'homelab-fake-kubelet-'));
  try {
    const result = spawnSync(
      openssl,
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=fake-kubelet',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { encoding: 'utf8' },
    );
    if (result.status !== 0)
      throw new Error(`openssl could not make a certificate: ${result.stderr}`);
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Starts the fake kubelet on 127.0.0.1 (a free port) serving `logs`. Lines given as a plain string
 * (split on newlines) are stamped one second apart, the last one when the kubelet starts.
 */
export async function startFakeKubelet(logs: FakeKubeletLogs = {}): Promise<FakeKubelet> {
  const started = new Date();
  const table = new Map<string, StoredLine[]>();
  const setLog = (key: string, log: string | FakeLogLine[]) =>
    table.set(key, normalize(log, new Date()));
  for (const [key, log] of Object.entries(logs)) table.set(key, normalize(log, started));
  const requests: FakeKubeletRequest[] = [];

  const server: Server = createServer(selfSignedCertificate(), (req, res) => {
    const parsed = new URL(req.url ?? '/', 'https://127.0.0.1');
    const query = Object.fromEntries(parsed.searchParams);
    requests.push({ path: parsed.pathname, query });
    const plain = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(text);
    };
    if (parsed.pathname === '/healthz') return plain(200, 'ok');
    const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(parsed.pathname);
    if (!match || req.method !== 'GET') return plain(404, '404 page not found\n');
    const [, namespace, pod, container] = match.map((part) => decodeURIComponent(part)) as [
      string,
      string,
      string,
      string,
    ];
    const key = `${namespace}/${pod}/${container}`;
    if (!table.has(key) && !table.has(`${key}#previous`))
      return plain(404, `container "${container}" in pod "${pod}" is not available\n`);
    const previous = query.previous === 'true';
    const lines = table.get(previous ? `${key}#previous` : key);
    if (!lines)
      // The real kubelet's words for both cases (kuberuntime), with its 400.
      return plain(
        400,
        previous
          ? `previous terminated container "${container}" in pod "${pod}" not found`
          : `container "${container}" in pod "${pod}" is waiting to start: ContainerCreating`,
      );
    res.writeHead(200, { 'content-type': 'text/plain' });
    // follow=true: the current log, then the stream ends (nothing is ever appended).
    res.end(renderContainerLog(lines, query));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    host: '127.0.0.1',
    port,
    url: `https://127.0.0.1:${port}`,
    requests,
    setLog,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function ensureOk(what: string, response: { status: number; text: string }): void {
  if (response.status >= 300) throw new Error(`${what}: HTTP ${response.status} ${response.text}`);
}

/**
 * Creates the Node `name` whose kubelet is `kubelet` (InternalIP 127.0.0.1, kubeletEndpoint its
 * port) and marks it Ready through the status subresource, as a kubelet's heartbeat would.
 */
export async function registerFakeNode(
  kube: RealKubernetes,
  kubelet: Pick<FakeKubelet, 'host' | 'port'>,
  name = 'homelab-node-1',
): Promise<Record<string, unknown>> {
  ensureOk(
    `create node ${name}`,
    await kube.request('POST', '/api/v1/nodes', {
      body: {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          labels: {
            'kubernetes.io/hostname': name,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/arch': 'amd64',
          },
        },
        spec: {},
      },
    }),
  );
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  const resources = { cpu: '4', memory: '8Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  const response = await kube.request<Record<string, unknown>>(
    'PATCH',
    `/api/v1/nodes/${name}/status`,
    {
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          addresses: [
            { type: 'InternalIP', address: kubelet.host },
            { type: 'Hostname', address: name },
          ],
          daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } },
          capacity: resources,
          allocatable: resources,
          conditions: [
            condition(
              'MemoryPressure',
              'False',
              'KubeletHasSufficientMemory',
              'kubelet has sufficient memory available',
            ),
            condition(
              'DiskPressure',
              'False',
              'KubeletHasNoDiskPressure',
              'kubelet has no disk pressure',
            ),
            condition(
              'PIDPressure',
              'False',
              'KubeletHasSufficientPID',
              'kubelet has sufficient PID available',
            ),
            condition(
              'Ready',
              'True',
              'KubeletReady',
              'kubelet is posting ready status (fake kubelet)',
            ),
          ],
          nodeInfo: {
            machineID: 'homelab-fake',
            systemUUID: 'homelab-fake',
            bootID: 'homelab-fake',
            kernelVersion: '6.1.0',
            osImage: 'Debian GNU/Linux 12 (bookworm)',
            containerRuntimeVersion: 'containerd://2.0.0',
            kubeletVersion: KUBERNETES_VERSION,
            kubeProxyVersion: '',
            operatingSystem: 'linux',
            architecture: 'amd64',
          },
        },
      },
    },
  );
  ensureOk(`mark node ${name} Ready`, response);
  return response.body;
}

export interface BoundPodOptions {
  namespace: string;
  name: string;
  /** The node it runs on (spec.nodeName): one registerFakeNode() made. */
  nodeName: string;
  /** Container names (default ['app']); each runs image `busybox:1.36`. */
  containers?: string[];
  labels?: Record<string, string>;
  /** Restart count reported for every container (default 0). */
  restartCount?: number;
}

/**
 * Creates a Pod bound to `nodeName` (no scheduler runs, so the binding is spec.nodeName) and
 * reports it Running and Ready through the status subresource, as its kubelet would.
 */
export async function createBoundPod(
  kube: RealKubernetes,
  options: BoundPodOptions,
): Promise<Record<string, unknown>> {
  const containers = options.containers ?? ['app'];
  const path = `/api/v1/namespaces/${options.namespace}/pods`;
  ensureOk(
    `create pod ${options.namespace}/${options.name}`,
    await kube.request('POST', path, {
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: options.name,
          namespace: options.namespace,
          labels: options.labels ?? {},
        },
        spec: {
          nodeName: options.nodeName,
          containers: containers.map((name) => ({ name, image: 'busybox:1.36' })),
        },
      },
    }),
  );
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const response = await kube.request<Record<string, unknown>>(
    'PATCH',
    `${path}/${options.name}/status`,
    {
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          phase: 'Running',
          hostIP: '127.0.0.1',
          startTime: now,
          conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({
            type,
            status: 'True',
            lastTransitionTime: now,
          })),
          containerStatuses: containers.map((name) => ({
            name,
            image: 'busybox:1.36',
            imageID: '',
            containerID: `containerd://${name}-homelab-fake`,
            ready: true,
            started: true,
            restartCount: options.restartCount ?? 0,
            state: { running: { startedAt: now } },
          })),
        },
      },
    },
  );
  ensureOk(`report pod ${options.namespace}/${options.name} Running`, response);
  return response.body;
}
