// The example server's contract suite and its committed tool-surface snapshot.
import type { KitSettings } from '@homelab/kit';
import {
  contractSuite,
  expectReadmeToolTable,
  expectToolSnapshot,
  testDeps,
} from '@homelab/testing';
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';
import type { ExampleConfig } from '../src/config.js';
import { buildServer, createClients } from '../src/server.js';

const config: ExampleConfig = {
  ALERTMANAGER_URL: 'http://127.0.0.1:9',
  ALERTMANAGER_TIMEOUT_MS: 1000,
};
const build = (kit: Partial<KitSettings> = {}) =>
  buildServer(testDeps(createClients(config, {}), config, { kit }));

contractSuite('example', { build });

it('matches the committed tool surface', async () => {
  await expectToolSnapshot(
    build(),
    fileURLToPath(new URL('./__snapshots__/tools.json', import.meta.url)),
  );
});

it('documents the current tools in its README', () => {
  expectReadmeToolTable(build(), fileURLToPath(new URL('../README.md', import.meta.url)));
});
