// Keeps each server's README tool table generated from its real tools/list, so the documentation
// cannot drift from the code. The table sits between two markers; UPDATE_SNAPSHOTS=1 rewrites it.
import { readFileSync, writeFileSync } from 'node:fs';
import type { HomelabServer } from '@homelab/kit';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';

const BEGIN = '<!-- tools:begin (generated from tools/list; UPDATE_SNAPSHOTS=1 rewrites it) -->';
const END = '<!-- tools:end -->';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

export function renderToolTable(tools: readonly Tool[]): string {
  const rows = tools.map((tool) => {
    const risk = String(tool._meta?.['homelab/risk'] ?? '');
    const toolset = String(tool._meta?.['homelab/toolset'] ?? '');
    const flags = [
      tool.annotations?.readOnlyHint ? 'read-only' : 'writes, dryRun',
      tool.annotations?.destructiveHint ? 'destructive' : '',
    ].filter(Boolean);
    return `| \`${tool.name}\` | ${toolset} | ${risk} | ${flags.join(', ')} | ${cell(tool.description ?? '')} |`;
  });
  return ['| Tool | Toolset | Risk | Kind | What it does |', '|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}

export function expectReadmeToolTable<Clients, Config>(
  server: HomelabServer<Clients, Config>,
  readmePath: string,
): void {
  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start)
    throw new Error(`${readmePath} needs the markers ${BEGIN} and ${END}`);
  const table = renderToolTable(server.listTools());
  const current = readme.slice(start + BEGIN.length, end).trim();
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  if (current !== table && process.env.UPDATE_SNAPSHOTS === '1' && !ci) {
    writeFileSync(
      readmePath,
      `${readme.slice(0, start + BEGIN.length)}\n${table}\n${readme.slice(end)}`,
    );
    return;
  }
  expect(
    current,
    `the tool table in ${readmePath} is out of date; rerun the tests with UPDATE_SNAPSHOTS=1`,
  ).toBe(table);
}
