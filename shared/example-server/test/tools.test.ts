// Every example tool against the simulated Alertmanager (contract-checked against the
// published v2 spec), including each fault the simulator can inject.
import {
  createAlertmanagerState,
  demoAlerts,
  startAlertmanagerSim,
  type AlertmanagerState,
  type Upstream,
} from '@homelab/simulator';
import { failOnViolations } from '@homelab/simulator/vitest';
import { connectInMemory, testDeps, type ConnectedClient } from '@homelab/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ExampleConfig } from '../src/config.js';
import { buildServer, createClients, type ExampleClients } from '../src/server.js';

const CANARY = 'canary-am-token-4f1d2e';
let sim: Upstream<AlertmanagerState>;
let connected: ConnectedClient;
let deps: ReturnType<typeof testDeps<ExampleClients, ExampleConfig>>;

beforeAll(async () => {
  sim = await startAlertmanagerSim({ token: CANARY });
  const config: ExampleConfig = {
    ALERTMANAGER_URL: sim.url,
    ALERTMANAGER_TOKEN: CANARY,
    ALERTMANAGER_TIMEOUT_MS: 400,
  };
  deps = testDeps(createClients(config, {}), config, {
    secrets: [CANARY],
    kit: { toolTimeoutMs: 1500 },
  });
  connected = await connectInMemory(buildServer(deps));
});

afterAll(async () => {
  await connected?.close();
  await sim?.close();
});

beforeEach(() => {
  const fresh = createAlertmanagerState({ alerts: demoAlerts });
  sim.state.alerts = fresh.alerts;
  sim.state.silences = fresh.silences;
});

failOnViolations(() => sim);

async function call(name: string, args: Record<string, unknown> = {}) {
  return connected.client.callTool({ name, arguments: args });
}

function text(result: Awaited<ReturnType<typeof call>>): string {
  return (result.content as Array<{ text: string }>).map((c) => c.text).join('');
}

