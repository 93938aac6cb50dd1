// The load generator. It runs in processes of its own (forked from the bench, one per client),
// so the client's CPU is never the server's: each worker holds one SDK Client session and keeps
// `concurrency` tools/call requests in flight, recording every latency. The parent starts all
// workers together, aggregates calls/s, p50 and p99, and lets the caller read the server's
// memory and CPU at the moments that matter (sessions open; warmed up; all calls done).
// stdio is 1:1, so there each worker spawns and drives its own server process.
// The tool called is the kit bench's `echo` (each answer checked against what was sent) unless
// `tool` and `args` name another: then every call sends the same arguments, an answer counts as
// good unless it is an error or empty, and the size of one answer is reported.
//
// As a module: `runLoad(options)`. As a command, for a quick look at one running server:
//   node bench/load.mjs http://127.0.0.1:PORT/mcp [calls] [workers] [concurrency]
//                       [--tool NAME --args '{"json":1}'] [--header 'Name: value' ...]
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { z } from 'zod';
import { HEAP_DIR, openLog, percentile, round } from './measure.mjs';

const SELF = fileURLToPath(import.meta.url);

/** Only what is checked per call; lighter than the SDK's full result schema (client CPU). */
const ToolResult = z.looseObject({
  isError: z.boolean().optional(),
  content: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })).optional(),
  structuredContent: z.looseObject({ message: z.string().optional() }).optional(),
});

/**
 * Opens the client transport a session runs over (stdio spawns the server with `nodeArgs`);
 * `headers` go on every HTTP request (e.g. authentication).
 */
export async function openTransport({ transport, url, headers, script, nodeArgs = [], logName }) {
  const requestInit = headers ? { headers } : undefined;
  if (transport === 'streamable-http') {
    const { StreamableHTTPClientTransport } =
      await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    return new StreamableHTTPClientTransport(new URL(url), { requestInit });
  }
  if (transport === 'sse') {
    const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
    return new SSEClientTransport(new URL(url), { requestInit });
  }
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  return new StdioClientTransport({
    command: process.execPath,
    args: [...nodeArgs, script],
    env: { ...process.env, MCP_TRANSPORT: 'stdio', BENCH_HEAP_DIR: HEAP_DIR },
    stderr: logName ? openLog(logName) : 'ignore',
  });
}

/** Ends a session the way a well-behaved client does (HTTP sessions need an explicit DELETE). */
export async function closeSession(client, transport) {
  if (typeof transport.terminateSession === 'function')
    await transport.terminateSession().catch(() => undefined);
  await client.close().catch(() => undefined);
}

/** Text of an answer, for the error a failed call reports (cut short). */
function describe(result) {
  const text = result.content?.map((c) => c.text ?? `[${c.type}]`).join(' ') ?? '';
  return `${result.isError ? 'isError' : 'unexpected answer'}: ${text}`.slice(0, 300);
}

/**
 * One tools/call. Echo (no `spec.tool`): ok when the answer repeats `message`. Any other tool:
 * ok unless the answer is an error or has neither content nor structuredContent. With `keep`,
 * returns the answer too (to measure it).
 */
async function callTool(client, spec, message, keep = false) {
  const echo = spec.tool === undefined;
  const result = await client.request(
    {
      method: 'tools/call',
      params: echo
        ? { name: 'echo', arguments: { message } }
        : { name: spec.tool, arguments: spec.args },
    },
    ToolResult,
  );
  const ok = echo
    ? !result.isError && result.structuredContent?.message === message
    : !result.isError &&
      ((result.content?.length ?? 0) > 0 || result.structuredContent !== undefined);
  return { ok, error: ok ? undefined : describe(result), result: keep ? result : undefined };
}

/** Size of one answer: the whole tools/call result as JSON (bytes) and its text content (chars). */
function answerSize(result) {
  return {
    answerBytes: Buffer.byteLength(JSON.stringify(result)),
    textChars: (result.content ?? []).reduce((n, c) => n + (c.text?.length ?? 0), 0),
    structured: result.structuredContent !== undefined,
  };
}

