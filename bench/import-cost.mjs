#!/usr/bin/env node
// What each import costs a server process before it does anything: RSS (split into anonymous
// memory and mapped files), live heap and import time, each set of modules in a fresh process
// after a full GC, median of a few runs. It answers "where do the idle MiB come from" and checks
// that a change to the kit's imports (e.g. loading a transport lazily) saves what it should.
//
//   node bench/import-cost.mjs [--runs 3]      (writes results/import-cost.json)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BENCH_DIR, median, round } from './measure.mjs';

const SELF = fileURLToPath(import.meta.url);

/** Each step is one fresh process importing exactly these modules. */
const STEPS = [
  { label: 'bare node (ESM entry)', modules: [] },
  { label: 'node:http', modules: ['node:http'] },
  { label: 'zod', modules: ['zod'] },
  { label: 'SDK types (zod included)', modules: ['@modelcontextprotocol/sdk/types.js'] },
  { label: 'SDK Server', modules: ['@modelcontextprotocol/sdk/server/index.js'] },
  { label: 'SDK McpServer', modules: ['@modelcontextprotocol/sdk/server/mcp.js'] },
  {
    label: 'SDK Server + node:http',
    modules: ['@modelcontextprotocol/sdk/server/index.js', 'node:http'],
  },
  {
    label: 'SDK Server + Streamable HTTP transport',
    modules: [
      '@modelcontextprotocol/sdk/server/index.js',
      '@modelcontextprotocol/sdk/server/streamableHttp.js',
    ],
  },
  {
    label: 'SDK Server + SSE transport',
    modules: [
      '@modelcontextprotocol/sdk/server/index.js',
      '@modelcontextprotocol/sdk/server/sse.js',
    ],
  },
  {
    label: 'SDK Server + stdio transport',
    modules: [
      '@modelcontextprotocol/sdk/server/index.js',
      '@modelcontextprotocol/sdk/server/stdio.js',
    ],
  },
  { label: '@homelab/kit', modules: ['@homelab/kit'] },
  {
    label: '@homelab/kit + Streamable HTTP transport (after the first session)',
    modules: ['@homelab/kit', '@modelcontextprotocol/sdk/server/streamableHttp.js'],
  },
  {
    label: '@homelab/kit + stdio transport',
    modules: ['@homelab/kit', '@modelcontextprotocol/sdk/server/stdio.js'],
  },
  { label: 'fastmcp', modules: ['fastmcp'] },
];

function status() {
  const text = readFileSync('/proc/self/status', 'utf8');
  const mib = (field) =>
    round(Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) / 1024, 1);
  return { rssMiB: mib('VmRSS'), anonMiB: mib('RssAnon'), fileMiB: mib('RssFile') };
}

async function child(modules) {
  const t0 = performance.now();
  for (const specifier of modules) await import(specifier);
  const importMs = performance.now() - t0;
  globalThis.gc();
  await new Promise((resolve) => setTimeout(resolve, 300));
  globalThis.gc();
  const heapUsedMiB = round(process.memoryUsage().heapUsed / 1048576, 1);
  process.stdout.write(JSON.stringify({ ...status(), heapUsedMiB, importMs: round(importMs, 1) }));
}

function measureStep(step, runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', SELF, '--child', JSON.stringify(step.modules)],
      {
        cwd: BENCH_DIR,
        timeout: 30_000,
        encoding: 'utf8',
      },
    );
    samples.push(JSON.parse(out));
  }
  const pick = (key) => round(median(samples.map((s) => s[key])), 1);
  return {
    label: step.label,
    modules: step.modules,
    rssMiB: pick('rssMiB'),
    anonMiB: pick('anonMiB'),
    fileMiB: pick('fileMiB'),
    heapUsedMiB: pick('heapUsedMiB'),
    importMs: pick('importMs'),
  };
}

async function main() {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
  const rows = STEPS.map((step) => measureStep(step, Number(values.runs)));
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    runs: Number(values.runs),
    rows,
  };
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  writeFileSync(
    join(BENCH_DIR, 'results', 'import-cost.json'),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  console.log('| modules | RSS MiB | anon MiB | file MiB | live heap MiB | import ms |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${r.rssMiB} | ${r.anonMiB} | ${r.fileMiB} | ${r.heapUsedMiB} | ${r.importMs} |`,
    );
  }
}

if (process.argv[2] === '--child') await child(JSON.parse(process.argv[3]));
else await main();
