#!/usr/bin/env node
// Benchmark of the Home Assistant MCP server against a real Home Assistant: latency of the
// everyday reads (list lights, search, one entity's state), ours vs hass-mcp (PyPI) on the same
// Home Assistant in the same run, both over stdio with the same SDK client; plus our RSS idle
// and after the run. Writes results/home-assistant.json and .md.
//   node bench/home-assistant.mjs [--calls 200]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BENCH_DIR, median, percentile, readMemory, round, sleep } from './measure.mjs';

const root = join(BENCH_DIR, '..');
const callsArg = process.argv.indexOf('--calls');
const CALLS = callsArg > 0 ? Number(process.argv[callsArg + 1]) : 200;
const WARMUP = 10;
const cache = process.env.HOMELAB_CACHE || join(homedir(), '.cache', 'homelab');
const hassMcpBin = join(cache, 'home-assistant', 'hass-mcp-venv', 'bin', 'hass-mcp');

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed`);
}

run('bash', ['scripts/real-upstreams/home-assistant.sh', '--with-hass-mcp']);
run('pnpm', ['exec', 'tsc', '-b']);
const { startHomeAssistant } = await import(join(root, 'shared/testing/dist/index.js'));

/** The same three questions, phrased for each server's tools. */
const SERVERS = [
  {
    name: '@homelab/mcp-home-assistant',
    command: process.execPath,
    args: [join(root, 'mcp-servers/home-assistant/dist/main.js')],
    env: (ha) => ({ HA_URL: ha.url, HA_TOKEN: ha.token, MCP_LOG_LEVEL: 'warn' }),
    ops: {
      list_lights: { tool: 'list_lights', args: {} },
      search: { tool: 'search_entities', args: { query: 'kitchen' } },
      get_state: { tool: 'get_entity', args: { entityId: 'light.kitchen_lights' } },
    },
  },
  {
    name: 'hass-mcp 0.6.1 (PyPI)',
    command: hassMcpBin,
    args: [],
    env: (ha) => ({ HA_URL: ha.url, HA_TOKEN: ha.token }),
    ops: {
      list_lights: { tool: 'list_entities', args: { domain: 'light' } },
      search: { tool: 'search_entities_tool', args: { query: 'kitchen' } },
      get_state: { tool: 'get_entity', args: { entity_id: 'light.kitchen_lights' } },
    },
  },
];

async function measureServer(server, ha) {
  const transport = new StdioClientTransport({
    command: server.command,
    args: server.args,
    env: { PATH: process.env.PATH ?? '', HOME: homedir(), ...server.env(ha) },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '0' });
  const started = performance.now();
  await client.connect(transport);
  const { tools } = await client.listTools();
  const startupMs = performance.now() - started;
  const names = tools.map((t) => t.name);
  const result = {
    server: server.name,
    tools: tools.length,
    startupMs: round(startupMs, 1),
    ops: {},
  };
  await sleep(2000);
  result.rssIdle = readMemory(transport.pid);
  for (const [op, { tool, args }] of Object.entries(server.ops)) {
    if (!names.includes(tool))
      throw new Error(`${server.name} has no tool ${tool} (has ${names.join(', ')})`);
    const latencies = [];
    let errors = 0;
    let bytes = 0;
    for (let i = 0; i < WARMUP + CALLS; i++) {
      const t0 = performance.now();
      const answer = await client.callTool({ name: tool, arguments: args });
      const ms = performance.now() - t0;
      if (answer.isError) errors++;
      if (i >= WARMUP) {
        latencies.push(ms);
        bytes = JSON.stringify(answer.content).length;
      }
    }
    latencies.sort((a, b) => a - b);
    result.ops[op] = {
      tool,
      calls: CALLS,
      errors,
      p50Ms: round(percentile(latencies, 50), 2),
      p99Ms: round(percentile(latencies, 99), 2),
      meanMs: round(latencies.reduce((a, b) => a + b, 0) / latencies.length, 2),
      medianMs: round(median(latencies), 2),
      answerChars: bytes,
    };
  }
  result.rssAfter = readMemory(transport.pid);
  await client.close();
  return result;
}

const ha = await startHomeAssistant();
const results = [];
try {
  for (const server of SERVERS) {
    if (!existsSync(server.command))
      throw new Error(
        `${server.command} missing; run scripts/real-upstreams/home-assistant.sh --with-hass-mcp`,
      );
    results.push(await measureServer(server, ha));
  }
} finally {
  await ha.stop();
}

const out = {
  date: new Date().toISOString(),
  node: process.version,
  homeAssistant: ha.version,
  callsPerOp: CALLS,
  transport: 'stdio (same SDK client for both)',
  results,
};
mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
writeFileSync(
  join(BENCH_DIR, 'results', 'home-assistant.json'),
  `${JSON.stringify(out, null, 2)}\n`,
);

const ours = results[0];
const rows = results.flatMap((r) =>
  Object.entries(r.ops).map(
    ([op, o]) =>
      `| ${r.server} | ${op} (\`${o.tool}\`) | ${o.p50Ms} | ${o.p99Ms} | ${o.meanMs} | ${o.errors} | ${o.answerChars} |`,
  ),
);
const md = [
  '# Home Assistant server benchmark',
  '',
  `${out.date} · Node ${out.node} · real Home Assistant ${out.homeAssistant} (demo integration) · ${CALLS} sequential calls per operation after ${WARMUP} warm-up calls · ${out.transport}.`,
  '',
  '| server | operation | p50 ms | p99 ms | mean ms | errors | answer chars |',
  '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows,
  '',
  '| server | tools | start to tools/list ms | RSS idle MiB | RSS after MiB |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...results.map(
    (r) =>
      `| ${r.server} | ${r.tools} | ${r.startupMs} | ${r.rssIdle?.rssMiB} | ${r.rssAfter?.rssMiB} |`,
  ),
  '',
  `Target: our RSS idle ≤ 100 MiB: ${ours.rssIdle && ours.rssIdle.rssMiB <= 100 ? 'met' : '**missed**'} (${ours.rssIdle?.rssMiB} MiB).`,
  '',
].join('\n');
writeFileSync(join(BENCH_DIR, 'results', 'home-assistant.md'), md);
console.log(md);
