// The simulated Alertmanager itself (src/upstreams/alertmanager.ts) and the simulated homelab that
// starts it (src/homelab.ts): filters, silences muting alerts, expiry, errors and the bearer
// token. Every request and response is checked against the v0.34.0 contract, and a violation
// fails the test that caused it.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createAlertmanagerState,
  demoAlerts,
  parseFilter,
  startAlertmanagerSim,
  startSimulatedHomelab,
  type AlertmanagerState,
  type SimulatedHomelab,
  type Upstream,
} from '../src/index.js';
import { failOnViolations } from '../src/vitest.js';
import { JSON_HEADERS, silenceBody } from './helpers.js';

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  fingerprint: string;
  receivers: Array<{ name: string }>;
  startsAt: string;
  endsAt: string;
  status: { state: string; silencedBy: string[]; inhibitedBy: string[]; mutedBy: string[] };
}

interface GettableSilence {
  id: string;
  matchers: Array<{ name: string; value: string; isRegex: boolean; isEqual?: boolean }>;
  startsAt: string;
  endsAt: string;
  comment: string;
  annotations: Record<string, string>;
  status: { state: string };
}

const UNKNOWN_ID = '2f0e6c3e-9f1e-4c59-9d49-3f0c1f9a7d11';
const HOUR = 3_600_000;

function isoIn(ms: number): string {
  return new Date(Date.now() + ms).toISOString();
}

function names(alerts: GettableAlert[]): string[] {
  return alerts.map((alert) => alert.labels.alertname ?? '').sort();
}

describe('parseFilter', () => {
  it.each([
    ['alertname="DiskAlmostFull"', 'alertname', 'DiskAlmostFull', false, true],
    ['severity!="info"', 'severity', 'info', false, false],
    ['alertname=~"Disk.*|Cert.*"', 'alertname', 'Disk.*|Cert.*', true, true],
    ['namespace!~"kube-.*"', 'namespace', 'kube-.*', true, false],
    [' severity = "critical" ', 'severity', 'critical', false, true],
    ['severity=critical', 'severity', 'critical', false, true],
    ['pod=""', 'pod', '', false, true],
    ['summary="say \\"hi\\""', 'summary', 'say "hi"', false, true],
    ['url="a=b"', 'url', 'a=b', false, true],
    ['domain=~"home\\.example\\.org"', 'domain', 'home\\.example\\.org', true, true],
  ])('%s', (expression, name, value, isRegex, isEqual) => {
    expect(parseFilter(expression)).toEqual({ name, value, isRegex, isEqual });
  });

  it.each(['', 'alertname', '="x"', '1st="x"', 'alert name="x"', 'alertname=~"("', 'a!~"[z-a]"'])(
    'rejects %j (not a matcher, or a regex that does not compile)',
    (expression) => {
      expect(parseFilter(expression)).toBeUndefined();
    },
  );
});

