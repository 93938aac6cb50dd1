#!/usr/bin/env node
// The kit benchmark (issue: "the first benchmark, of the kit itself"). One run measures, for the
// kit, fastmcp 4.20 and a bare-SDK baseline serving the same echo tool: calls/s with p50/p99 over
// Streamable HTTP, SSE and stdio (load from separate processes), the server's RSS idle and after
// 10,000 calls, its live heap (to tell retained memory from garbage), CPU per call, and cold
// start; then writes results/<out>.json and results/<out>.md with the targets checked.
// Everything talks to 127.0.0.1 only and every wait is bounded.
//
//   node bench/run.mjs [--calls 10000] [--workers 2] [--concurrency 4] [--cold-runs 5]
//                      [--settle-ms 2000] [--servers kit,fastmcp,sdk] [--node-options="--v8-flag ..."]
//                      [--extra name=server.mjs ...] [--no-heap-probe] [--out kit] [--quick]
// --extra adds any server that reads MCP_TRANSPORT/MCP_HOST/MCP_PORT (e.g. a variant of the kit).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BENCH_DIR,
  HEAP_DIR,
  HOST,
  TMP_DIR,
  freePort,
  healthy,
  heapProbeArgs,
  median,
  poll,
  probeHeap,
  readCpuMs,
  readMachineBusyMs,
  readMemory,
  round,
  sleep,
  spawnHttpServer,
  stopProcess,
} from './measure.mjs';

const ROOT = join(BENCH_DIR, '..');
const RESULTS_DIR = join(BENCH_DIR, 'results');

const TARGETS = { rssIdleMiB: 85, streamableHttpCallsPerSecond: 1000 };
const WARMUP_PER_WORKER = 100;
/** Load from other processes on the machine above this share of one core makes calls/s suspect. */
const FOREIGN_CPU_WARNING_PERCENT = 15;

const SERVERS = [
  {
    name: 'kit',
    label: '@homelab/kit',
    script: join(BENCH_DIR, 'servers', 'kit-echo.mjs'),
    transports: ['streamable-http', 'sse', 'stdio'],
  },
  {
    name: 'fastmcp',
    label: 'fastmcp 4.20.16',
    script: join(BENCH_DIR, 'servers', 'fastmcp-echo.mjs'),
    transports: ['streamable-http', 'sse', 'stdio'],
  },
  {
    name: 'sdk',
    label: 'bare SDK 1.32.2 (reference)',
    script: join(BENCH_DIR, 'servers', 'sdk-echo.mjs'),
    transports: ['streamable-http', 'stdio'],
  },
];

const TRANSPORTS = ['streamable-http', 'sse', 'stdio'];
const TRANSPORT_PATH = { 'streamable-http': '/mcp', sse: '/sse' };

function options() {
  const { values } = parseArgs({
    allowNegative: true,
    options: {
      calls: { type: 'string', default: '10000' },
      workers: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '4' },
      'cold-runs': { type: 'string', default: '5' },
      'settle-ms': { type: 'string', default: '2000' },
      servers: { type: 'string', default: SERVERS.map((s) => s.name).join(',') },
      'node-options': { type: 'string', default: '' },
      'heap-probe': { type: 'boolean', default: true },
      extra: { type: 'string', multiple: true, default: [] },
      out: { type: 'string', default: 'kit' },
      quick: { type: 'boolean', default: false },
    },
  });
  const quick = values.quick;
  return {
    calls: quick ? 1000 : Number(values.calls),
    workers: Number(values.workers),
    concurrency: Number(values.concurrency),
    coldRuns: quick ? 2 : Number(values['cold-runs']),
    settleMs: quick ? 500 : Number(values['settle-ms']),
    servers: values.servers.split(','),
    extra: values.extra.map((entry) => {
      const [name, script] = entry.split('=');
      if (!name || !script)
        throw new Error(`--extra expects name=path/to/server.mjs, got "${entry}"`);
      return { name, label: `${name} (extra)`, script: resolve(script), transports: TRANSPORTS };
    }),
    nodeArgs: values['node-options'].split(/\s+/).filter((a) => a.length > 0),
    heapProbe: values['heap-probe'],
    out: values.out,
  };
}

