#!/usr/bin/env node
// Benchmark of the infrastructure MCP server (issue 4): list pods and get logs over Streamable
// HTTP, ours vs kubernetes-mcp-server 0.0.67 (Go, npm) and mcp-server-kubernetes 4.1.7 (Node,
// shells out to kubectl), all against the same real kube-apiserver in the same run, each with the
// admin kubeconfig. Per server and operation: calls/s, p50/p99, errors, answer size, CPU per call
// (the server's own, its exited children's, and the API server's); per server: RSS idle (2 s after
// ready) and after the load, plus the peak. Ours runs twice: plain and with
// NODE_OPTIONS=--max-semi-space-size=1. Writes results/<out>.json and .md with the 128 Mi check.
// Everything binds and connects to 127.0.0.1; every wait and every load test is bounded.
//
//   node bench/infrastructure.mjs [--calls 2000] [--workers 2] [--concurrency 4] [--max-seconds 30]
//                                 [--slow-calls 300] [--servers ours,ours-semi-space-1,kms,msk]
//                                 [--settle-ms 2000] [--out infrastructure]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { closeSession, runLoad } from './load.mjs';
import {
  BENCH_DIR,
  HEAP_DIR,
  HOST,
  TMP_DIR,
  freePort,
  heapProbeArgs,
  median,
  poll,
  probeHeap,
  readChildrenCpuMs,
  readCpuMs,
  readMachineBusyMs,
  readMemory,
  round,
  sleep,
  spawnServer,
  stopProcess,
} from './measure.mjs';

const ROOT = join(BENCH_DIR, '..');
const RESULTS_DIR = join(BENCH_DIR, 'results');
const require = createRequire(import.meta.url);

/** The seed's container limit for the infrastructure server (128Mi). */
const LIMIT_MIB = 128;
/** kubectl 1.33 from the Google Cloud SDK (/usr/bin/kubectl is gcloud's dispatcher, not kubectl). */
const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const NAMESPACE = 'media';
const LOG_POD = 'radarr-0';
const LOG_LINES = 400;
const TAIL = 100;
const APPS = [
  'bazarr',
  'grafana',
  'homepage',
  'immich',
  'jellyfin',
  'lidarr',
  'loki',
  'minio',
  'overseerr',
  'plex',
  'postgres',
  'prometheus',
  'prowlarr',
  'qbittorrent',
  'radarr',
  'readarr',
  'redis',
  'sabnzbd',
  'sonarr',
  'tautulli',
];
const PODS = APPS.map((app) => `${app}-0`);
const LOG = Array.from({ length: LOG_LINES }, (_, i) => {
  const level = i % 17 === 0 ? 'WARN' : i % 41 === 0 ? 'ERROR' : 'INFO';
  return `[${level}] radarr line ${String(i + 1).padStart(4, '0')}: RssSync: processed 150 releases from 4 indexers, 0 grabbed (took 812 ms)`;
});

const SERVER_NAMES = [
  'ours',
  'ours-semi-space-1',
  'ours-container',
  'kms',
  'kms-unthrottled',
  'msk',
];

function options() {
  const { values } = parseArgs({
    allowNegative: true,
    options: {
      calls: { type: 'string', default: '2000' },
      'slow-calls': { type: 'string', default: '150' },
      workers: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '4' },
      'max-seconds': { type: 'string', default: '30' },
      'settle-ms': { type: 'string', default: '2000' },
      'heap-probe': { type: 'boolean', default: true },
      servers: { type: 'string', default: SERVER_NAMES.join(',') },
      out: { type: 'string', default: 'infrastructure' },
    },
  });
  return {
    calls: Number(values.calls),
    slowCalls: Number(values['slow-calls']),
    workers: Number(values.workers),
    concurrency: Number(values.concurrency),
    maxDurationMs: Number(values['max-seconds']) * 1000,
    settleMs: Number(values['settle-ms']),
    heapProbe: values['heap-probe'],
    servers: values.servers.split(','),
    out: values.out,
  };
}

const packageDir = (name) => dirname(require.resolve(`${name}/package.json`));
const versionOf = (name) =>
  JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8')).version;

