// The committed tool-surface snapshot: the exact tools/list answer of a server, so any change
// to a name, description, schema or annotation shows up in review. Under CI=true a missing
// snapshot fails instead of being written; UPDATE_SNAPSHOTS=1 rewrites a changed one.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HomelabServer } from '@homelab/kit';
import { expect } from 'vitest';
import { connectInMemory } from './clients.js';

export async function expectToolSnapshot<Clients, Config>(
  server: HomelabServer<Clients, Config>,
  file: string,
): Promise<void> {
  const connected = await connectInMemory(server);
  const { tools } = await connected.client.listTools();
  await connected.close();
  const text = `${JSON.stringify({ tools }, null, 2)}\n`;
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  if (!existsSync(file)) {
    if (ci)
      throw new Error(
        `Tool snapshot ${file} is missing. Run the tests locally (without CI=true) and commit it.`,
      );
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  if (process.env.UPDATE_SNAPSHOTS === '1' && !ci) {
    writeFileSync(file, text);
    return;
  }
  expect(
    JSON.parse(text),
    `tool surface differs from ${file}; if intended, rerun with UPDATE_SNAPSHOTS=1`,
  ).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}
