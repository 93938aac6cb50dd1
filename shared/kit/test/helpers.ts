// Shared fixtures for the kit's own tests: a small toolset exercising every wrapper path.
import { z } from 'zod';
import type { KitSettings } from '../src/config.js';
import { NotFoundError, UpstreamError } from '../src/errors.js';
import { HomelabServer } from '../src/homelab-server.js';
import { createLogger } from '../src/log.js';
import { ServerMetrics } from '../src/metrics.js';
import { Redactor } from '../src/redact.js';
import { defineToolset, toolFactory } from '../src/tool.js';

export const CANARY = 'canary-secret-9d2b7c';

export interface FakeClients {
  calls: number;
  secretEcho: string;
}

const tool = toolFactory<FakeClients, { label: string }>();
const readOnly = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const;

export const fixtureToolsets = [
  defineToolset<FakeClients, { label: string }>({
    name: 'basics',
    description: 'wrapper fixtures',
    tools: [
      tool.read({
        name: 'echo',
        title: 'Echo',
        description: 'Returns the message it was given.',
        input: z.object({ message: z.string().min(1).describe('Text to echo') }),
        output: z.object({ message: z.string(), calls: z.number() }),
        annotations: readOnly,
        risk: 'read',
        handler: (input, ctx) => ({ message: input.message, calls: ++ctx.clients.calls }),
      }),
      tool.read({
        name: 'explode',
        title: 'Explode',
        description: 'Throws a plain error carrying a secret.',
        input: z.object({}),
        output: z.object({}),
        annotations: readOnly,
        risk: 'read',
        handler: (_input, ctx) => {
          throw new Error(`database password is ${ctx.clients.secretEcho}`);
        },
      }),
      tool.read({
        name: 'upstream_down',
        title: 'Upstream down',
        description: 'Fails like an upstream that answered 500.',
        input: z.object({}),
        output: z.object({}),
        annotations: readOnly,
        risk: 'read',
        handler: () => {
          throw new UpstreamError(
            'Sonarr',
            `failed with 500 on GET /api/v3/series?apikey=${CANARY}`,
            {
              status: 500,
              hint: 'Sonarr has an internal problem; check its logs, then try again.',
            },
          );
        },
      }),
      tool.read({
        name: 'find_thing',
        title: 'Find thing',
        description: 'Fails with a not-found error and suggestions.',
        input: z.object({ id: z.string().describe('Thing id') }),
        output: z.object({}),
        annotations: readOnly,
        risk: 'read',
        handler: (input) => {
          throw new NotFoundError(`Entity ${input.id}`, ['light.kitchen', 'light.kitchen_2']);
        },
      }),
      tool.read({
        name: 'sleepy',
        title: 'Sleepy',
        description: 'Waits until aborted, recording that the signal fired.',
        input: z.object({}),
        output: z.object({}),
        annotations: readOnly,
        risk: 'read',
        handler: (_input, ctx) =>
          new Promise((_, reject) => {
            ctx.signal.addEventListener('abort', () => {
              ctx.clients.calls = -1;
              reject(new Error('aborted'));
            });
          }),
      }),
      tool.read({
        name: 'leaky',
        title: 'Leaky',
        description: 'Returns output containing a secret.',
        input: z.object({}),
        output: z.object({ log: z.string() }),
        annotations: readOnly,
        risk: 'read',
        handler: (_input, ctx) => ({ log: `connected with ${ctx.clients.secretEcho}` }),
      }),
      tool.read({
        name: 'wrong_shape',
        title: 'Wrong shape',
        description: 'Returns output that breaks its own schema.',
        input: z.object({}),
        output: z.object({ count: z.number() }),
        annotations: readOnly,
        risk: 'read',
        handler: () => ({ count: 'many' as unknown as number }),
      }),
    ],
  }),
  defineToolset<FakeClients, { label: string }>({
    name: 'changes',
    description: 'mutating fixtures',
    tools: [
      tool.write({
        name: 'set_value',
        title: 'Set value',
        description: 'Sets a value; previews with dryRun.',
        input: z.object({ value: z.number().describe('New value') }),
        output: z.object({ dryRun: z.boolean(), value: z.number() }),
        annotations: {
          readOnlyHint: false,
          destructiveHint: false,
          idempotentHint: true,
          openWorldHint: false,
        },
        risk: 'low',
        handler: (input) => ({ dryRun: input.dryRun, value: input.value }),
      }),
      tool.write({
        name: 'delete_everything',
        title: 'Delete everything',
        description: 'Destructive fixture.',
        input: z.object({}),
        output: z.object({ dryRun: z.boolean() }),
        annotations: {
          readOnlyHint: false,
          destructiveHint: true,
          idempotentHint: true,
          openWorldHint: false,
        },
        risk: 'high',
        enabledByDefault: true,
        handler: (input) => ({ dryRun: input.dryRun }),
      }),
      tool.write({
        name: 'raw_call',
        title: 'Raw call',
        description: 'Opt-in fixture.',
        input: z.object({}),
        output: z.object({ dryRun: z.boolean() }),
        annotations: {
          readOnlyHint: false,
          destructiveHint: true,
          idempotentHint: false,
          openWorldHint: false,
        },
        risk: 'high',
        enabledByDefault: false,
        handler: (input) => ({ dryRun: input.dryRun }),
      }),
    ],
  }),
];

export function kitSettings(overrides: Partial<KitSettings> = {}): KitSettings {
  return {
    transport: 'stdio',
    host: '127.0.0.1',
    port: 0,
    authToken: undefined,
    allowedHosts: [],
    allowedOrigins: [],
    readOnly: false,
    disableDestructive: false,
    toolsets: [],
    denyTools: [],
    enableTools: [],
    toolTimeoutMs: 2000,
    maxSessions: 100,
    sessionIdleMs: 60_000,
    logLevel: 'debug',
    ...overrides,
  };
}

export function fixtureServer(overrides: Partial<KitSettings> = {}) {
  const lines: string[] = [];
  const redactor = new Redactor();
  redactor.add(CANARY);
  const clients: FakeClients = { calls: 0, secretEcho: CANARY };
  const server = new HomelabServer(
    {
      name: 'fixture',
      title: 'Fixture',
      version: '1.0.0',
      upstreamName: 'Fixture upstream',
      toolsets: fixtureToolsets,
      readiness: [
        { name: 'Always up', check: async () => undefined },
        {
          name: 'Flaky',
          check: async () => {
            throw new Error(`refused token ${CANARY}`);
          },
        },
      ],
    },
    {
      clients,
      config: { label: 'x' },
      kit: kitSettings(overrides),
      log: createLogger({ level: 'debug', redactor, write: (l) => lines.push(l) }),
      redactor,
      metrics: new ServerMetrics(),
    },
  );
  return { server, lines, clients };
}
