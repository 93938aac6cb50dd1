// Measuring helpers shared by the bench: a process's memory and CPU time (its own, and that of
// the children it has reaped) read from /proc (from the outside, so reading costs the server
// nothing), the machine's busy time (to see load from
// other processes), the live heap through the heap probe, percentiles, free loopback ports,
// bounded polling, and starting/stopping server processes with their logs kept for reading.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const TMP_DIR = join(BENCH_DIR, 'results', 'tmp');
export const HEAP_DIR = join(TMP_DIR, 'heap');
export const HEAP_PROBE = join(BENCH_DIR, 'heap-probe.mjs');
export const HOST = '127.0.0.1';

/** USER_HZ: /proc reports CPU times in these ticks; 100 on every Linux this runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

function statusKiB(status, field) {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
}

/**
 * Memory of a live process in MiB: rss (VmRSS) = anon (heap, stacks, malloc) + file (mapped
 * files, mostly the node binary's own code: shared and reclaimable); peak = VmHWM.
 * Undefined once the process is gone.
 */
export function readMemory(pid) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const mib = (field) => round(statusKiB(status, field) / 1024, 1);
  return {
    rssMiB: mib('VmRSS'),
    anonMiB: mib('RssAnon'),
    fileMiB: mib('RssFile'),
    peakMiB: mib('VmHWM'),
  };
}

/** CPU time (user + system) a live process has used so far, in ms; undefined once it is gone. */
export function readCpuMs(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU time (user + system) of a live process's children that have exited and been waited for
 * (cutime + cstime), in ms: what the programs it spawned per request cost (they are gone before
 * anyone could read them). Undefined once the process is gone.
 */
export function readChildrenCpuMs(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** CPU time every core of the machine has spent busy so far, in ms (from /proc/stat). */
export function readMachineBusyMs() {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .map(Number);
  const [user, nice, system, , , irq, softirq, steal] = ticks;
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS_PER_SECOND;
}

export function round(value, digits = 2) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function median(values) {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port the kernel just handed out on 127.0.0.1 (closed again before returning). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Retries `attempt` every `everyMs` until it returns a truthy value; throws after `timeoutMs`. */
export async function poll(attempt, { everyMs = 5, timeoutMs = 10_000, what = 'condition' } = {}) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const value = await attempt().catch(() => undefined);
    if (value) return value;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A log file under results/tmp (git-ignored) for a server's stderr/stdout. */
export function openLog(name) {
  mkdirSync(TMP_DIR, { recursive: true });
  return openSync(join(TMP_DIR, `${name}.log`), 'a');
}

/** Node arguments that load the heap probe into a server process. */
export function heapProbeArgs() {
  mkdirSync(HEAP_DIR, { recursive: true });
  return ['--expose-gc', '--import', HEAP_PROBE];
}

const probeCounts = new Map();

/**
 * Asks a server started with heapProbeArgs() for a full GC and its live heap; resolves to
 * { heapUsedBytes, heapUsedMiB, heapTotalMiB, externalMiB, arrayBuffersMiB } or undefined when the probe does not answer within 3 s.
 */
export async function probeHeap(pid) {
  const n = (probeCounts.get(pid) ?? 0) + 1;
  probeCounts.set(pid, n);
  const file = join(HEAP_DIR, `heap-${pid}-${n}.json`);
  try {
    process.kill(pid, 'SIGUSR2');
    await poll(async () => existsSync(file), {
      everyMs: 10,
      timeoutMs: 3000,
      what: 'the heap probe',
    });
    await sleep(20);
    const { heapUsed, heapTotal, external, arrayBuffers } = JSON.parse(readFileSync(file, 'utf8'));
    return {
      heapUsedBytes: heapUsed,
      heapUsedMiB: round(heapUsed / 1048576, 1),
      heapTotalMiB: round(heapTotal / 1048576, 1),
      externalMiB: round(external / 1048576, 1),
      arrayBuffersMiB: round(arrayBuffers / 1048576, 1),
    };
  } catch {
    return undefined;
  }
}

/**
 * Spawns any server program (`env` on top of this process's environment); its stdout and
 * stderr go to a log file under results/tmp.
 */
export function spawnServer(command, args, logName, env = {}) {
  const log = openLog(logName);
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  return child;
}

/** Spawns a Node HTTP server (MCP_TRANSPORT/MCP_HOST/MCP_PORT) on 127.0.0.1:port; output goes to a log file. */
export function spawnHttpServer(script, port, logName, nodeArgs = [], env = {}) {
  return spawnServer(process.execPath, [...nodeArgs, script], logName, {
    MCP_TRANSPORT: 'http',
    MCP_HOST: HOST,
    MCP_PORT: String(port),
    BENCH_HEAP_DIR: HEAP_DIR,
    ...env,
  });
}

/** Resolves true once GET /healthz answers 200. */
export async function healthy(port) {
  const response = await fetch(`http://${HOST}:${port}/healthz`, {
    signal: AbortSignal.timeout(1000),
  });
  await response.arrayBuffer();
  return response.ok;
}

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
export async function stopProcess(child, graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