/**
 * Brings shared/kit/dist up to date (tsc -b is incremental: about a second when nothing changed),
 * so `node bench/run.mjs` works on a fresh checkout and never measures a stale build.
 */
function ensurePrerequisites() {
  if (!existsSync(join(BENCH_DIR, 'node_modules', 'fastmcp'))) {
    throw new Error('bench dependencies are missing: run `pnpm install` at the repository root');
  }
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = spawnSync(process.execPath, [tsc, '-b', 'shared/kit'], {
    cwd: ROOT,
    stdio: 'inherit',
    timeout: 120_000,
  });
  if (build.status === 0) return;
  if (!existsSync(join(ROOT, 'shared', 'kit', 'dist', 'index.js')))
    throw new Error('building shared/kit failed');
  console.error('bench: building shared/kit failed; measuring the existing dist');
}

async function loadModules() {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const load = await import('./load.mjs');
  await Promise.all([
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    import('@modelcontextprotocol/sdk/client/sse.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
  ]);
  return { Client, ...load };
}

/** One cold start: spawn to the first tools/list answer (and, over HTTP, to the first /healthz). */
async function coldStart(modules, server, transport, opts) {
  const { Client, openTransport, closeSession } = modules;
  const client = new Client({ name: 'bench-cold-start', version: '0.1.0' });
  if (transport === 'stdio') {
    const clientTransport = await openTransport({
      transport,
      script: server.script,
      nodeArgs: opts.nodeArgs,
      logName: `${server.name}-cold-stdio`,
    });
    const t0 = performance.now();
    await client.connect(clientTransport);
    await client.listTools();
    const coldStartMs = performance.now() - t0;
    await closeSession(client, clientTransport);
    return { coldStartMs };
  }
  const port = await freePort();
  const t0 = performance.now();
  const child = spawnHttpServer(server.script, port, `${server.name}-cold-http`, opts.nodeArgs);
  try {
    await poll(() => healthy(port), { what: `${server.name} /healthz` });
    const healthzMs = performance.now() - t0;
    const clientTransport = await openTransport({
      transport,
      url: `http://${HOST}:${port}${TRANSPORT_PATH[transport]}`,
    });
    await client.connect(clientTransport);
    await client.listTools();
    const coldStartMs = performance.now() - t0;
    await closeSession(client, clientTransport);
    return { coldStartMs, healthzMs };
  } finally {
    await stopProcess(child);
  }
}

const sum = (values) => values.reduce((a, b) => a + (b ?? NaN), 0);

function meanOf(readings) {
  const present = readings.filter((r) => r !== undefined);
  if (present.length === 0) return undefined;
  return Object.fromEntries(
    Object.keys(present[0]).map((key) => [
      key,
      round(sum(present.map((r) => r[key])) / present.length, 1),
    ]),
  );
}

/** CPU of the server(s), the load workers, this process and the whole machine, in ms. */
function cpuSnapshot(serverPids, workerPids) {
  const self = process.cpuUsage();
  return {
    at: performance.now(),
    server: sum(serverPids.map(readCpuMs)),
    workers: sum(workerPids.map(readCpuMs)),
    self: (self.user + self.system) / 1000,
    machine: readMachineBusyMs(),
  };
}

/**
 * Idle RSS of a plain server process (no heap probe, which costs about 1 MiB): HTTP servers
 * `settleMs` after /healthz answers, before any session; stdio servers `settleMs` after
 * initialize and tools/list (a stdio server only exists with its one session).
 */
async function idleMemory(modules, server, transport, opts) {
  if (transport === 'stdio') {
    const { Client, openTransport, closeSession } = modules;
    const client = new Client({ name: 'bench-idle', version: '0.1.0' });
    const clientTransport = await openTransport({
      transport,
      script: server.script,
      nodeArgs: opts.nodeArgs,
      logName: `${server.name}-idle-stdio`,
    });
    await client.connect(clientTransport);
    await client.listTools();
    await sleep(opts.settleMs);
    const memory = readMemory(clientTransport.pid);
    await closeSession(client, clientTransport);
    return memory;
  }
  const port = await freePort();
  const child = spawnHttpServer(server.script, port, `${server.name}-idle-http`, opts.nodeArgs);
  try {
    await poll(() => healthy(port), { what: `${server.name} /healthz` });
    await sleep(opts.settleMs);
    return readMemory(child.pid);
  } finally {
    await stopProcess(child);
  }
}

/**
 * One load test, with memory, live heap and CPU read around it. With the heap probe, the live
 * heap is read (after a full GC) once warmed up and again after the last call, sessions open.
 */
async function loadTest(modules, server, transport, opts) {
  const nodeArgs = [...(opts.heapProbe ? heapProbeArgs() : []), ...opts.nodeArgs];
  const probe = async (pids) =>
    opts.heapProbe ? meanOf(await Promise.all(pids.map(probeHeap))) : undefined;
  const seen = {};
  const common = {
    transport,
    workers: opts.workers,
    concurrency: opts.concurrency,
    calls: opts.calls,
    warmup: WARMUP_PER_WORKER,
    maxDurationMs: 45_000,
  };
  const hooks = (serverPidsOf) => ({
    onConnected: async (pids) => {
      seen.sessionsOpen = meanOf(serverPidsOf(pids).map(readMemory));
    },
    onReady: async (pids) => {
      seen.heapReady = await probe(serverPidsOf(pids));
      seen.cpuBefore = cpuSnapshot(serverPidsOf(pids), pids.workerPids);
    },
    onDone: async (pids) => {
      seen.cpuAfter = cpuSnapshot(serverPidsOf(pids), pids.workerPids);
      seen.after = meanOf(serverPidsOf(pids).map(readMemory));
      seen.heapAfter = await probe(serverPidsOf(pids));
    },
  });

  if (transport === 'stdio') {
    const result = await modules.runLoad({
      ...common,
      script: server.script,
      nodeArgs,
      logName: `${server.name}-load-stdio`,
      ...hooks((pids) => pids.serverPids),
    });
    return summarize(result, seen);
  }
  const port = await freePort();
  const child = spawnHttpServer(server.script, port, `${server.name}-load-${transport}`, nodeArgs);
  try {
    await poll(() => healthy(port), { what: `${server.name} /healthz` });
    const result = await modules.runLoad({
      ...common,
      url: `http://${HOST}:${port}${TRANSPORT_PATH[transport]}`,
      ...hooks(() => [child.pid]),
    });
    return summarize(result, seen);
  } finally {
    await stopProcess(child);
  }
}

function summarize(result, seen) {
  const { cpuBefore: before, cpuAfter: after } = seen;
  const wallMs = after.at - before.at;
  const serverMs = after.server - before.server;
  const workersMs = after.workers - before.workers;
  const foreignMs =
    after.machine - before.machine - serverMs - workersMs - (after.self - before.self);
  const serverCpuMsPerCall = serverMs / result.calls;
  return {
    ...result,
    callsPerSecondPerServerProcess: round(result.callsPerSecond / result.serverProcesses, 0),
    serverCpuMsPerCall: round(serverCpuMsPerCall, 3),
    serverCpuPercentOfOneCore: round((serverMs / wallMs / result.serverProcesses) * 100, 0),
    serverBoundCallsPerSecondPerProcess: round(1000 / serverCpuMsPerCall, 0),
    clientCpuMsPerCall: round(workersMs / result.calls, 3),
    foreignCpuPercentOfOneCore: round(Math.max(0, (foreignMs / wallMs) * 100), 0),
    rssSessionsOpenMiB: seen.sessionsOpen?.rssMiB,
    rssAfterMiB: seen.after?.rssMiB,
    rssAfterAnonMiB: seen.after?.anonMiB,
    rssPeakMiB: seen.after?.peakMiB,
    liveHeapReadyMiB: seen.heapReady?.heapUsedMiB,
    liveHeapAfterMiB: seen.heapAfter?.heapUsedMiB,
    heapTotalAfterGcMiB: seen.heapAfter?.heapTotalMiB,
    retainedBytesPerCall:
      seen.heapReady && seen.heapAfter
        ? Math.max(
            0,
            Math.round(
              (seen.heapAfter.heapUsedBytes - seen.heapReady.heapUsedBytes) / result.calls,
            ),
          )
        : undefined,
  };
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
  const kitHttp = results.kit?.['streamable-http'];
  const fastHttp = results.fastmcp?.['streamable-http'];
  const checks = [];
  if (kitHttp) {
    checks.push({
      target: `kit idle RSS <= ${TARGETS.rssIdleMiB} MiB (Streamable HTTP server)`,
      value: `${kitHttp.rssIdleMiB} MiB`,
      met: kitHttp.rssIdleMiB <= TARGETS.rssIdleMiB,
    });
    checks.push({
      target: `kit Streamable HTTP >= ${TARGETS.streamableHttpCallsPerSecond} calls/s`,
      value: `${kitHttp.callsPerSecond} calls/s`,
      met: kitHttp.callsPerSecond >= TARGETS.streamableHttpCallsPerSecond,
    });
  }
  if (kitHttp && fastHttp) {
    checks.push({
      target: 'kit idle RSS below fastmcp',
      value: `${kitHttp.rssIdleMiB} vs ${fastHttp.rssIdleMiB} MiB`,
      met: kitHttp.rssIdleMiB < fastHttp.rssIdleMiB,
    });
    checks.push({
      target: 'kit Streamable HTTP calls/s above fastmcp',
      value: `${kitHttp.callsPerSecond} vs ${fastHttp.callsPerSecond} calls/s`,
      met: kitHttp.callsPerSecond > fastHttp.callsPerSecond,
    });
  }
  return checks;
}

function markdown(report) {
  const { machine: m, settings: s } = report;
  const lines = [
    '# Kit benchmark',
    '',
    `${m.date} · Node ${m.node} · ${m.cpuCount} × ${m.cpuModel} · ${s.calls} calls per test from ${s.workers} client ` +
      `processes × ${s.concurrency} in flight (stdio: one server process per client process) · cold start = median of ` +
      `${s.coldRuns}${s.nodeArgs.length > 0 ? ` · servers run with \`${s.nodeArgs.join(' ')}\`` : ''}.`,
    '',
    '| server | transport | calls/s | p50 ms | p99 ms | server CPU ms/call | RSS idle MiB | RSS after MiB | retained B/call | cold start ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const warnings = [];
  for (const server of [...SERVERS, ...s.extra]) {
    for (const transport of server.transports) {
      const r = report.results[server.name]?.[transport];
      if (!r) continue;
      const rate =
        r.serverProcesses > 1
          ? `${r.callsPerSecond} (${r.callsPerSecondPerServerProcess}/process)`
          : `${r.callsPerSecond}`;
      lines.push(
        `| ${server.label} | ${transport} | ${rate} | ${r.p50Ms} | ${r.p99Ms} | ${r.serverCpuMsPerCall} | ${r.rssIdleMiB} | ` +
          `${r.rssAfterMiB} | ${r.retainedBytesPerCall ?? 'n/a'} | ${r.coldStartMs} |`,
      );
      if (r.failures > 0) warnings.push(`${server.name} ${transport}: ${r.failures} calls failed.`);
      if (r.foreignCpuPercentOfOneCore > FOREIGN_CPU_WARNING_PERCENT) {
        warnings.push(
          `${server.name} ${transport}: other processes used ${r.foreignCpuPercentOfOneCore}% of a core during the test; its calls/s is low.`,
        );
      }
    }
  }
  lines.push('', '## Targets', '');
  for (const check of report.targets)
    lines.push(`- ${check.met ? 'met' : '**missed**'}: ${check.target} (${check.value})`);
  if (warnings.length > 0) lines.push('', '## Warnings', '', ...warnings.map((w) => `- ${w}`));
  lines.push(
    '',
    '## Reading the table',
    '',
    '- RSS idle: HTTP servers 2 s after /healthz answers, before any session; stdio servers 2 s after initialize and ' +
      'tools/list. RSS after: right after the last call, sessions still open. About 50 MiB of every RSS here is the ' +
      'node binary mapped from disk (RssFile in kit.json), shared between processes.',
    '- retained B/call: growth of the live heap (after a full GC) from the warmed-up state to the last call, sessions ' +
      'still open, divided by the calls. Much above zero means a long session keeps memory until it closes. Load-test ' +
      'servers run with --expose-gc and bench/heap-probe.mjs for this (about +1 MiB RSS; `--no-heap-probe` turns it off); ' +
      'the idle RSS comes from a separate plain process.',
    '- server CPU ms/call comes from /proc; 1000 / it is what one server process could serve with a core to itself. ' +
      'Client and server share the same cores, so calls/s is a floor.',
    `- Method and caveats: bench/README.md. Every number: ${report.settings.out}.json.`,
    '',
  );
  return lines.join('\n');
}

async function main() {
  const opts = options();
  ensurePrerequisites();
  rmSync(HEAP_DIR, { recursive: true, force: true });
  for (const file of existsSync(TMP_DIR) ? readdirSync(TMP_DIR) : []) {
    if (file.endsWith('.log')) rmSync(join(TMP_DIR, file));
  }
  const modules = await loadModules();
  const servers = [...SERVERS.filter((s) => opts.servers.includes(s.name)), ...opts.extra];
  const report = {
    machine: machine(),
    settings: { ...opts, warmupPerWorker: WARMUP_PER_WORKER },
    results: {},
    targets: [],
  };
  const started = performance.now();
  for (const transport of TRANSPORTS) {
    for (const server of servers) {
      if (!server.transports.includes(transport)) continue;
      const cold = [];
      for (let i = 0; i < opts.coldRuns; i++)
        cold.push(await coldStart(modules, server, transport, opts));
      const idle = await idleMemory(modules, server, transport, opts);
      const load = await loadTest(modules, server, transport, opts);
      const entry = {
        ...load,
        rssIdleMiB: idle?.rssMiB,
        rssIdleAnonMiB: idle?.anonMiB,
        rssIdleFileMiB: idle?.fileMiB,
        coldStartMs: round(median(cold.map((c) => c.coldStartMs)), 1),
        ...(transport === 'stdio'
          ? {}
          : { healthzMs: round(median(cold.map((c) => c.healthzMs)), 1) }),
        coldStartRunsMs: cold.map((c) => round(c.coldStartMs, 1)),
      };
      report.results[server.name] ??= {};
      report.results[server.name][transport] = entry;
      console.error(
        `bench: ${server.name} ${transport}: ${entry.callsPerSecond} calls/s, p50 ${entry.p50Ms} ms, p99 ${entry.p99Ms} ms, ` +
          `RSS ${entry.rssIdleMiB} -> ${entry.rssAfterMiB} MiB, retained ${entry.retainedBytesPerCall ?? 'n/a'} B/call, ` +
          `cold start ${entry.coldStartMs} ms` +
          (entry.failures > 0 ? `, ${entry.failures} FAILED calls` : ''),
      );
    }
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