/** The Go binary kubernetes-mcp-server's npm shim would spawn (from its optionalDependency). */
function kmsBinary() {
  const shim = createRequire(join(packageDir('kubernetes-mcp-server'), 'package.json'));
  const name = 'kubernetes-mcp-server-linux-amd64';
  if (process.platform !== 'linux' || process.arch !== 'x64')
    throw new Error(`kubernetes-mcp-server: this bench knows the linux-x64 binary only`);
  return shim.resolve(`${name}/bin/${name}`);
}

/** A folder with `kubectl` (a symlink to the real 1.33 client) to put first on PATH. */
function kubectlDir() {
  if (!existsSync(KUBECTL))
    throw new Error(`${KUBECTL} is missing (mcp-server-kubernetes needs kubectl)`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-kubectl-'));
  symlinkSync(KUBECTL, join(dir, 'kubectl'));
  return dir;
}

/**
 * The servers, each asked the same two questions: the pods of one namespace, and the last TAIL
 * log lines of one pod. `start` returns the spawned process; its pid is the one measured.
 */
function servers(ctx) {
  const ours = (name, extraEnv, note) => ({
    name,
    label: `@homelab/mcp-infrastructure${extraEnv.NODE_OPTIONS ? ` (NODE_OPTIONS=${extraEnv.NODE_OPTIONS})` : ''}`,
    note,
    readyPath: '/healthz',
    headers: { Authorization: `Bearer ${ctx.token}` },
    env: (port) => ({
      KUBECONFIG: ctx.kubeconfig,
      MCP_TRANSPORT: 'http',
      MCP_HOST: HOST,
      MCP_PORT: String(port),
      MCP_AUTH_TOKEN: ctx.token,
      NODE_OPTIONS: '',
      ...(ctx.opts.heapProbe ? { BENCH_HEAP_DIR: HEAP_DIR } : {}),
      ...extraEnv,
    }),
    nodeArgs: ctx.opts.heapProbe ? heapProbeArgs() : [],
    heapProbe: ctx.opts.heapProbe,
    start(port) {
      return spawnServer(
        process.execPath,
        [...this.nodeArgs, join(ROOT, 'mcp-servers', 'infrastructure', 'dist', 'main.js')],
        name,
        this.env(port),
      );
    },
    ops: {
      pods: { tool: 'get_pods', args: { namespace: NAMESPACE } },
      logs: { tool: 'get_logs', args: { namespace: NAMESPACE, pod: LOG_POD, tailLines: TAIL } },
    },
    calls: ctx.opts.calls,
    warmup: 50,
  });
  const kmsVersion = versionOf('kubernetes-mcp-server');
  const kms = (name, env, note) => ({
    name,
    label: `kubernetes-mcp-server ${kmsVersion} (Go${env.KUBE_CLIENT_QPS ? ', client QPS raised' : ''})`,
    note: `${note}; the Go binary of kubernetes-mcp-server-linux-amd64, run directly (the npm bin is a Node shim that spawns it)`,
    readyPath: '/mcp',
    headers: undefined,
    flags: (port) => [
      '--port',
      String(port),
      '--bind-address',
      HOST,
      '--kubeconfig',
      ctx.kubeconfig,
    ],
    env: () => env,
    start(port) {
      return spawnServer(kmsBinary(), this.flags(port), name, env);
    },
    ops: {
      pods: { tool: 'pods_list_in_namespace', args: { namespace: NAMESPACE } },
      logs: { tool: 'pods_log', args: { namespace: NAMESPACE, name: LOG_POD, tail: TAIL } },
    },
    calls: env.KUBE_CLIENT_QPS ? ctx.opts.calls : ctx.opts.slowCalls,
    warmup: env.KUBE_CLIENT_QPS ? 50 : 5,
  });
  const mskVersion = versionOf('mcp-server-kubernetes');
  return [
    ours('ours', {}, 'Node defaults'),
    ours(
      'ours-semi-space-1',
      { NODE_OPTIONS: '--max-semi-space-size=1' },
      'a small young generation only',
    ),
    ours(
      'ours-container',
      { NODE_OPTIONS: '--max-semi-space-size=1 --max-old-space-size=64' },
      'what the project sets in its 128 Mi containers',
    ),
    kms('kms', {}, 'defaults: client-go limits its API requests to 5/s, burst 10'),
    kms(
      'kms-unthrottled',
      { KUBE_CLIENT_QPS: '1000', KUBE_CLIENT_BURST: '2000' },
      'KUBE_CLIENT_QPS=1000 KUBE_CLIENT_BURST=2000 (its test-only override of that limit)',
    ),
    {
      name: 'msk',
      label: `mcp-server-kubernetes ${mskVersion} (Node + kubectl)`,
      note: 'stateless Streamable HTTP; runs kubectl 1.33 with execFileSync for every call',
      readyPath: '/health',
      headers: { 'X-MCP-AUTH': ctx.token },
      env: (port) => ({
        PATH: `${ctx.kubectlDir}:${process.env.PATH ?? ''}`,
        KUBECONFIG: ctx.kubeconfig,
        ENABLE_UNSAFE_STREAMABLE_HTTP_TRANSPORT: '1',
        HOST,
        PORT: String(port),
        MCP_AUTH_TOKEN: ctx.token,
        NODE_OPTIONS: '',
      }),
      start(port) {
        return spawnServer(
          process.execPath,
          [join(packageDir('mcp-server-kubernetes'), 'dist', 'index.js')],
          'msk',
          this.env(port),
        );
      },
      ops: {
        pods: { tool: 'kubectl_get', args: { resourceType: 'pods', namespace: NAMESPACE } },
        logs: {
          tool: 'kubectl_logs',
          args: { resourceType: 'pod', name: LOG_POD, namespace: NAMESPACE, tail: TAIL },
        },
      },
      calls: ctx.opts.slowCalls,
      warmup: 5,
      spawnsChildren: true,
    },
  ].filter((s) => ctx.opts.servers.includes(s.name));
}

/** Pids of a process's live children (from every thread's children list). */
function childPids(pid) {
  const pids = [];
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return pids;
  }
  for (const tid of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) pids.push(...text.split(' ').map(Number));
    } catch {
      // the thread is gone
    }
  }
  return pids;
}

function commOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Watches the kubectl processes a server spawns, every `everyMs` until stopped: how many were
 * seen, at most how many at once, and the peak RSS (VmHWM) of each, last read before it exited
 * (a lower bound: one that lives less than `everyMs` may be missed or read early).
 */
function watchChildren(pid, everyMs = 10) {
  const peaks = new Map();
  let maxAtOnce = 0;
  const timer = setInterval(() => {
    const kids = childPids(pid).filter((kid) => commOf(kid) === 'kubectl');
    maxAtOnce = Math.max(maxAtOnce, kids.length);
    for (const kid of kids) {
      const memory = readMemory(kid);
      // A child that has exited but is not yet reaped has no VmHWM any more.
      if (memory && Number.isFinite(memory.peakMiB)) peaks.set(kid, memory.peakMiB);
    }
  }, everyMs);
  return () => {
    clearInterval(timer);
    const values = [...peaks.values()];
    return {
      kubectlSeen: peaks.size,
      kubectlMaxAtOnce: maxAtOnce,
      kubectlPeakRssMiB: values.length ? Math.max(...values) : undefined,
      kubectlMedianPeakRssMiB: values.length ? median(values) : undefined,
    };
  };
}

/** The kube-apiserver and etcd this process started (its children, by name). */
function upstreamPids() {
  return childPids(process.pid).filter((pid) =>
    ['kube-apiserver', 'etcd'].includes(commOf(pid) ?? ''),
  );
}

const sum = (values) => values.reduce((a, b) => a + (b ?? 0), 0);

function cpuSnapshot(serverPid, workerPids) {
  return {
    at: performance.now(),
    server: readCpuMs(serverPid),
    children: readChildrenCpuMs(serverPid),
    workers: sum(workerPids.map(readCpuMs)),
    upstream: sum(upstreamPids().map(readCpuMs)),
    self: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    machine: readMachineBusyMs(),
  };
}

/** Resolves true once GET `path` answers at all (any status: not every server has a health URL). */
async function answers(port, path) {
  const response = await fetch(`http://${HOST}:${port}${path}`, {
    signal: AbortSignal.timeout(1000),
  });
  await response.arrayBuffer();
  return response.status > 0;
}

