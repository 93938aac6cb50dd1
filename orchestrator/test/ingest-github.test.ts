// The GitHub webhook's logic with the published Renovate samples: the signature check, reading
// the update table (and its variants), and the update records: opened, pushed to, merged or
// closed, out-of-order and redelivered deliveries, other PRs and events ignored.
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { specPath } from '@homelab/simulator';
import { describe, expect, it } from 'vitest';
import { ingestGithubDelivery, verifyGithubSignature } from '../src/ingest/github.js';
import {
  inferUpdateType,
  isRenovatePullRequest,
  parseRenovateBody,
} from '../src/ingest/renovate.js';
import { pendingUpdates, updateByPullRequest } from '../src/ingest/updates.js';
import { openDatabase, type Db } from '../src/store/database.js';

const prBody = readFileSync(specPath('renovate-pr-body.sample.md'), 'utf8');
const prSample = JSON.parse(readFileSync(specPath('renovate-pr.sample.json'), 'utf8')) as Record<
  string,
  unknown
>;
const SECRET = 'github-hook-canary-77d1';

function pullRequest(overrides: Record<string, unknown> = {}) {
  const { _comment: _c, body_file: _f, ...fields } = prSample;
  return {
    ...fields,
    body: prBody,
    html_url: 'https://github.com/owner/homelab/pull/142',
    updated_at: '2026-01-15T08:00:00Z',
    merged: false,
    merged_at: null,
    ...overrides,
  };
}

function event(action: string, pr: Record<string, unknown> = pullRequest()) {
  return JSON.stringify({
    action,
    number: pr.number,
    pull_request: pr,
    repository: { full_name: 'owner/homelab' },
    sender: { login: 'renovate[bot]' },
  });
}

let deliveries = 0;
function deliver(db: Db, body: string, eventName = 'pull_request', deliveryId?: string) {
  deliveries += 1;
  return ingestGithubDelivery(
    db,
    { event: eventName, deliveryId: deliveryId ?? `delivery-${deliveries}`, body },
    new Date('2026-01-15T08:00:30Z'),
  );
}

describe('GitHub signatures', () => {
  it('accepts sha256=<hmac of the raw body> and nothing else', () => {
    const body = event('opened');
    const good = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    expect(verifyGithubSignature(SECRET, body, good)).toBe(true);
    expect(verifyGithubSignature(SECRET, Buffer.from(body), good)).toBe(true);
    const tampered = `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`;
    expect(verifyGithubSignature(SECRET, body, tampered)).toBe(false);
    expect(verifyGithubSignature(SECRET, `${body} `, good)).toBe(false);
    expect(verifyGithubSignature('other-secret', body, good)).toBe(false);
    expect(verifyGithubSignature(SECRET, body, undefined)).toBe(false);
    expect(verifyGithubSignature(SECRET, body, good.replace('sha256=', 'sha1='))).toBe(false);
    expect(verifyGithubSignature(SECRET, body, 'sha256=abcd')).toBe(false);
  });
});

describe('Renovate pull requests', () => {
  it('recognises Renovate by branch prefix or debug trailer, not by author', () => {
    expect(isRenovatePullRequest({ headRef: 'renovate/sonarr-4.x', body: null })).toBe(true);
    expect(isRenovatePullRequest({ headRef: 'deps/custom-prefix', body: prBody })).toBe(true);
    expect(isRenovatePullRequest({ headRef: 'feature/x', body: 'Fixes renovate docs' })).toBe(
      false,
    );
  });

  it('reads the sample body: package, versions, update type', () => {
    expect(parseRenovateBody(prBody)).toEqual([
      {
        package: 'ghcr.io/linuxserver/sonarr',
        from: '4.0.18',
        to: '4.0.19',
        update: 'patch',
        updateType: 'patch',
      },
    ]);
  });

  it('reads other table layouts tolerantly and infers the update type from versions', () => {
    const body = [
      'Some header the owner configured.',
      '',
      '| Package | Type | Change | Age |',
      '| :-- | --- | --- | --- |',
      '| [zod](https://zod.dev) ([source](https://redirect.github.com/colinhacks/zod)) | dependencies | [`^3.23.8` -> `^4.0.0`](https://renovatebot.com/diffs/npm/zod) | ![age](https://badge) |',
      '| `traefik` | helm_release | `34.1.0` → `34.2.0` | |',
      '| plain-name |  | `1.2.3` | |',
      '|  | nothing | `1` → `2` | |',
      '',
      '| Package | Change |',
      '|---|---|',
      '| ignored | `1` → `2` |',
    ].join('\r\n');
    expect(parseRenovateBody(body)).toEqual([
      {
        package: 'zod',
        from: '^3.23.8',
        to: '^4.0.0',
        updateType: 'major',
        depType: 'dependencies',
      },
      {
        package: 'traefik',
        from: '34.1.0',
        to: '34.2.0',
        updateType: 'minor',
        depType: 'helm_release',
      },
      { package: 'plain-name', to: '1.2.3' },
    ]);
    expect(parseRenovateBody('no table here\n| a | b |\n|---|---|\n| 1 | 2 |')).toEqual([]);
    expect(inferUpdateType('v1.2.3', 'v1.2.4')).toBe('patch');
    expect(inferUpdateType('sha256:abc', 'sha256:def')).toBeUndefined();
  });
});

