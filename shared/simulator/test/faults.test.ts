// Every fault kind over real HTTP: latency, each status (with Retry-After), drop, hang,
// malformed, `times`, and matching by method and path. Faults are exempt from contract checks.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  startAlertmanagerSim,
  type AlertmanagerState,
  type FaultStatus,
  type Upstream,
} from '../src/index.js';
import { failOnViolations } from '../src/vitest.js';
import { JSON_HEADERS, silenceBody } from './helpers.js';

describe('fault injection', () => {
  let am: Upstream<AlertmanagerState>;
  beforeAll(async () => {
    am = await startAlertmanagerSim();
  });
  afterAll(() => am.close());
  afterEach(() => am.reset());
  failOnViolations(() => am);

  it('latency delays the normal response', async () => {
    am.faults.inject({ kind: 'latency', ms: 300 });
    const started = performance.now();
    const res = await fetch(`${am.url}/api/v2/status`);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(280);
    expect(elapsed).toBeLessThan(5000);
    expect(am.requests[0]).toEqual({
      method: 'GET',
      path: '/api/v2/status',
      status: 200,
      fault: 'latency',
    });
  });

  it.each([401, 403, 404, 429, 500, 502, 503, 504] as FaultStatus[])(
    'status %i replaces the response',
    async (status) => {
      am.faults.inject({ kind: 'status', status });
      const res = await fetch(`${am.url}/api/v2/status`);
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual({ message: `simulated ${status} fault` });
      expect(res.headers.get('retry-after')).toBeNull();
    },
  );

  it('status faults carry Retry-After and a custom body', async () => {
    am.faults.inject({
      kind: 'status',
      status: 429,
      retryAfterSeconds: 7,
      body: { error: 'slow down' },
    });
    const res = await fetch(`${am.url}/api/v2/alerts`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toEqual({ error: 'slow down' });
    am.faults.clear();
    am.faults.inject({ kind: 'status', status: 503, retryAfterSeconds: 0 });
    expect((await fetch(`${am.url}/api/v2/alerts`)).headers.get('retry-after')).toBe('0');
  });

  it('drop destroys the connection without a response', async () => {
    am.faults.inject({ kind: 'drop' });
    await expect(fetch(`${am.url}/api/v2/status`)).rejects.toThrow(TypeError);
    expect(am.requests[0]).toMatchObject({ status: 0, fault: 'drop' });
  });

  it('hang never answers; the client gives up through its AbortSignal', async () => {
    am.faults.inject({ kind: 'hang' });
    const started = performance.now();
    await expect(
      fetch(`${am.url}/api/v2/status`, { signal: AbortSignal.timeout(250) }),
    ).rejects.toThrow(/timeout|aborted/i);
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(am.requests[0]).toMatchObject({ status: 0, fault: 'hang' });
  });

  it('malformed answers 200 with a body that is not valid JSON', async () => {
    am.faults.inject({ kind: 'malformed' });
    const res = await fetch(`${am.url}/api/v2/silences`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await res.text();
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
  });

  it('times: 1 applies once, then the upstream behaves again', async () => {
    am.faults.inject({ kind: 'status', status: 500, times: 1 });
    expect(am.faults.active).toEqual([{ kind: 'status', status: 500, times: 1 }]);
    expect((await fetch(`${am.url}/api/v2/status`)).status).toBe(500);
    expect((await fetch(`${am.url}/api/v2/status`)).status).toBe(200);
    expect(am.faults.active).toEqual([]);
  });

  it('times: 3 counts down', async () => {
    am.faults.inject({ kind: 'status', status: 502, times: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${am.url}/api/v2/status`)).status);
    expect(statuses).toEqual([502, 502, 502, 200]);
  });

  it('matches by method and path (string, template and RegExp)', async () => {
    am.faults.inject({
      kind: 'status',
      status: 503,
      match: { method: 'post', path: '/api/v2/silences' },
    });
    am.faults.inject({
      kind: 'status',
      status: 404,
      match: { path: '/api/v2/silence/{silenceID}' },
    });
    am.faults.inject({ kind: 'status', status: 504, match: { path: /\/alerts$/ } });

    expect((await fetch(`${am.url}/api/v2/silences`)).status).toBe(200);
    const post = await fetch(`${am.url}/api/v2/silences`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify(silenceBody()),
    });
    expect(post.status).toBe(503);
    const deleted = await fetch(`${am.url}/api/v2/silence/5d2a2f0c-2b4e-4b8a-9a56-0c1f7f7e3a10`, {
      method: 'DELETE',
    });
    expect(deleted.status).toBe(404);
    expect((await fetch(`${am.url}/api/v2/alerts`)).status).toBe(504);
    expect((await fetch(`${am.url}/api/v2/status`)).status).toBe(200);
  });

  it('latency stacks with a replacing fault', async () => {
    am.faults.inject({ kind: 'latency', ms: 150 });
    am.faults.inject({ kind: 'status', status: 500 });
    const started = performance.now();
    expect((await fetch(`${am.url}/api/v2/status`)).status).toBe(500);
    expect(performance.now() - started).toBeGreaterThanOrEqual(130);
  });

  it('clear and reset remove faults', async () => {
    am.faults.inject({ kind: 'status', status: 500 });
    am.faults.clear();
    expect((await fetch(`${am.url}/api/v2/status`)).status).toBe(200);
    am.faults.inject({ kind: 'status', status: 500 });
    am.reset();
    expect(am.faults.active).toEqual([]);
    expect(am.requests).toEqual([]);
  });

  it('rejects invalid faults', () => {
    expect(() => am.faults.inject({ kind: 'status', status: 418 as FaultStatus })).toThrow(
      /invalid fault/,
    );
    expect(() => am.faults.inject({ kind: 'latency', ms: -1 })).toThrow(/invalid fault/);
    expect(() => am.faults.inject({ kind: 'drop', times: 0 })).toThrow(/invalid fault/);
    expect(() => am.faults.inject({ kind: 'ws-close', code: 1006 })).toThrow(/invalid fault/);
  });
});
