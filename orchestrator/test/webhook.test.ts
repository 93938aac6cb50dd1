// The Alertmanager webhook endpoint: auth (bearer or basic), 4xx for what a retry cannot fix,
// 5xx for our own failure so Alertmanager's retry is meaningful, and retries recorded once.
import { readFileSync } from 'node:fs';
import { specPath } from '@homelab/simulator';
import { captureLog } from '@homelab/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { startOrchestratorHttp, type RunningOrchestratorHttp } from '../src/http/server.js';
import { openDatabase } from '../src/store/database.js';

const TOKEN = 'webhook-canary-5e0c2b';
const firing = readFileSync(specPath('alertmanager-webhook-firing.sample.json'), 'utf8');
const running: RunningOrchestratorHttp[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function start(maxBodyBytes = 64 * 1024) {
  const db = openDatabase(':memory:');
  const log = captureLog([TOKEN]);
  const http = await startOrchestratorHttp(
    db,
    { host: '127.0.0.1', port: 0, webhookToken: TOKEN, maxBodyBytes },
    log.logger,
  );
  running.push(http);
  return { db, http, lines: log.lines };
}

function post(url: string, body: string, authorization?: string) {
  return fetch(`${url}/webhook/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body,
  });
}

describe('POST /webhook/alertmanager', () => {
  it('refuses a missing or wrong token with 401, accepts bearer and basic auth', async () => {
    const { http } = await start();
    expect((await post(http.url, firing)).status).toBe(401);
    expect((await post(http.url, firing, 'Bearer nope')).status).toBe(401);
    const bearer = await post(http.url, firing, `Bearer ${TOKEN}`);
    expect(bearer.status).toBe(200);
    expect(await bearer.json()).toMatchObject({ created: true, notify: true });
    const basic = await post(
      http.url,
      firing,
      `Basic ${Buffer.from(`alertmanager:${TOKEN}`).toString('base64')}`,
    );
    expect(await basic.json()).toMatchObject({ duplicate: true, notify: false });
  });

  it('answers a bad payload with 400 naming the fields (Alertmanager does not retry 4xx)', async () => {
    const { http, db } = await start();
    const bad = await post(
      http.url,
      JSON.stringify({ version: '4', alerts: [] }),
      `Bearer ${TOKEN}`,
    );
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { problems: string[] };
    expect(body.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^groupKey:/),
        expect.stringMatching(/^alerts:/),
      ]),
    );
    expect(db.prepare('SELECT COUNT(*) AS n FROM deliveries').get()).toEqual({ n: 0 });
  });

  it('answers an oversized body with 413, other paths and methods with 404 and 405', async () => {
    const { http } = await start(1024);
    expect((await post(http.url, firing, `Bearer ${TOKEN}`)).status).toBe(413);
    expect((await fetch(`${http.url}/webhook/alertmanager`)).status).toBe(405);
    expect((await fetch(`${http.url}/nope`)).status).toBe(404);
    expect(await (await fetch(`${http.url}/healthz`)).json()).toEqual({ status: 'alive' });
  });

  it('answers 500 when it cannot record the delivery, so Alertmanager retries, and the retry lands', async () => {
    const { http, db, lines } = await start();
    db.exec('ALTER TABLE deliveries RENAME TO deliveries_moved');
    const failed = await post(http.url, firing, `Bearer ${TOKEN}`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({
      error: 'internal error; the delivery was not recorded, retry later',
    });
    db.exec('ALTER TABLE deliveries_moved RENAME TO deliveries');
    expect((await post(http.url, firing, `Bearer ${TOKEN}`)).status).toBe(200);
    expect(db.prepare('SELECT COUNT(*) AS n FROM incidents').get()).toEqual({ n: 1 });
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('refuses to listen beyond loopback without a token', async () => {
    const db = openDatabase(':memory:');
    await expect(
      startOrchestratorHttp(
        db,
        { host: '0.0.0.0', port: 0, webhookToken: undefined, maxBodyBytes: 1024 },
        captureLog().logger,
      ),
    ).rejects.toThrow(/refusing to serve on 0\.0\.0\.0 without authentication/);
  });
});
