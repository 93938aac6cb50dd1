// Tool names are unique across the whole suite (a client that connects every server, like the
// orchestrator, must never see two tools with one name) and follow the naming rule. Read from
// the committed tool-surface snapshots, so every server is covered without starting any.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function snapshotFiles(): string[] {
  return ['shared', 'mcp-servers']
    .filter((dir) => existsSync(join(root, dir)))
    .flatMap((dir) =>
      readdirSync(join(root, dir)).map((pkg) =>
        join(root, dir, pkg, 'test', '__snapshots__', 'tools.json'),
      ),
    )
    .filter((file) => existsSync(file));
}

describe('tool names across the suite', () => {
  const files = snapshotFiles();
  const tools = files.flatMap((file) =>
    (JSON.parse(readFileSync(file, 'utf8')) as { tools: Array<{ name: string }> }).tools.map(
      (t) => ({ name: t.name, file }),
    ),
  );

  it('finds the committed snapshots', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('are snake_case and unique across every server', () => {
    expect(tools.filter((t) => !/^[a-z][a-z0-9_]*$/.test(t.name))).toEqual([]);
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const tool of tools) {
      const other = seen.get(tool.name);
      if (other) clashes.push(`${tool.name} in ${other} and ${tool.file}`);
      seen.set(tool.name, tool.file);
    }
    expect(clashes).toEqual([]);
  });
});
