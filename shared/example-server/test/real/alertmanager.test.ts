// The example server against a real Alertmanager (Debian's 0.25): the tools read real alerts,
// a dry run changes nothing, a real silence mutes the alert, and expiring it un-mutes it.
import {
  connectInMemory,
  startAlertmanager,
  testDeps,
  type ConnectedClient,
  type RealService,
  eventually,
} from '@homelab/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExampleConfig } from '../../src/config.js';
import { buildServer, createClients } from '../../src/server.js';

let alertmanager: RealService;
let connected: ConnectedClient;

async function call(name: string, args: Record<string, unknown> = {}) {
  const result = await connected.client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, unknown>;
}

beforeAll(async () => {
  alertmanager = await startAlertmanager();
  const response = await fetch(`${alertmanager.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      {
        labels: { alertname: 'DiskAlmostFull', severity: 'warning', instance: 'nas' },
        annotations: { summary: 'Disk on nas is 91% full' },
      },
      {
        labels: { alertname: 'PodCrashLooping', severity: 'critical', pod: 'radarr-0' },
        annotations: { summary: 'radarr-0 restarts' },
      },
    ]),
  });
  expect(response.status).toBe(200);
  const config: ExampleConfig = {
    ALERTMANAGER_URL: alertmanager.url,
    ALERTMANAGER_TIMEOUT_MS: 5000,
  };
  connected = await connectInMemory(buildServer(testDeps(createClients(config, {}), config)));
});

afterAll(async () => {
  await connected?.close();
  await alertmanager?.stop();
});

describe('example server on a real Alertmanager', () => {
  it('reads the real status and alerts', async () => {
    const status = await call('get_alertmanager_status');
    expect(status.version).toMatch(/^0\.\d+\.\d+/);
    expect(status.cluster).toBe('disabled');
    const alerts = await eventually(
      () => call('list_alertmanager_alerts'),
      (out) => out.total === 2,
    );
    expect((alerts.alerts as Array<{ name: string }>).map((a) => a.name).sort()).toEqual([
      'DiskAlmostFull',
      'PodCrashLooping',
    ]);
    const filtered = await call('list_alertmanager_alerts', {
      matchers: [{ name: 'severity', value: 'crit.*', isRegex: true }],
    });
    expect(filtered).toMatchObject({
      total: 1,
      alerts: [{ name: 'PodCrashLooping', state: 'active', summary: 'radarr-0 restarts' }],
    });
  });

  it('previews a silence without creating it, then creates one that mutes the alert', async () => {
    const matchers = [{ name: 'alertname', value: 'DiskAlmostFull' }];
    const preview = await call('create_alertmanager_silence', {
      matchers,
      durationMinutes: 30,
      comment: 'replacing the disk',
      dryRun: true,
    });
    expect(preview).toMatchObject({ dryRun: true, applied: false, mutes: ['DiskAlmostFull'] });
    expect(preview.summary).toMatch(/^Would silence alertname="DiskAlmostFull" for 30 min/);
    expect(await call('list_alertmanager_silences')).toEqual({ total: 0, silences: [] });

    const created = await call('create_alertmanager_silence', {
      matchers,
      durationMinutes: 30,
      comment: 'replacing the disk',
    });
    expect(created).toMatchObject({ dryRun: false, applied: true, silenceId: expect.any(String) });
    const silenced = await eventually(
      () => call('list_alertmanager_alerts', { matchers }),
      (out) => (out.alerts as Array<{ state: string }>)[0]?.state === 'suppressed',
    );
    expect(silenced.alerts).toEqual([
      expect.objectContaining({ state: 'suppressed', silencedBy: [created.silenceId] }),
    ]);
    const withoutSilenced = await call('list_alertmanager_alerts', { includeSilenced: false });
    expect((withoutSilenced.alerts as Array<{ name: string }>).map((a) => a.name)).toEqual([
      'PodCrashLooping',
    ]);
  });

  it('expires the silence (dry run first) so the alert notifies again', async () => {
    const [silence] = (await call('list_alertmanager_silences')).silences as Array<{
      id: string;
      state: string;
    }>;
    expect(silence?.state).toBe('active');
    const preview = await call('expire_alertmanager_silence', {
      silenceId: silence?.id,
      dryRun: true,
    });
    expect(preview).toMatchObject({
      applied: false,
      changes: [{ path: `silence.${silence?.id}.state`, before: 'active', after: 'expired' }],
    });
    expect(((await call('list_alertmanager_silences')).silences as unknown[]).length).toBe(1);

    const expired = await call('expire_alertmanager_silence', { silenceId: silence?.id });
    expect(expired).toMatchObject({
      applied: true,
      summary: expect.stringMatching(/^Expired silence/),
    });
    expect(await call('list_alertmanager_silences')).toEqual({ total: 0, silences: [] });
    const active = await eventually(
      () =>
        call('list_alertmanager_alerts', {
          matchers: [{ name: 'alertname', value: 'DiskAlmostFull' }],
        }),
      (out) => (out.alerts as Array<{ state: string }>)[0]?.state === 'active',
    );
    expect(active.total).toBe(1);
  });

  it('names the service and the missing silence on a bad id', async () => {
    const result = await connected.client.callTool({
      name: 'expire_alertmanager_silence',
      arguments: { silenceId: '00000000-0000-0000-0000-000000000000' },
    });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toMatch(
      /Alertmanager: silence 00000000-0000-0000-0000-000000000000 was not found/,
    );
  });
});