async function worker(spec) {
  const send = (message) => new Promise((resolve) => process.send(message, resolve));
  const waitFor = (type) =>
    new Promise((resolve) => {
      const onMessage = (message) => {
        if (message?.type !== type) return;
        process.off('message', onMessage);
        resolve(message);
      };
      process.on('message', onMessage);
    });

  const transport = await openTransport(spec);
  const client = new Client({ name: 'bench-load', version: '0.1.0' });
  await client.connect(transport);
  const { tools } = await client.listTools();
  const toolName = spec.tool ?? 'echo';
  if (!tools.some((t) => t.name === toolName))
    throw new Error(`the server has no ${toolName} tool`);
  await send({ type: 'connected', serverPid: transport.pid ?? undefined });
  await waitFor('warm');
  let answer;
  for (let i = 0; i < spec.warmup; i++) {
    const { result } = await callTool(client, spec, `warm-${i}`, i === spec.warmup - 1);
    if (result) answer = answerSize(result);
  }
  await send({ type: 'ready' });
  await waitFor('go');

  const latencies = new Float64Array(spec.calls);
  let next = 0;
  let done = 0;
  let failures = 0;
  let firstError;
  const stopAt = performance.now() + spec.maxDurationMs;
  const started = performance.timeOrigin + performance.now();
  const lane = async () => {
    while (next < spec.calls && performance.now() < stopAt) {
      const message = `${spec.id}-${next++}`;
      const t0 = performance.now();
      const { ok, error } = await callTool(client, spec, message).catch((e) => ({
        ok: false,
        error: e instanceof Error ? e.message : String(e),
      }));
      latencies[done++] = performance.now() - t0;
      if (!ok) {
        failures++;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, lane));
  const ended = performance.timeOrigin + performance.now();
  await send({
    type: 'done',
    latencies: Array.from(latencies.subarray(0, done)),
    started,
    ended,
    failures,
    firstError,
    answer,
  });
  await waitFor('close');
  await closeSession(client, transport);
  process.exit(0);
}

/**
 * Runs one load test. `workers` processes share `calls` between them. Each hook gets
 * { serverPids (stdio only; empty over HTTP), workerPids }: `onConnected` once every session is
 * open and has listed the tools (no call made yet), `onReady` once every session is warmed up,
 * `onDone` once every call has returned (sessions still open). Nothing runs longer than
 * `maxDurationMs` plus twice `setupTimeoutMs`. `tool` + `args` call that tool instead of echo;
 * `headers` go on every HTTP request.
 */
export async function runLoad(options) {
  const {
    transport,
    url,
    headers,
    tool,
    args = {},
    script,
    nodeArgs = [],
    logName,
    workers = 2,
    calls = 10_000,
    concurrency = 4,
    warmup = 100,
    maxDurationMs = 30_000,
    setupTimeoutMs = 20_000,
    onConnected = async () => undefined,
    onReady = async () => undefined,
    onDone = async () => undefined,
  } = options;
  const children = [];
  const exits = [];
  let timer;
  const expire = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`load test over ${transport} did not finish in time`)),
      setupTimeoutMs * 2 + maxDurationMs,
    );
  });
  const bounded = (promise) => Promise.race([promise, expire]);
  const collect = (type) =>
    Promise.all(
      children.map(
        (child) =>
          new Promise((resolve, reject) => {
            const onMessage = (message) => {
              if (message?.type !== type) return;
              child.off('message', onMessage);
              resolve(message);
            };
            child.on('message', onMessage);
            child.once('exit', (code) =>
              reject(new Error(`load worker exited with ${code} before "${type}"`)),
            );
          }),
      ),
    );
  try {
    for (let id = 0; id < workers; id++) {
      const spec = {
        id,
        transport,
        url,
        headers,
        tool,
        args,
        script,
        nodeArgs,
        logName: logName && `${logName}-${id}`,
        calls: Math.floor(calls / workers) + (id < calls % workers ? 1 : 0),
        concurrency,
        warmup,
        maxDurationMs,
      };
      const child = fork(SELF, ['--worker', JSON.stringify(spec)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      exits.push(new Promise((resolve) => child.once('exit', resolve)));
      children.push(child);
    }
    const connected = await bounded(collect('connected'));
    const pids = {
      serverPids: connected.map((m) => m.serverPid).filter((pid) => pid !== undefined),
      workerPids: children.map((child) => child.pid),
    };
    await bounded(onConnected(pids));
    const ready = collect('ready');
    for (const child of children) child.send({ type: 'warm' });
    await bounded(ready);
    await bounded(onReady(pids));
    const finished = collect('done');
    for (const child of children) child.send({ type: 'go' });
    const results = await bounded(finished);
    await bounded(onDone(pids));
    for (const child of children) child.send({ type: 'close' });
    await bounded(Promise.all(exits));

    const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const durationMs =
      Math.max(...results.map((r) => r.ended)) - Math.min(...results.map((r) => r.started));
    return {
      calls: latencies.length,
      failures: results.reduce((sum, r) => sum + r.failures, 0),
      firstError: results.find((r) => r.firstError !== undefined)?.firstError,
      workers,
      concurrency,
      durationMs: round(durationMs, 1),
      callsPerSecond: round((latencies.length / durationMs) * 1000, 0),
      p50Ms: round(percentile(latencies, 50), 3),
      p99Ms: round(percentile(latencies, 99), 3),
      serverProcesses: transport === 'stdio' ? pids.serverPids.length : 1,
      ...results.find((r) => r.answer !== undefined)?.answer,
    };
  } finally {
    clearTimeout(timer);
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

if (process.argv[2] === '--worker') {
  worker(JSON.parse(process.argv[3])).catch((error) => {
    console.error(`load worker: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
} else if (process.argv[1] === SELF) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      tool: { type: 'string' },
      args: { type: 'string', default: '{}' },
      header: { type: 'string', multiple: true, default: [] },
    },
  });
  const [url, calls = '2000', workers = '2', concurrency = '4'] = positionals;
  if (!url) {
    console.error(
      'usage: node bench/load.mjs URL [calls] [workers] [concurrency] [--tool NAME --args JSON] ' +
        "[--header 'Name: value' ...]   (a URL ending in /sse uses SSE; without --tool: echo)",
    );
    process.exit(2);
  }
  const headers = Object.fromEntries(
    values.header.map((h) => {
      const at = h.indexOf(':');
      return [h.slice(0, at).trim(), h.slice(at + 1).trim()];
    }),
  );
  const result = await runLoad({
    transport: new URL(url).pathname.endsWith('/sse') ? 'sse' : 'streamable-http',
    url,
    headers: values.header.length > 0 ? headers : undefined,
    tool: values.tool,
    args: JSON.parse(values.args),
    calls: Number(calls),
    workers: Number(workers),
    concurrency: Number(concurrency),
  });
  console.log(JSON.stringify(result, null, 2));
}