describe('example tools on the simulated Alertmanager', () => {
  it('reads status and alerts, filtered and limited', async () => {
    expect((await call('get_alertmanager_status')).structuredContent).toMatchObject({
      cluster: 'disabled',
      peers: 0,
    });
    const all = await call('list_alertmanager_alerts');
    expect(all.structuredContent).toMatchObject({ total: 3 });
    expect(text(all)).toMatch(/^3 alert\(s\):\n- /);
    const critical = await call('list_alertmanager_alerts', {
      matchers: [{ name: 'severity', value: 'critical' }],
    });
    expect(critical.structuredContent).toMatchObject({
      total: 1,
      alerts: [{ name: 'DiskAlmostFull', severity: 'critical' }],
    });
    const limited = await call('list_alertmanager_alerts', { limit: 1 });
    expect((limited.structuredContent as { alerts: unknown[] }).alerts).toHaveLength(1);
  });

  it('creates nothing on a dry run, and mutes the alert for real', async () => {
    const args = {
      matchers: [{ name: 'alertname', value: 'DiskAlmostFull' }],
      durationMinutes: 60,
      comment: 'disk swap tonight',
    };
    const preview = await call('create_alertmanager_silence', { ...args, dryRun: true });
    expect(preview.structuredContent).toMatchObject({
      dryRun: true,
      applied: false,
      mutes: ['DiskAlmostFull'],
    });
    expect(sim.state.silences.size).toBe(0);
    const created = await call('create_alertmanager_silence', args);
    expect(created.structuredContent).toMatchObject({
      applied: true,
      silenceId: expect.any(String),
    });
    expect(sim.state.silences.size).toBe(1);
    const alerts = await call('list_alertmanager_alerts', { includeSilenced: false });
    expect(
      (alerts.structuredContent as { alerts: Array<{ name: string }> }).alerts.map((a) => a.name),
    ).not.toContain('DiskAlmostFull');
  });

  it('rejects bad arguments before anything reaches Alertmanager', async () => {
    const before = sim.requests.length;
    const result = await call('create_alertmanager_silence', {
      matchers: [],
      durationMinutes: 0,
      comment: 'x',
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(
      /^Invalid arguments for create_alertmanager_silence: matchers: Too small.*durationMinutes: Too small.*comment: Too small/,
    );
    expect(sim.requests.length).toBe(before);
  });
});

describe('example tools when Alertmanager misbehaves', () => {
  const cases = [
    {
      fault: { kind: 'status', status: 500 } as const,
      expected:
        /^Alertmanager: failed with 500 on GET \/api\/v2\/alerts.*check its logs, then try again\.$/,
    },
    {
      fault: { kind: 'status', status: 401 } as const,
      expected:
        /^Alertmanager: refused the credentials \(401 on GET \/api\/v2\/alerts\)\. Check ALERTMANAGER_TOKEN/,
    },
    {
      fault: { kind: 'status', status: 403 } as const,
      expected: /^Alertmanager: denied access \(403/,
    },
    {
      fault: { kind: 'status', status: 429, retryAfterSeconds: 7 } as const,
      expected: /rate limiting requests \(429 on GET \/api\/v2\/alerts\)\. Wait 7 s/,
    },
    { fault: { kind: 'status', status: 503 } as const, expected: /^Alertmanager: failed with 503/ },
    {
      fault: { kind: 'latency', ms: 900 } as const,
      expected: /^Alertmanager: did not answer within 0\.4 s \(GET \/api\/v2\/alerts\)/,
    },
    {
      fault: { kind: 'drop' } as const,
      expected:
        /^Alertmanager: cannot be reached \(ALERTMANAGER_URL=http:\/\/127\.0\.0\.1:\d+\): .*Check that Alertmanager is running/,
    },
    {
      fault: { kind: 'malformed' } as const,
      expected: /^Alertmanager: sent (a response that is not JSON|an unexpected response)/,
    },
  ];

  for (const { fault, expected } of cases) {
    it(`answers ${fault.kind}${'status' in fault ? ` ${fault.status}` : ''} with an actionable error, then recovers`, async () => {
      sim.faults.inject({ ...fault, match: { path: '/api/v2/alerts' }, times: 1 });
      const failed = await call('list_alertmanager_alerts');
      expect(failed.isError).toBe(true);
      expect(text(failed)).toMatch(expected);
      const next = await call('list_alertmanager_alerts');
      expect(next.isError).toBeFalsy();
      expect(next.structuredContent).toMatchObject({ total: 3 });
    });
  }

  it('names the tool timeout when Alertmanager hangs past MCP_TOOL_TIMEOUT_MS', async () => {
    const config: ExampleConfig = {
      ALERTMANAGER_URL: sim.url,
      ALERTMANAGER_TOKEN: CANARY,
      ALERTMANAGER_TIMEOUT_MS: 60_000,
    };
    const slow = await connectInMemory(
      buildServer(testDeps(createClients(config, {}), config, { kit: { toolTimeoutMs: 300 } })),
    );
    sim.faults.inject({ kind: 'hang', match: { path: '/api/v2/status' }, times: 1 });
    const result = await slow.client.callTool({ name: 'get_alertmanager_status', arguments: {} });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe(
      'get_alertmanager_status timed out after 0.3 s: Alertmanager did not answer in time. Check that Alertmanager is up and responsive, then try again; the limit is MCP_TOOL_TIMEOUT_MS.',
    );
    expect(
      (await slow.client.callTool({ name: 'get_alertmanager_status', arguments: {} })).isError,
    ).toBeFalsy();
    await slow.close();
  });

  it('names the missing silence on a 404', async () => {
    const result = await call('expire_alertmanager_silence', {
      silenceId: '0b4c2c9e-1f0a-4c3e-9a57-9d1f1f0e2a11',
    });
    expect(text(result)).toBe(
      'Alertmanager: silence 0b4c2c9e-1f0a-4c3e-9a57-9d1f1f0e2a11 was not found. Use a list or search tool to find valid names.',
    );
  });

  it('never lets the configured token reach a tool result or a log line', async () => {
    sim.faults.inject({
      kind: 'status',
      status: 500,
      body: `upstream echoed Bearer ${CANARY}`,
      times: 1,
    });
    const results = [
      await call('list_alertmanager_alerts'),
      await call('get_alertmanager_status'),
      await call('list_alertmanager_silences'),
    ];
    expect(JSON.stringify(results)).not.toContain(CANARY);
    expect(deps.captured.lines.join('\n')).not.toContain(CANARY);
    expect(deps.captured.lines.length).toBeGreaterThan(0);
  });
});