/** One session: both questions asked once, each answer checked against the fixtures. */
async function verify(server, url) {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: server.headers ? { headers: server.headers } : undefined,
  });
  const client = new Client({ name: 'bench-verify', version: '0.1.0' });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    const out = { tools: tools.length };
    for (const [op, { tool, args }] of Object.entries(server.ops)) {
      const result = await client.callTool({ name: tool, arguments: args });
      const text = JSON.stringify(result);
      const missing =
        op === 'pods'
          ? PODS.filter((pod) => !text.includes(pod))
          : [LOG.at(-1), LOG.at(-TAIL)].filter((line) => !text.includes(line.slice(0, 40)));
      const extra = op === 'logs' && text.includes(LOG.at(-TAIL - 1).slice(0, 40));
      out[op] = {
        isError: result.isError === true,
        correct: !result.isError && missing.length === 0 && !extra,
        problem: result.isError
          ? JSON.stringify(result.content).slice(0, 400)
          : missing.length > 0
            ? `missing ${missing.length} expected item(s), e.g. ${missing[0].slice(0, 60)}`
            : extra
              ? `more than the last ${TAIL} lines`
              : undefined,
        preview: (result.content?.[0]?.text ?? '').slice(0, 160),
      };
    }
    return out;
  } finally {
    await closeSession(client, transport);
  }
}

/** The heap probe's answer without the raw byte count. */
function heapFigures(heap) {
  if (!heap) return undefined;
  const { heapUsedBytes: _bytes, ...figures } = heap;
  return figures;
}

/** A server's environment for the report: the random token and the long PATH left out. */
function shownEnv(env) {
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [
      key,
      key === 'MCP_AUTH_TOKEN'
        ? '(random, per run)'
        : key === 'PATH'
          ? value.replace(/:.*$/, ':$PATH')
          : value,
    ]),
  );
}

async function loadTest(server, op, url, pid, opts) {
  const seen = {};
  let stopWatching;
  const result = await runLoad({
    transport: 'streamable-http',
    url,
    headers: server.headers,
    tool: server.ops[op].tool,
    args: server.ops[op].args,
    workers: opts.workers,
    concurrency: opts.concurrency,
    calls: server.calls,
    warmup: server.warmup,
    maxDurationMs: opts.maxDurationMs,
    onReady: async (pids) => {
      if (server.spawnsChildren) stopWatching = watchChildren(pid);
      seen.before = cpuSnapshot(pid, pids.workerPids);
    },
    onDone: async (pids) => {
      seen.after = cpuSnapshot(pid, pids.workerPids);
      seen.memory = readMemory(pid);
      // After the RSS reading: the probe's full GC must not change it.
      if (server.heapProbe) seen.heap = await probeHeap(pid);
    },
  });
  const children = stopWatching?.();
  const { before, after } = seen;
  const per = (key) => round((after[key] - before[key]) / result.calls, 3);
  const wallMs = after.at - before.at;
  const delta = (key) => after[key] - before[key];
  const knownMs =
    delta('server') + delta('children') + delta('workers') + delta('upstream') + delta('self');
  return {
    tool: server.ops[op].tool,
    args: server.ops[op].args,
    ...result,
    serverCpuMsPerCall: per('server'),
    ...(server.spawnsChildren ? { childrenCpuMsPerCall: per('children'), ...children } : {}),
    clientCpuMsPerCall: per('workers'),
    upstreamCpuMsPerCall: per('upstream'),
    /** This process: the fake kubelet (logs) and the kubectl watcher. */
    benchProcessCpuMsPerCall: per('self'),
    /** Busy CPU of every other process on the machine during the test. */
    otherCpuPercentOfOneCore: round(Math.max(0, ((delta('machine') - knownMs) / wallMs) * 100), 0),
    rssAfterMiB: seen.memory?.rssMiB,
    rssAfterAnonMiB: seen.memory?.anonMiB,
    heapAfterFullGc: heapFigures(seen.heap),
    hitTimeLimit: result.calls < server.calls,
  };
}

