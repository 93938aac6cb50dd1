// The infrastructure server's contract suite, committed tool-surface snapshot and README table.
import type { KitSettings } from '@homelab/kit';
import {
  contractSuite,
  expectReadmeToolTable,
  expectToolSnapshot,
  testDeps,
} from '@homelab/testing';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import type { InfrastructureConfig } from '../src/config.js';
import { buildServer, createClients } from '../src/server.js';

const config: InfrastructureConfig = {
  KUBE_API_URL: 'http://127.0.0.1:9',
  KUBE_TOKEN: 'unused-token',
  KUBE_INSECURE_SKIP_TLS_VERIFY: false,
  KUBE_TIMEOUT_MS: 1000,
  KUBE_LOG_MAX_BYTES: 1024 * 1024,
  ARGOCD_TIMEOUT_MS: 1000,
  MINIO_REGION: 'us-east-1',
  MINIO_MAX_OBJECTS: 200_000,
};

function build(kit: Partial<KitSettings> = {}) {
  const deps = testDeps(undefined, config, { kit });
  return buildServer({ ...deps, clients: createClients(config, deps) });
}

contractSuite('infrastructure', { build });

it('matches the committed tool surface', async () => {
  await expectToolSnapshot(
    build(),
    fileURLToPath(new URL('./__snapshots__/tools.json', import.meta.url)),
  );
});

it('documents the current tools in its README', () => {
  expectReadmeToolTable(build(), fileURLToPath(new URL('../README.md', import.meta.url)));
});

it('offers no tool that reads secrets', () => {
  const text = JSON.stringify(build().listTools()).toLowerCase();
  expect(
    build()
      .listTools()
      .map((t) => t.name)
      .filter((n) => n.includes('secret')),
  ).toEqual([]);
  expect(text).not.toContain('/secrets');
});
