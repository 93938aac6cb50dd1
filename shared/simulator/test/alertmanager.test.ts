// The framework through the simulated Alertmanager (src/upstreams/alertmanager.ts, on the real
// Swagger 2.0 spec with basePath /api/v2/): state, request and response contract checks, auth
// and the request log. Routes that break the contract on purpose are hand-written here.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createAlertmanagerState,
  startAlertmanagerSim,
  startUpstream,
  type AlertmanagerState,
  type Upstream,
} from '../src/index.js';
import { failOnViolations } from '../src/vitest.js';
import {
  JSON_HEADERS as json,
  onAlertmanagerContract,
  silenceBody,
  withUpstream,
} from './helpers.js';

describe('a stateful Alertmanager upstream', () => {
  let am: Upstream<AlertmanagerState>;
  beforeAll(async () => {
    am = await startAlertmanagerSim({
      state: createAlertmanagerState({
        alerts: [
          { labels: { alertname: 'KubePodCrashLooping', severity: 'warning' } },
          { labels: { alertname: 'NodeDown', severity: 'critical' } },
        ],
      }),
    });
  });
  afterAll(() => am.close());

  describe('well-behaved clients', () => {
    failOnViolations(() => am);

    it('serves on 127.0.0.1 under the spec base path', async () => {
      expect(am.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(am.wsUrl).toBe(am.url.replace('http', 'ws'));
      expect(am.contract?.basePath).toBe('/api/v2');
      const res = await fetch(`${am.url}/api/v2/status`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const status = (await res.json()) as {
        cluster: { status: string };
        versionInfo: { version: string };
      };
      expect(status).toMatchObject({
        cluster: { status: 'disabled' },
        versionInfo: { version: '0.34.0' },
      });
    });

    it('keeps state: a posted silence is in the next list, and a delete expires it', async () => {
      const posted = await fetch(`${am.url}/api/v2/silences`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(silenceBody({ comment: 'kernel upgrade' })),
      });
      expect(posted.status).toBe(200);
      const { silenceID } = (await posted.json()) as { silenceID: string };
      expect(am.state.silences.has(silenceID)).toBe(true);

      const listed = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as Array<{
        id: string;
        comment: string;
        status: { state: string };
      }>;
      expect(listed.find((silence) => silence.id === silenceID)).toMatchObject({
        comment: 'kernel upgrade',
        status: { state: 'active' },
      });

      const deleted = await fetch(`${am.url}/api/v2/silence/${silenceID}`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      const after = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as Array<{
        id: string;
        status: { state: string };
      }>;
      expect(after.find((silence) => silence.id === silenceID)?.status.state).toBe('expired');
    });

    it('answers declared error statuses without a violation (unknown silence id -> 404)', async () => {
      const res = await fetch(`${am.url}/api/v2/silence/2f0e6c3e-9f1e-4c59-9d49-3f0c1f9a7d11`, {
        method: 'DELETE',
      });
      expect(res.status).toBe(404);
    });

    it('serves alerts with valid boolean and repeated array query parameters', async () => {
      const res = await fetch(
        `${am.url}/api/v2/alerts?active=true&silenced=false&filter=${encodeURIComponent(
          'alertname=~"Kube.*|Node.*"',
        )}&filter=${encodeURIComponent('severity="warning"')}`,
      );
      expect(res.status).toBe(200);
      const alerts = (await res.json()) as Array<{ labels: { alertname: string } }>;
      expect(alerts.map((alert) => alert.labels.alertname)).toEqual(['KubePodCrashLooping']);
    });

    it('logs every request with its status', async () => {
      am.reset();
      await fetch(`${am.url}/api/v2/status`);
      await fetch(`${am.url}/api/v2/alerts?active=false`);
      expect(am.requests).toEqual([
        { method: 'GET', path: '/api/v2/status', status: 200 },
        { method: 'GET', path: '/api/v2/alerts', status: 200 },
      ]);
    });
  });

  describe('request violations are recorded and answered 400/404/405', () => {
    afterEach(() => am.reset());

    it('rejects a body that breaks the postableSilence schema', async () => {
      const res = await fetch(`${am.url}/api/v2/silences`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(silenceBody({ matchers: [], createdBy: 42 })),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { message: string };
      expect(body.message).toMatch(/^contract violation: /);
      expect(body.message).toContain('body /matchers');
      expect(am.violations).toHaveLength(1);
      const [violation] = am.violations;
      expect(violation).toMatchObject({
        direction: 'request',
        status: 400,
        operation: 'POST /api/v2/silences (postSilences)',
      });
      expect(violation?.issues.map((found) => found.schemaPath)).toEqual(
        expect.arrayContaining([
          '#/definitions/matchers/minItems',
          '#/definitions/silence/properties/createdBy/type',
        ]),
      );
      expect(am.state.silences.size).toBeLessThanOrEqual(1);
    });

    it('rejects a missing body, a non-JSON content type and invalid JSON', async () => {
      const missing = await fetch(`${am.url}/api/v2/silences`, { method: 'POST', headers: json });
      expect(missing.status).toBe(400);
      const textPlain = await fetch(`${am.url}/api/v2/silences`, {
        method: 'POST',
        body: JSON.stringify(silenceBody()),
      });
      expect(textPlain.status).toBe(400);
      const invalid = await fetch(`${am.url}/api/v2/silences`, {
        method: 'POST',
        headers: json,
        body: '{"matchers": [',
      });
      expect(invalid.status).toBe(400);
      expect(am.violations.map((violation) => violation.issues[0]?.message)).toEqual([
        'is required but missing',
        expect.stringContaining(
          'text/plain;charset=UTF-8 is not accepted (accepted: application/json)',
        ),
        expect.stringContaining('is not valid JSON'),
      ]);
    });

    it('rejects a query parameter of the wrong type', async () => {
      const res = await fetch(`${am.url}/api/v2/silences?active=maybe`);
      expect(res.status).toBe(400);
      expect(am.violations[0]?.issues[0]).toMatchObject({
        location: "query parameter 'active'",
        message: 'must be boolean',
      });
    });

    it('rejects a path parameter that breaks its format (silenceID is a uuid)', async () => {
      const res = await fetch(`${am.url}/api/v2/silence/not-a-uuid`, { method: 'DELETE' });
      expect(res.status).toBe(400);
      expect(am.violations[0]?.issues[0]?.message).toBe('must match format "uuid"');
    });

    it('answers 404 for a path that is not in the contract', async () => {
      const res = await fetch(`${am.url}/api/v2/silencez`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { message: string }).message).toContain(
        'is not in the contract Alertmanager API',
      );
      const outside = await fetch(`${am.url}/api/v1/alerts`);
      expect(outside.status).toBe(404);
      expect(am.violations.map((violation) => violation.status)).toEqual([404, 404]);
    });

    it('answers 405 for a method the path does not declare', async () => {
      const res = await fetch(`${am.url}/api/v2/status`, { method: 'PUT' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET');
      expect(am.violations).toHaveLength(1);
    });

    it('answers 501 (and records it) for a contract operation the simulator does not implement', async () => {
      const res = await fetch(`${am.url}/api/v2/receivers`);
      expect(res.status).toBe(501);
      expect(am.violations[0]).toMatchObject({
        direction: 'response',
        operation: 'GET /api/v2/receivers (getReceivers)',
      });
    });

    it('assertNoViolations lists every violation, then clears them', async () => {
      await fetch(`${am.url}/api/v2/silences?active=maybe`);
      await fetch(`${am.url}/api/v2/nope`);
      expect(() => am.assertNoViolations()).toThrow(
        /2 contract violations on the alertmanager simulator/,
      );
      expect(am.violations).toHaveLength(0);
      expect(() => am.assertNoViolations()).not.toThrow();
    });
  });
});

describe('response violations', () => {
  it('records a wrong-shaped handler response (still sent) and names the operation and schema path', async () => {
    const options = await onAlertmanagerContract([
      {
        method: 'GET',
        path: '/api/v2/silences',
        handler: () => ({
          status: 200,
          body: [
            {
              id: 'x',
              status: { state: 'snoozed' },
              updatedAt: '2026-01-01T00:00:00Z',
              matchers: [{ name: 'a', value: 'b', isRegex: false }],
              startsAt: '2026-01-01T00:00:00Z',
              endsAt: '2026-01-02T00:00:00Z',
              createdBy: 'me',
              comment: 'c',
              annotations: {},
            },
          ],
        }),
      },
      {
        method: 'GET',
        path: '/api/v2/status',
        handler: () => ({ status: 418, body: { tea: true } }),
      },
      { method: 'GET', path: '/api/v2/alerts', handler: () => ({ status: 200 }) },
    ]);
    await withUpstream(options, async (upstream) => {
      const res = await fetch(`${upstream.url}/api/v2/silences`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Array<{ status: { state: string } }>)[0]?.status.state).toBe(
        'snoozed',
      );
      expect((await fetch(`${upstream.url}/api/v2/status`)).status).toBe(418);
      expect((await fetch(`${upstream.url}/api/v2/alerts`)).status).toBe(200);

      expect(upstream.violations.map((violation) => violation.direction)).toEqual([
        'response',
        'response',
        'response',
      ]);
      let message = '';
      try {
        upstream.assertNoViolations();
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain('GET /api/v2/silences (getSilences)');
      expect(message).toContain(
        'body /0/status/state: must be equal to one of the allowed values ["expired","active","pending"]',
      );
      expect(message).toContain('(schema #/definitions/silenceStatus/properties/state/enum)');
      expect(message).toContain('status: 418 is not declared (declared: 200)');
      expect(message).toContain('GET /api/v2/alerts (getAlerts)');
      expect(message).toContain('body: is missing; the contract declares one for status 200');
    });
  });

  it('a handler that throws answers 500 and is recorded', async () => {
    const options = await onAlertmanagerContract([
      {
        method: 'GET',
        path: '/api/v2/status',
        handler: () => {
          throw new Error('boom');
        },
      },
    ]);
    await withUpstream(options, async (upstream) => {
      const res = await fetch(`${upstream.url}/api/v2/status`);
      expect(res.status).toBe(500);
      expect(() => upstream.assertNoViolations()).toThrow(/handler: threw Error: boom/);
    });
  });
});

describe('startup checks and auth', () => {
  it('refuses a route that is not in the contract', async () => {
    await expect(
      startUpstream(
        await onAlertmanagerContract([
          { method: 'GET', path: '/api/v2/silencez', handler: () => ({ status: 200 }) },
        ]),
      ),
    ).rejects.toThrow(/route GET \/api\/v2\/silencez is not in the contract/);
    await expect(
      startUpstream(
        await onAlertmanagerContract([
          { method: 'POST', path: '/api/v2/status', handler: () => ({ status: 200 }) },
        ]),
      ),
    ).rejects.toThrow(/route POST \/api\/v2\/status is not in the contract/);
  });

  it('refuses malformed options and duplicate routes', async () => {
    await expect(
      startUpstream({
        name: '',
        state: {},
        routes: [{ method: 'FETCH', path: 'x', handler: () => ({ status: 200 }) }],
      }),
    ).rejects.toThrow(/invalid upstream options/);
    await expect(
      startUpstream({
        name: 'dup',
        state: {},
        routes: [
          { method: 'GET', path: '/a/{id}', handler: () => ({ status: 200 }) },
          { method: 'get', path: '/a/{name}', handler: () => ({ status: 200 }) },
        ],
      }),
    ).rejects.toThrow(/registered twice/);
  });

  it('answers 401 when auth says no', async () => {
    await withUpstream(
      {
        name: 'guarded',
        state: {},
        auth: (req) => req.headers.authorization === 'Bearer s3cret',
        routes: [
          { method: 'GET', path: '/ping', handler: () => ({ status: 200, body: { pong: true } }) },
        ],
      },
      async (guarded) => {
        const denied = await fetch(`${guarded.url}/ping`);
        expect(denied.status).toBe(401);
        expect(await denied.json()).toEqual({ message: 'unauthorized' });
        const allowed = await fetch(`${guarded.url}/ping`, {
          headers: { authorization: 'Bearer s3cret' },
        });
        expect(await allowed.json()).toEqual({ pong: true });
        guarded.assertNoViolations();
      },
    );
  });
});
