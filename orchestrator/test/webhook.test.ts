// The webhook endpoints. Alertmanager and Coroot: auth (bearer or basic), 4xx for what a retry
// cannot fix, 5xx for our own failure so the sender's retry is meaningful, retries recorded once.
// GitHub: HMAC signature, off (with a message saying how to enable it) without a secret.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { specPath } from '@homelab/simulator';
import { captureLog } from '@homelab/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startOrchestratorHttp,
  type OrchestratorHttpOptions,
  type RunningOrchestratorHttp,
} from '../src/http/server.js';
import { parseMaintenanceWindows } from '../src/incidents/maintenance.js';
import { pendingUpdates } from '../src/ingest/updates.js';
import { openDatabase } from '../src/store/database.js';

const TOKEN = 'webhook-canary-5e0c2b';
const GITHUB_SECRET = 'github-secret-canary-3a91';
const firing = readFileSync(specPath('alertmanager-webhook-firing.sample.json'), 'utf8');
const corootIncident = readFileSync(specPath('coroot-webhook-incident.sample.json'), 'utf8');
const corootAlert = readFileSync(specPath('coroot-webhook-alert.sample.json'), 'utf8');
const running: RunningOrchestratorHttp[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

async function start(maxBodyBytes = 64 * 1024, extra: Partial<OrchestratorHttpOptions> = {}) {
  const db = openDatabase(':memory:');
  const log = captureLog([TOKEN, GITHUB_SECRET]);
  const http = await startOrchestratorHttp(
    db,
    { host: '127.0.0.1', port: 0, webhookToken: TOKEN, maxBodyBytes, ...extra },
    log.logger,
  );
  running.push(http);
  return { db, http, lines: log.lines };
}

function post(url: string, body: string, authorization?: string, path = '/webhook/alertmanager') {
  return fetch(`${url}${path}`, {
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

describe('POST /webhook/alertmanager with damping', () => {
  it('holds an incident opened inside a maintenance window', async () => {
    const windows = parseMaintenanceWindows(
      'windows:\n  - start: 2000-01-01T00:00:00Z\n    end: 2100-01-01T00:00:00Z\n    labels: { job: node }\n',
      'maintenance.yaml',
    );
    const { http } = await start(64 * 1024, { incidents: { maintenance: windows } });
    const response = await post(http.url, firing, `Bearer ${TOKEN}`);
    expect(await response.json()).toMatchObject({
      created: true,
      notify: false,
      held: 'maintenance',
    });
  });
});

describe('POST /webhook/coroot', () => {
  const postCoroot = (url: string, body: string, authorization?: string) =>
    post(url, body, authorization, '/webhook/coroot');

  it('uses the same token (bearer or basic), records a retry once, closes on OK', async () => {
    const { http, db } = await start();
    expect((await postCoroot(http.url, corootIncident)).status).toBe(401);
    const created = await postCoroot(http.url, corootIncident, `Bearer ${TOKEN}`);
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({ kind: 'incident', created: true, notify: true });
    const retry = await postCoroot(
      http.url,
      corootIncident,
      `Basic ${Buffer.from(`coroot:${TOKEN}`).toString('base64')}`,
    );
    expect(await retry.json()).toMatchObject({ duplicate: true, notify: false });
    const ok = JSON.stringify({ ...JSON.parse(corootIncident), status: 'OK' });
    expect(await (await postCoroot(http.url, ok, `Bearer ${TOKEN}`)).json()).toMatchObject({
      resolved: true,
    });
    expect(await (await postCoroot(http.url, corootAlert, `Bearer ${TOKEN}`)).json()).toMatchObject(
      { kind: 'alert', created: true },
    );
    expect(db.prepare("SELECT COUNT(*) AS n FROM incidents WHERE source = 'coroot'").get()).toEqual(
      {
        n: 2,
      },
    );
  });

  it('answers a bad body 400 with the problems, an oversized one 413, GET 405', async () => {
    const { http, db } = await start(1024);
    const notJson = await postCoroot(http.url, 'Incident: radarr is down', `Bearer ${TOKEN}`);
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({
      error: 'not a Coroot webhook notification (templates must be {{ json . }})',
      problems: ['the body is not JSON: set the Coroot webhook templates to {{ json . }}'],
    });
    const bad = await postCoroot(
      http.url,
      JSON.stringify({ status: 'CRITICAL' }),
      `Bearer ${TOKEN}`,
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { problems: string[] }).problems).toEqual([
      expect.stringMatching(/^application: /),
    ]);
    const large = JSON.stringify({ ...JSON.parse(corootIncident), padding: 'x'.repeat(2048) });
    expect((await postCoroot(http.url, large, `Bearer ${TOKEN}`)).status).toBe(413);
    expect((await fetch(`${http.url}/webhook/coroot`)).status).toBe(405);
    expect(db.prepare('SELECT COUNT(*) AS n FROM deliveries').get()).toEqual({ n: 0 });
  });
});

describe('POST /webhook/github', () => {
  const prBody = readFileSync(specPath('renovate-pr-body.sample.md'), 'utf8');
  const {
    _comment: _c,
    body_file: _f,
    ...prFields
  } = JSON.parse(readFileSync(specPath('renovate-pr.sample.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const opened = JSON.stringify({
    action: 'opened',
    number: 142,
    pull_request: { ...prFields, body: prBody },
    repository: { full_name: 'owner/homelab' },
  });
  const sign = (body: string, secret = GITHUB_SECRET) =>
    `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const postGithub = (url: string, body: string, headers: Record<string, string>) =>
    fetch(`${url}/webhook/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it('is off, saying how to enable it, without ORCH_GITHUB_WEBHOOK_SECRET', async () => {
    const { http } = await start();
    const response = await postGithub(http.url, opened, {
      'x-github-event': 'pull_request',
      'x-github-delivery': 'd-1',
      'x-hub-signature-256': sign(opened),
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /set ORCH_GITHUB_WEBHOOK_SECRET/,
    );
    expect((await fetch(`${http.url}/webhook/github`)).status).toBe(405);
  });

  it('refuses a missing or wrong signature, records a Renovate PR once per delivery', async () => {
    const { http, db, lines } = await start(64 * 1024, { githubWebhookSecret: GITHUB_SECRET });
    const headers = { 'x-github-event': 'pull_request', 'x-github-delivery': 'd-1' };
    expect((await postGithub(http.url, opened, headers)).status).toBe(401);
    const wrong = await postGithub(http.url, opened, {
      ...headers,
      'x-hub-signature-256': sign(opened, 'not-the-secret'),
    });
    expect(wrong.status).toBe(401);
    const tampered = opened.replace('4.0.19', '9.9.9');
    expect(
      (await postGithub(http.url, tampered, { ...headers, 'x-hub-signature-256': sign(opened) }))
        .status,
    ).toBe(401);
    const signed = { ...headers, 'x-hub-signature-256': sign(opened) };
    const accepted = await postGithub(http.url, opened, signed);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ kind: 'update', number: 142, state: 'open' });
    const redelivered = await postGithub(http.url, opened, signed);
    expect(await redelivered.json()).toEqual({ kind: 'duplicate', deliveryId: 'd-1' });
    expect(pendingUpdates(db).map((u) => u.prNumber)).toEqual([142]);
    expect(lines.join('\n')).not.toContain(GITHUB_SECRET);
  });

  it('answers ping 200, other events 202, bad payloads 400, missing headers 400, large 413', async () => {
    const { http } = await start(4096, { githubWebhookSecret: GITHUB_SECRET });
    const ping = JSON.stringify({ zen: 'Design for failure.', hook_id: 1 });
    const pong = await postGithub(http.url, ping, {
      'x-github-event': 'ping',
      'x-github-delivery': 'p-1',
      'x-hub-signature-256': sign(ping),
    });
    expect(pong.status).toBe(200);
    const push = await postGithub(http.url, '{}', {
      'x-github-event': 'push',
      'x-github-delivery': 'p-2',
      'x-hub-signature-256': sign('{}'),
    });
    expect(push.status).toBe(202);
    expect(await push.json()).toEqual({ kind: 'ignored', reason: 'event push is not handled' });
    const broken = JSON.stringify({ action: 'opened', pull_request: { number: 'x' } });
    const bad = await postGithub(http.url, broken, {
      'x-github-event': 'pull_request',
      'x-github-delivery': 'p-3',
      'x-hub-signature-256': sign(broken),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { problems: string[] }).problems.length).toBeGreaterThan(0);
    const noDelivery = await postGithub(http.url, ping, {
      'x-github-event': 'ping',
      'x-hub-signature-256': sign(ping),
    });
    expect(noDelivery.status).toBe(400);
    const big = JSON.stringify({ zen: 'x'.repeat(5000) });
    const tooLarge = await postGithub(http.url, big, {
      'x-github-event': 'ping',
      'x-github-delivery': 'p-4',
      'x-hub-signature-256': sign(big),
    });
    expect(tooLarge.status).toBe(413);
  });
});