describe('GitHub deliveries to update records', () => {
  it('records an opened Renovate PR as a pending update, once per delivery id', () => {
    const db = openDatabase(':memory:');
    const body = event('opened');
    const outcome = deliver(db, body, 'pull_request', 'guid-1');
    expect(outcome).toEqual({
      kind: 'update',
      updateId: expect.any(Number),
      repo: 'owner/homelab',
      number: 142,
      state: 'open',
      created: true,
      stale: false,
      packages: 1,
    });
    expect(deliver(db, body, 'pull_request', 'guid-1')).toEqual({
      kind: 'duplicate',
      deliveryId: 'guid-1',
    });
    expect(pendingUpdates(db)).toEqual([
      {
        id: expect.any(Number),
        repo: 'owner/homelab',
        prNumber: 142,
        title: 'chore(deps): update ghcr.io/linuxserver/sonarr docker tag to v4.0.19',
        url: 'https://github.com/owner/homelab/pull/142',
        headRef: 'renovate/ghcr.io-linuxserver-sonarr-4.x',
        headSha: '0123456789abcdef0123456789abcdef01234567',
        baseRef: 'main',
        packages: [
          {
            package: 'ghcr.io/linuxserver/sonarr',
            from: '4.0.18',
            to: '4.0.19',
            update: 'patch',
            updateType: 'patch',
          },
        ],
        state: 'open',
        firstSeenAt: '2026-01-15T08:00:30.000Z',
        updatedAt: '2026-01-15T08:00:30.000Z',
        closedAt: null,
      },
    ]);
    expect(
      db.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE source = 'github'").get(),
    ).toEqual({ n: 1 });
  });

  it('follows pushes and edits, marks merged or closed, and ignores an out-of-order older snapshot', () => {
    const db = openDatabase(':memory:');
    deliver(db, event('opened'));
    const newer = prBody.replaceAll('4.0.19', '4.0.20');
    const pushed = deliver(
      db,
      event(
        'synchronize',
        pullRequest({
          head: { ref: 'renovate/ghcr.io-linuxserver-sonarr-4.x', sha: 'f'.repeat(40) },
          body: newer,
          title: 'chore(deps): update ghcr.io/linuxserver/sonarr docker tag to v4.0.20',
          updated_at: '2026-01-15T09:00:00Z',
        }),
      ),
    );
    expect(pushed).toMatchObject({ kind: 'update', created: false, state: 'open' });
    const stale = deliver(db, event('edited', pullRequest({ updated_at: '2026-01-15T08:30:00Z' })));
    expect(stale).toMatchObject({ kind: 'update', stale: true });
    expect(updateByPullRequest(db, 'owner/homelab', 142)).toMatchObject({
      headSha: 'f'.repeat(40),
      packages: [expect.objectContaining({ to: '4.0.20' })],
    });
    const merged = deliver(
      db,
      event(
        'closed',
        pullRequest({
          state: 'closed',
          merged: true,
          merged_at: '2026-01-15T10:00:00Z',
          updated_at: '2026-01-15T10:00:00Z',
        }),
      ),
    );
    expect(merged).toMatchObject({ kind: 'update', state: 'merged' });
    expect(pendingUpdates(db)).toEqual([]);
    expect(updateByPullRequest(db, 'owner/homelab', 142)).toMatchObject({
      state: 'merged',
      closedAt: '2026-01-15T08:00:30.000Z',
    });

    const other = pullRequest({
      number: 143,
      state: 'closed',
      updated_at: '2026-01-15T11:00:00Z',
    });
    expect(deliver(db, event('closed', other))).toMatchObject({ state: 'closed', created: true });
    expect(
      deliver(
        db,
        event('reopened', { ...other, state: 'open', updated_at: '2026-01-15T12:00:00Z' }),
      ),
    ).toMatchObject({ state: 'open' });
    expect(pendingUpdates(db).map((u) => [u.prNumber, u.closedAt])).toEqual([[143, null]]);
  });

  it('answers ping, ignores other events, other PRs and other actions, refuses bad payloads', () => {
    const db = openDatabase(':memory:');
    expect(deliver(db, JSON.stringify({ zen: 'Keep it logically awesome.' }), 'ping')).toEqual({
      kind: 'pong',
    });
    expect(deliver(db, '{}', 'push')).toEqual({
      kind: 'ignored',
      reason: 'event push is not handled',
    });
    const human = pullRequest({
      head: { ref: 'feature/dark-mode', sha: 'a'.repeat(40) },
      body: 'Adds dark mode.',
    });
    expect(deliver(db, event('opened', human))).toEqual({
      kind: 'ignored',
      reason: 'not a Renovate pull request',
    });
    expect(deliver(db, event('labeled'))).toEqual({
      kind: 'ignored',
      reason: 'pull_request action labeled is not handled',
    });
    expect(deliver(db, 'not json')).toMatchObject({ kind: 'invalid' });
    const bad = deliver(
      db,
      event('opened', pullRequest({ head: { ref: 'renovate/x', sha: 'not-a-sha' } })),
    );
    expect(bad).toEqual({
      kind: 'invalid',
      problems: [expect.stringMatching(/^pull_request\.head\.sha: must be a commit sha/)],
    });
    expect(pendingUpdates(db)).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM deliveries').get()).toEqual({ n: 0 });
  });

  it('accepts the form-encoded content type GitHub can be set to', () => {
    const db = openDatabase(':memory:');
    const body = new URLSearchParams({ payload: event('opened') }).toString();
    const outcome = ingestGithubDelivery(db, {
      event: 'pull_request',
      deliveryId: 'form-1',
      body,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(outcome).toMatchObject({ kind: 'update', number: 142 });
  });
});
