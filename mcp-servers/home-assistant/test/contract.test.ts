// The Home Assistant server's contract suite, committed tool-surface snapshot and README table.
import type { KitSettings } from '@homelab/kit';
import {
  contractSuite,
  expectReadmeToolTable,
  expectToolSnapshot,
  testDeps,
} from '@homelab/testing';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import type { HomeAssistantConfig } from '../src/config.js';
import { buildServer, createClients } from '../src/server.js';

const config: HomeAssistantConfig = {
  HA_URL: 'http://127.0.0.1:9',
  HA_TOKEN: 'unused-token',
  HA_TIMEOUT_MS: 1000,
  HA_EXPOSE_DOMAINS: [],
  HA_HIDE_DOMAINS: [],
  HA_EXPOSE_AREAS: [],
  HA_EXPOSE_ENTITIES: [],
  HA_HIDE_ENTITIES: [],
};

function build(kit: Partial<KitSettings> = {}) {
  const deps = testDeps(undefined, config, { kit });
  return buildServer({ ...deps, clients: createClients(config, deps) });
}

contractSuite('home-assistant', { build });

it('matches the committed tool surface', async () => {
  await expectToolSnapshot(
    build({ enableTools: ['call_home_assistant_service'] }),
    fileURLToPath(new URL('./__snapshots__/tools.json', import.meta.url)),
  );
});

it('documents the current tools in its README', () => {
  expectReadmeToolTable(
    build({ enableTools: ['call_home_assistant_service'] }),
    fileURLToPath(new URL('../README.md', import.meta.url)),
  );
});

it('keeps the generic service call off unless enabled, and every security tool high risk', () => {
  const names = build()
    .listTools()
    .map((t) => t.name);
  expect(names).not.toContain('call_home_assistant_service');
  const security = build()
    .listTools()
    .filter((t) => t._meta?.['homelab/toolset'] === 'security');
  expect(security.map((t) => t.name)).toEqual([
    'open_cover',
    'close_cover',
    'lock_lock',
    'unlock_lock',
    'arm_alarm',
    'disarm_alarm',
  ]);
  expect(
    security.every(
      (t) => t._meta?.['homelab/risk'] === 'high' && t.annotations?.destructiveHint === true,
    ),
  ).toBe(true);
});

it("keeps every input schema simple enough for Home Assistant's own MCP client (flat objects, no $ref)", () => {
  for (const tool of build().listTools()) {
    const text = JSON.stringify(tool.inputSchema);
    expect(text, tool.name).not.toContain('$ref');
    expect(text, tool.name).not.toContain('"oneOf"');
  }
});