describe('the simulated Alertmanager', () => {
  let am: Upstream<AlertmanagerState>;
  beforeAll(async () => {
    am = await startAlertmanagerSim();
  });
  afterAll(() => am.close());
  beforeEach(() => {
    const fresh = createAlertmanagerState({ alerts: demoAlerts });
    am.state.alerts = fresh.alerts;
    am.state.silences = fresh.silences;
  });
  failOnViolations(() => am);

  function send(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${am.url}/api/v2${path}`, {
      method,
      ...(body === undefined ? {} : { headers: JSON_HEADERS, body: JSON.stringify(body) }),
    });
  }

  async function ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await send(method, path, body);
    expect(res.status, `${method} ${path}`).toBe(200);
    return (await res.json()) as T;
  }

  function getAlerts(params: Array<[string, string]> = []): Promise<GettableAlert[]> {
    const query = new URLSearchParams(params).toString();
    return ok<GettableAlert[]>('GET', `/alerts${query ? `?${query}` : ''}`);
  }

  async function createSilence(body: Record<string, unknown>): Promise<string> {
    const { silenceID } = await ok<{ silenceID: string }>('POST', '/silences', body);
    return silenceID;
  }

  async function alertNamed(alertname: string): Promise<GettableAlert | undefined> {
    return (await getAlerts()).find((alert) => alert.labels.alertname === alertname);
  }

  describe('status', () => {
    it('reports the state version, a disabled cluster and its start time', async () => {
      const status = await ok<Record<string, unknown>>('GET', '/status');
      expect(status).toMatchObject({
        cluster: { status: 'disabled', peers: [] },
        versionInfo: { version: '0.34.0' },
        uptime: am.state.startedAt,
      });
    });
  });

  describe('GET /api/v2/alerts', () => {
    it('lists the firing demo alerts, active, with a receiver and a fingerprint', async () => {
      const alerts = await getAlerts();
      expect(names(alerts)).toEqual([
        'CertificateExpiresSoon',
        'DiskAlmostFull',
        'KubePodMemoryHigh',
      ]);
      for (const alert of alerts) {
        expect(alert.fingerprint).toMatch(/^[0-9a-f]{16}$/);
        expect(alert.receivers).toEqual([{ name: 'null' }]);
        expect(alert.status).toEqual({
          state: 'active',
          silencedBy: [],
          inhibitedBy: [],
          mutedBy: [],
        });
        expect(Date.parse(alert.endsAt)).toBeGreaterThan(Date.now());
      }
      expect((await alertNamed('DiskAlmostFull'))?.annotations).toEqual({
        summary: '/srv/media on nas is 92% full',
      });
    });

    it.each([
      [['alertname="DiskAlmostFull"'], ['DiskAlmostFull']],
      [['severity!="info"'], ['DiskAlmostFull', 'KubePodMemoryHigh']],
      [['alertname=~"Disk.*|Cert.*"'], ['CertificateExpiresSoon', 'DiskAlmostFull']],
      [['alertname=~"Disk"'], []],
      [['alertname!~".*High|.*Soon"'], ['DiskAlmostFull']],
      [['namespace=""'], ['CertificateExpiresSoon', 'DiskAlmostFull']],
      [['namespace!=""'], ['KubePodMemoryHigh']],
      [['instance="nas:9100"'], ['DiskAlmostFull']],
      [['domain=~"home\\.example\\.org"'], ['CertificateExpiresSoon']],
      [['severity=~"warning|critical"', 'mountpoint="/srv/media"'], ['DiskAlmostFull']],
      [['severity="critical"', 'severity="warning"'], []],
    ])('filter %j -> %j', async (filters, expected) => {
      const alerts = await getAlerts(filters.map((filter) => ['filter', filter]));
      expect(names(alerts)).toEqual(expected);
    });

    it('answers 400 for a filter that is not a matcher or whose regex does not compile', async () => {
      for (const filter of ['alertname', 'alertname=~"("']) {
        const res = await send('GET', `/alerts?filter=${encodeURIComponent(filter)}`);
        expect(res.status).toBe(400);
        expect(await res.json()).toBe(`bad matcher format: ${filter}`);
      }
    });
  });

  describe('POST /api/v2/alerts', () => {
    it('adds an alert, updates it when the same labels come again, and drops it once resolved', async () => {
      const labels = { alertname: 'BackupFailed', severity: 'critical', job: 'restic' };
      expect(
        (await send('POST', '/alerts', [{ labels, annotations: { summary: 'one' } }])).status,
      ).toBe(200);
      const first = await alertNamed('BackupFailed');
      expect(first).toMatchObject({ labels, annotations: { summary: 'one' } });

      await send('POST', '/alerts', [{ labels, annotations: { summary: 'two' } }]);
      const again = await getAlerts([['filter', 'alertname="BackupFailed"']]);
      expect(again).toHaveLength(1);
      expect(again[0]).toMatchObject({
        fingerprint: first?.fingerprint,
        startsAt: first?.startsAt,
        annotations: { summary: 'two' },
      });

      await send('POST', '/alerts', [{ labels, endsAt: isoIn(-1000) }]);
      expect(await alertNamed('BackupFailed')).toBeUndefined();
      expect(am.state.alerts.size).toBe(4);
    });
  });

  describe('silences', () => {
    it('a silence mutes the alerts it matches: suppressed, silencedBy holds its id', async () => {
      const id = await createSilence(silenceBody({}, 'DiskAlmostFull'));
      const alerts = await getAlerts();
      expect(alerts.find((alert) => alert.labels.alertname === 'DiskAlmostFull')?.status).toEqual({
        state: 'suppressed',
        silencedBy: [id],
        inhibitedBy: [],
        mutedBy: [],
      });
      for (const other of alerts.filter((alert) => alert.labels.alertname !== 'DiskAlmostFull')) {
        expect(other.status).toMatchObject({ state: 'active', silencedBy: [] });
      }
    });

    it('silenced=false hides muted alerts; active=false shows only them', async () => {
      await createSilence(silenceBody({}, 'DiskAlmostFull'));
      expect(names(await getAlerts([['silenced', 'false']]))).toEqual([
        'CertificateExpiresSoon',
        'KubePodMemoryHigh',
      ]);
      expect(names(await getAlerts([['silenced', 'true']]))).toHaveLength(3);
      expect(names(await getAlerts([['active', 'false']]))).toEqual(['DiskAlmostFull']);
      expect(
        await getAlerts([
          ['active', 'false'],
          ['silenced', 'false'],
        ]),
      ).toEqual([]);
    });

    it('regex and negative matchers must all match; overlapping silences are all listed', async () => {
      const broad = await createSilence(
        silenceBody({
          matchers: [
            { name: 'severity', value: 'warning|critical', isRegex: true },
            { name: 'alertname', value: 'DiskAlmostFull', isRegex: false, isEqual: false },
          ],
        }),
      );
      const pod = await createSilence(
        silenceBody({
          matchers: [{ name: 'pod', value: 'radarr-.*', isRegex: true, isEqual: true }],
        }),
      );
      const alerts = await getAlerts();
      const muted = alerts.filter((alert) => alert.status.state === 'suppressed');
      expect(names(muted)).toEqual(['KubePodMemoryHigh']);
      expect(muted[0]?.status.silencedBy.sort()).toEqual([broad, pod].sort());
    });

    it('a pending silence (starting later) mutes nothing yet', async () => {
      const id = await createSilence(
        silenceBody({ startsAt: isoIn(HOUR), endsAt: isoIn(2 * HOUR) }, 'DiskAlmostFull'),
      );
      expect((await ok<GettableSilence>('GET', `/silence/${id}`)).status.state).toBe('pending');
      expect((await alertNamed('DiskAlmostFull'))?.status).toMatchObject({
        state: 'active',
        silencedBy: [],
      });
    });

    it('GET /api/v2/silence/{id} returns it; DELETE expires it and the alert is active again', async () => {
      const id = await createSilence(
        silenceBody({ comment: 'disk swap', annotations: { ticket: 'HL-7' } }, 'DiskAlmostFull'),
      );
      expect(await ok<GettableSilence>('GET', `/silence/${id}`)).toMatchObject({
        id,
        comment: 'disk swap',
        annotations: { ticket: 'HL-7' },
        matchers: [{ name: 'alertname', value: 'DiskAlmostFull', isRegex: false, isEqual: true }],
        status: { state: 'active' },
      });

      expect((await send('DELETE', `/silence/${id}`)).status).toBe(200);
      const expired = await ok<GettableSilence>('GET', `/silence/${id}`);
      expect(expired.status.state).toBe('expired');
      expect(Date.parse(expired.endsAt)).toBeLessThanOrEqual(Date.now());
      expect((await ok<GettableSilence[]>('GET', '/silences')).map((s) => s.status.state)).toEqual([
        'expired',
      ]);
      expect((await alertNamed('DiskAlmostFull'))?.status).toMatchObject({
        state: 'active',
        silencedBy: [],
      });
      expect(names(await getAlerts([['silenced', 'false']]))).toContain('DiskAlmostFull');
    });

    it('a silence posted without annotations has empty ones', async () => {
      const id = await createSilence(silenceBody());
      expect((await ok<GettableSilence>('GET', `/silence/${id}`)).annotations).toEqual({});
    });

    it('GET and DELETE of an unknown id answer 404', async () => {
      expect((await send('GET', `/silence/${UNKNOWN_ID}`)).status).toBe(404);
      expect((await send('DELETE', `/silence/${UNKNOWN_ID}`)).status).toBe(404);
    });

    it('POST with an id updates that silence; an unknown id answers 404', async () => {
      const id = await createSilence(silenceBody({ comment: 'first' }));
      const updated = await createSilence(silenceBody({ id, comment: 'extended' }));
      expect(updated).toBe(id);
      expect(am.state.silences.size).toBe(1);
      expect((await ok<GettableSilence>('GET', `/silence/${id}`)).comment).toBe('extended');

      const missing = await send('POST', '/silences', silenceBody({ id: UNKNOWN_ID }));
      expect(missing.status).toBe(404);
      expect(await missing.json()).toBe(`silence ${UNKNOWN_ID} not found`);
    });

    it.each([
      ['endsAt before startsAt', { startsAt: isoIn(2 * HOUR), endsAt: isoIn(HOUR) }, /end time/],
      ['endsAt equal to startsAt', { startsAt: isoIn(HOUR), endsAt: isoIn(HOUR) }, /end time/],
      ['endsAt in the past', { startsAt: isoIn(-2 * HOUR), endsAt: isoIn(-HOUR) }, /in the past/],
      [
        'a regex matcher that does not compile',
        { matchers: [{ name: 'alertname', value: '(', isRegex: true }] },
        /invalid regular expression/,
      ],
    ])('POST with %s answers 400 and stores nothing', async (_case, overrides, message) => {
      const res = await send('POST', '/silences', silenceBody(overrides));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatch(message);
      expect(am.state.silences.size).toBe(0);
      expect(await getAlerts()).toHaveLength(3);
    });

    it('GET /api/v2/silences?filter= matches silences by matcher name, type and value', async () => {
      const equal = await createSilence(silenceBody({}, 'DiskAlmostFull'));
      const regex = await createSilence(
        silenceBody({ matchers: [{ name: 'alertname', value: 'Disk.*', isRegex: true }] }),
      );
      async function listed(filter?: string): Promise<string[]> {
        const query = filter === undefined ? '' : `?filter=${encodeURIComponent(filter)}`;
        return (await ok<GettableSilence[]>('GET', `/silences${query}`)).map((s) => s.id).sort();
      }
      expect(await listed()).toEqual([equal, regex].sort());
      expect(await listed('alertname="DiskAlmostFull"')).toEqual([equal]);
      expect(await listed('alertname=~"Disk.*"')).toEqual([regex]);
      expect(await listed('alertname!="DiskAlmostFull"')).toEqual([]);
      expect(await listed('severity="critical"')).toEqual([]);
      expect((await send('GET', '/silences?filter=nonsense')).status).toBe(400);
    });
  });
});

describe('the simulated Alertmanager with a bearer token', () => {
  let am: Upstream<AlertmanagerState>;
  beforeAll(async () => {
    am = await startAlertmanagerSim({
      token: 'am-s3cret',
      state: createAlertmanagerState({ alerts: demoAlerts, version: '0.27.0' }),
    });
  });
  afterAll(() => am.close());
  failOnViolations(() => am);

  it.each([
    ['no authorization header', {}],
    ['a wrong token', { authorization: 'Bearer nope' }],
    ['the token without the Bearer scheme', { authorization: 'am-s3cret' }],
  ])('answers 401 with %s', async (_case, headers: Record<string, string>) => {
    for (const path of ['/api/v2/status', '/api/v2/alerts']) {
      const res = await fetch(`${am.url}${path}`, { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: 'unauthorized' });
    }
  });

  it('serves with the token', async () => {
    const headers = { authorization: 'Bearer am-s3cret' };
    const status = (await (await fetch(`${am.url}/api/v2/status`, { headers })).json()) as {
      versionInfo: { version: string };
    };
    expect(status.versionInfo.version).toBe('0.27.0');
    const alerts = await fetch(`${am.url}/api/v2/alerts`, { headers });
    expect(alerts.status).toBe(200);
    expect(names((await alerts.json()) as GettableAlert[])).toHaveLength(3);
  });
});

describe('startSimulatedHomelab', () => {
  let homelab: SimulatedHomelab | undefined;
  beforeEach(() => {
    homelab = undefined;
  });
  afterEach(async () => {
    vi.useRealTimers();
    await homelab?.close();
  });
  failOnViolations(() => homelab?.upstreams.alertmanager);

  async function demoAlertNames(url: string): Promise<string[]> {
    const res = await fetch(`${url}/api/v2/alerts`);
    expect(res.status).toBe(200);
    return names((await res.json()) as GettableAlert[]);
  }

  it('starts Alertmanager with the demo alerts and returns ALERTMANAGER_URL; close() stops it', async () => {
    homelab = await startSimulatedHomelab();
    const url = homelab.env.ALERTMANAGER_URL ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(homelab.upstreams.alertmanager?.url).toBe(url);
    expect(await demoAlertNames(url)).toEqual(
      demoAlerts.map((alert) => alert.labels.alertname).sort(),
    );

    await homelab.close();
    await expect(fetch(`${url}/api/v2/status`)).rejects.toThrow(TypeError);
  });

  it('keeps the demo alerts firing past the 5-minute resolve timeout', async () => {
    homelab = await startSimulatedHomelab();
    const url = homelab.env.ALERTMANAGER_URL ?? '';
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 24 * HOUR);
    expect(await demoAlertNames(url)).toHaveLength(demoAlerts.length);
  });

  it('skips an upstream whose variable is in skip (configured for real)', async () => {
    homelab = await startSimulatedHomelab({ skip: ['ALERTMANAGER_URL'] });
    expect(homelab.env.ALERTMANAGER_URL).toBeUndefined();
    expect(homelab.upstreams.alertmanager).toBeUndefined();
  });
});