async function measure(server, opts) {
  const port = await freePort();
  const url = `http://${HOST}:${port}/mcp`;
  const t0 = performance.now();
  const child = server.start(port);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  try {
    await poll(() => answers(port, server.readyPath), {
      everyMs: 20,
      timeoutMs: 20_000,
      what: `${server.name} on ${HOST}:${port}`,
    });
    const readyMs = round(performance.now() - t0, 0);
    await sleep(opts.settleMs);
    const idle = readMemory(child.pid);
    const verified = await verify(server, url);
    const ops = {};
    for (const op of Object.keys(server.ops)) {
      ops[op] = await loadTest(server, op, url, child.pid, opts);
      console.error(
        `bench: ${server.name} ${op}: ${ops[op].calls} calls, ${ops[op].callsPerSecond} calls/s, p50 ${ops[op].p50Ms} ms, ` +
          `p99 ${ops[op].p99Ms} ms, ${ops[op].failures} failed, ${ops[op].answerBytes} B, RSS ${ops[op].rssAfterMiB} MiB` +
          (ops[op].firstError ? ` (first error: ${ops[op].firstError})` : ''),
      );
    }
    const after = readMemory(child.pid);
    // Sessions are closed once runLoad returns: what is still live then is not per session.
    const closed = server.heapProbe ? await probeHeap(child.pid) : undefined;
    return {
      label: server.label,
      note: server.note,
      pid: child.pid,
      flags: server.flags?.(port),
      nodeArgs: server.nodeArgs,
      env: server.env ? shownEnv(server.env(port)) : undefined,
      readyMs,
      rssIdleMiB: idle?.rssMiB,
      rssIdleAnonMiB: idle?.anonMiB,
      rssAfterMiB: after?.rssMiB,
      rssAfterAnonMiB: after?.anonMiB,
      rssPeakMiB: after?.peakMiB,
      heapSessionsClosedAfterFullGc: heapFigures(closed),
      rssAfterGcSessionsClosedMiB: closed ? readMemory(child.pid)?.rssMiB : undefined,
      verified,
      ops,
    };
  } catch (error) {
    const status = await Promise.race([exited, sleep(10).then(() => undefined)]);
    throw new Error(
      `${server.name}: ${error instanceof Error ? error.message : String(error)}` +
        (status
          ? ` (the server exited: ${JSON.stringify(status)}; see results/tmp/${server.name}.log)`
          : ''),
      { cause: error },
    );
  } finally {
    await stopProcess(child);
  }
}

async function startCluster() {
  const build = (command, args) => {
    const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', timeout: 300_000 });
    if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
  };
  build('bash', ['scripts/real-upstreams/kubernetes.sh']);
  build(process.execPath, [
    join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-b',
    'shared/testing',
    'mcp-servers/infrastructure',
  ]);
  const testing = await import(join(ROOT, 'shared', 'testing', 'dist', 'index.js'));
  const t0 = performance.now();
  const kube = await testing.startKubernetes();
  let kubelet;
  try {
    kubelet = await testing.startFakeKubelet({
      [`${NAMESPACE}/${LOG_POD}/radarr`]: LOG.join('\n'),
    });
    await testing.registerFakeNode(kube, kubelet);
    await kube.apply(`
apiVersion: v1
kind: Namespace
metadata: { name: ${NAMESPACE} }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: radarr, namespace: ${NAMESPACE} }
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
    for (const [i, app] of APPS.entries()) {
      await testing.createBoundPod(kube, {
        namespace: NAMESPACE,
        name: `${app}-0`,
        nodeName: 'homelab-node-1',
        containers: [app],
        labels: { app },
        restartCount: i % 5 === 0 ? 2 : 0,
      });
    }
  } catch (error) {
    await kubelet?.stop();
    await kube.stop();
    throw error;
  }
  return { kube, kubelet, startupMs: round(performance.now() - t0, 0) };
}

function machine() {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${release()}`,
    cpuCount: cpu.length,
    cpuModel: cpu[0]?.model,
    totalMemoryMiB: Math.round(totalmem() / 1024 / 1024),
    loadAverageAtStart: loadavg().map((v) => round(v, 2)),
  };
}

function evaluate(results) {
  const checks = [];
  for (const name of ['ours', 'ours-semi-space-1', 'ours-container']) {
    const r = results[name];
    if (!r) continue;
    checks.push({
      target: `${r.label}: idle RSS ≤ ${LIMIT_MIB} MiB (the seed's 128Mi container limit)`,
      value: `${r.rssIdleMiB} MiB`,
      met: r.rssIdleMiB <= LIMIT_MIB,
    });
    const loaded = Math.max(r.rssPeakMiB, ...Object.values(r.ops).map((o) => o.rssAfterMiB));
    checks.push({
      target: `${r.label}: RSS under the load (peak, VmHWM) ≤ ${LIMIT_MIB} MiB`,
      value: `${loaded} MiB`,
      met: loaded <= LIMIT_MIB,
    });
  }
  return checks;
}

const OP_LABEL = { pods: 'list pods', logs: `logs, last ${TAIL} lines` };
/** Other processes above this share of one core during a test make its calls/s suspect. */
const OTHER_CPU_WARNING_PERCENT = 15;

const ms = (value) => (value >= 100 ? round(value, 0) : round(value, 1));

function markdown(report) {
  const { machine: m, settings: s } = report;
  const lines = [
    '# Infrastructure server benchmark',
    '',
    `${m.date} · Node ${m.node} · ${m.cpuCount} × ${m.cpuModel} · real kube-apiserver ${report.cluster.version} + etcd ` +
      `with ${PODS.length} pods in \`${NAMESPACE}\` and ${LOG_LINES} log lines for ${LOG_POD} (fake kubelet) · every server ` +
      `uses the admin kubeconfig · Streamable HTTP on 127.0.0.1 · ${s.workers} client processes × ${s.concurrency} in ` +
      `flight, ${s.calls} calls per test (${s.slowCalls} for the throttled or kubectl-based peers), each test bounded ` +
      `to ${s.maxDurationMs / 1000} s · whole run ${report.totalSeconds} s.`,
    '',
    '| server | operation (tool) | calls | calls/s | p50 ms | p99 ms | errors | answer B (text chars) | server CPU ms/call | API server CPU ms/call |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const notes = [];
  for (const [name, r] of Object.entries(report.results)) {
    for (const [op, o] of Object.entries(r.ops)) {
      const cpu =
        o.childrenCpuMsPerCall !== undefined
          ? `${o.serverCpuMsPerCall} + ${o.childrenCpuMsPerCall} kubectl`
          : `${o.serverCpuMsPerCall}`;
      lines.push(
        `| ${r.label} | ${OP_LABEL[op]} (\`${o.tool}\`) | ${o.calls}${o.hitTimeLimit ? ' (time bound)' : ''} | ` +
          `${o.callsPerSecond} | ${ms(o.p50Ms)} | ${ms(o.p99Ms)} | ${o.failures} | ${o.answerBytes ?? 'n/a'} (${o.textChars ?? 'n/a'}) | ` +
          `${cpu} | ${o.upstreamCpuMsPerCall} |`,
      );
      if (o.failures > 0)
        notes.push(`${name} ${op}: ${o.failures} calls failed, first: ${o.firstError}`);
      if (!r.verified[op]?.correct)
        notes.push(`${name} ${op}: the checked answer was not right: ${r.verified[op]?.problem}`);
      if (o.otherCpuPercentOfOneCore > OTHER_CPU_WARNING_PERCENT)
        notes.push(
          `${name} ${op}: other processes on the machine used ${o.otherCpuPercentOfOneCore}% of a core during the test; its calls/s is low.`,
        );
    }
  }
  lines.push(
    '',
    '| server | ready ms | RSS idle MiB | RSS after list pods MiB | RSS after logs MiB | peak RSS MiB | live JS heap after the load MiB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of Object.values(report.results)) {
    lines.push(
      `| ${r.label} | ${r.readyMs} | ${r.rssIdleMiB} | ${r.ops.pods?.rssAfterMiB} | ${r.ops.logs?.rssAfterMiB} | ` +
        `${r.rssPeakMiB} | ${r.ops.logs?.heapAfterFullGc?.heapUsedMiB ?? 'n/a'} |`,
    );
  }
  const msk = report.results.msk;
  if (msk) {
    const k = Object.values(msk.ops);
    lines.push(
      '',
      `mcp-server-kubernetes runs one kubectl per call (${k.map((o) => `${o.kubectlSeen} seen during ${o.calls} ${o.tool} calls`).join(', ')}), ` +
        `at most ${Math.max(...k.map((o) => o.kubectlMaxAtOnce))} at a time (execFileSync blocks its event loop): each kubectl ` +
        `peaks at about ${Math.max(...k.map((o) => o.kubectlMedianPeakRssMiB ?? 0))} MiB RSS (median; max ` +
        `${Math.max(...k.map((o) => o.kubectlPeakRssMiB ?? 0))} MiB) on top of the Node process above, and costs ` +
        `${k.map((o) => `${o.childrenCpuMsPerCall} ms CPU per ${o.tool}`).join(' and ')} (the "+ kubectl" CPU).`,
    );
  }
  lines.push('', '## Targets', '');
  for (const check of report.targets)
    lines.push(`- ${check.met ? 'met' : '**missed**'}: ${check.target} (${check.value})`);
  for (const [name, reason] of Object.entries(report.failed))
    notes.push(`${name} could not be measured: ${reason}`);
  if (notes.length > 0) lines.push('', '## Warnings', '', ...notes.map((n) => `- ${n}`));
  lines.push(
    '',
    '## Reading the tables',
    '',
    `- The same two questions to each server: the pods of \`${NAMESPACE}\`, and the last ${TAIL} log lines of ` +
      `${LOG_POD} (each server's arguments are in ${s.out}.json). One answer per operation is checked against the ` +
      `fixtures before the load (every pod named; the last ${TAIL} log lines and no more). answer B is the whole ` +
      'tools/call result as JSON; ours carries structuredContent as well as the text.',
    '- calls/s = calls / time from the first client starting to the last finishing, after warm-up. Clients, servers, ' +
      'the API server and etcd share the same cores, so calls/s is a floor: compare CPU per call as well.',
    '- server CPU ms/call: user + system time of the server process (/proc); "+ kubectl" is the CPU of the kubectl ' +
      'processes it ran (cutime + cstime, counted when it reaps them). API server CPU: kube-apiserver + etcd, i.e. what ' +
      "each server's way of asking costs the cluster.",
    `- RSS idle: ${s.settleMs / 1000} s after the server first answers HTTP ("ready ms" after spawning), before any ` +
      'session. RSS after: right after the last call of that test, sessions still open. peak = VmHWM. About 50 MiB of ' +
      "a Node process's RSS is the node binary mapped from disk (RssAnon in the JSON is the rest). Live JS heap: " +
      'heapUsed after a full GC (bench/heap-probe.mjs, ours only), sessions still open.',
    "- Node sizes V8's heap from the machine's memory (24 GiB here, no cgroup limit): under load V8 lets the heap " +
      'grow far beyond the live data before collecting. In a container with a 128Mi limit Node sizes the heap from ' +
      'that limit instead; this bench cannot apply one.',
    '- kubernetes-mcp-server is its Go binary run directly; its npm bin is a Node shim that spawns that binary and ' +
      "would add a Node process. By default its Kubernetes client allows 5 API requests/s (client-go's default, burst 10); " +
      'KUBE_CLIENT_QPS/KUBE_CLIENT_BURST raise it (environment variables it added for its tests; no flag).',
    '- Method and caveats: bench/README.md.',
    '',
  );
  return lines.join('\n');
}

function kubectlVersion() {
  const result = spawnSync(KUBECTL, ['version', '--client', '-o', 'json'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  try {
    return JSON.parse(result.stdout).clientVersion?.gitVersion;
  } catch {
    return undefined;
  }
}

async function main() {
  const opts = options();
  for (const file of existsSync(TMP_DIR) ? readdirSync(TMP_DIR) : []) {
    if (SERVER_NAMES.some((name) => file === `${name}.log`)) rmSync(join(TMP_DIR, file));
  }
  const started = performance.now();
  const cluster = await startCluster();
  const dir = opts.servers.includes('msk') ? kubectlDir() : undefined;
  const ctx = {
    opts,
    token: randomBytes(24).toString('hex'),
    kubeconfig: cluster.kube.kubeconfigPath('admin'),
    kubectlDir: dir,
  };
  const report = {
    machine: machine(),
    settings: { ...opts, tail: TAIL, namespace: NAMESPACE, pods: PODS.length, logLines: LOG_LINES },
    cluster: { version: cluster.kube.version, startupMs: cluster.startupMs },
    versions: {
      'kubernetes-mcp-server': versionOf('kubernetes-mcp-server'),
      'mcp-server-kubernetes': versionOf('mcp-server-kubernetes'),
      kubectl: kubectlVersion(),
    },
    results: {},
    failed: {},
    targets: [],
  };
  try {
    for (const server of servers(ctx)) {
      try {
        report.results[server.name] = await measure(server, opts);
      } catch (error) {
        report.failed[server.name] = error instanceof Error ? error.message : String(error);
        console.error(`bench: ${report.failed[server.name]}`);
      }
    }
  } finally {
    await cluster.kubelet.stop();
    await cluster.kube.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  report.totalSeconds = round((performance.now() - started) / 1000, 1);
  report.machine.loadAverageAtEnd = loadavg().map((v) => round(v, 2));
  report.targets = evaluate(report.results);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${opts.out}.json`), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, `${opts.out}.md`), markdown(report));
  console.log(markdown(report));
}

await main();
