// The web console over real HTTP on 127.0.0.1 with a real SQLite store: off without a secret,
// login by password or token (audited, rate-limited), sessions with a fixed end, CSRF and Origin
// checks on every form, the pending page with exact calls and dry-run diffs (escaped), commands
// handed to the reply handler (a recording fake: it is our own seam), the incident timeline,
// runbook counters, the audit log, and every hostile input answered with a page, not a crash.
import { captureLog } from '@homelab/testing';
import { parseEnv } from '@homelab/kit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingReply, ReplyOutcome } from '../src/approve/channel.js';
import { hashPassword, passwordHashSchema, verifyPassword } from '../src/console/auth.js';
import { consoleConfigShape } from '../src/console/config.js';
import { createConsole, type ConsoleRunbook } from '../src/console/console.js';
import { recordApproval, recordProposal } from '../src/execute/executor.js';
import { startOrchestratorHttp, type RunningOrchestratorHttp } from '../src/http/server.js';
import { openDatabase, type Db } from '../src/store/database.js';

const PASSWORD = 'correct horse battery staple';
const TOKEN = 'console-token-canary-7f3e2a91c4';
const START = new Date('2026-11-26T09:00:00Z');
let passwordHash = '';
const running: RunningOrchestratorHttp[] = [];

beforeAll(async () => {
  passwordHash = await hashPassword(PASSWORD);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

interface Harness {
  url: string;
  db: Db;
  replies: IncomingReply[];
  lines: string[];
  clock: { now: Date };
  advance(ms: number): void;
}

async function start(
  options: {
    env?: Record<string, string>;
    runbooks?: ConsoleRunbook[];
    answer?: (reply: IncomingReply) => ReplyOutcome;
  } = {},
): Promise<Harness> {
  const db = openDatabase(':memory:');
  const log = captureLog();
  const clock = { now: START };
  const replies: IncomingReply[] = [];
  const { data: config } = parseEnv(consoleConfigShape, {
    ORCH_CONSOLE_PASSWORD_HASH: passwordHash,
    ORCH_CONSOLE_TOKEN: TOKEN,
    ...options.env,
  });
  const consoleApp = createConsole({
    db,
    config,
    log: log.logger,
    now: () => clock.now,
    runbooks: () => options.runbooks ?? [],
    handler: (reply) => {
      replies.push(reply);
      return Promise.resolve(
        options.answer?.(reply) ?? {
          outcome: 'done',
          text: `Approved solution ${reply.text} of p${reply.proposalId}.`,
          proposalId: reply.proposalId,
        },
      );
    },
  });
  const http = await startOrchestratorHttp(
    db,
    {
      host: '127.0.0.1',
      port: 0,
      webhookToken: 'webhook-token-for-console-tests',
      maxBodyBytes: 1024 * 1024,
      routes: [consoleApp.route],
    },
    log.logger,
  );
  running.push(http);
  return {
    url: http.url,
    db,
    replies,
    lines: log.lines,
    clock,
    advance: (ms) => {
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
}

function get(h: Harness, path: string, cookie?: string) {
  return fetch(`${h.url}${path}`, {
    headers: cookie ? { cookie } : {},
    redirect: 'manual',
  });
}

function post(
  h: Harness,
  path: string,
  fields: Record<string, string> | string,
  extra: { cookie?: string; origin?: string; site?: string; contentType?: string } = {},
) {
  return fetch(`${h.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': extra.contentType ?? 'application/x-www-form-urlencoded',
      ...(extra.cookie ? { cookie: extra.cookie } : {}),
      ...(extra.origin ? { origin: extra.origin } : {}),
      ...(extra.site ? { 'sec-fetch-site': extra.site } : {}),
    },
    body: typeof fields === 'string' ? fields : new URLSearchParams(fields).toString(),
  });
}

/** A page's HTML with each whitespace run folded to one space, so line breaks in markup do not matter. */
async function page(res: Response): Promise<string> {
  return (await res.text()).replace(/\s+/g, ' ');
}

async function login(h: Harness, secret = PASSWORD): Promise<string> {
  const res = await post(h, '/console/login', { password: secret });
  expect(res.status).toBe(303);
  expect(res.headers.get('location')).toBe('/console');
  const [setCookie] = res.headers.getSetCookie();
  return (setCookie ?? '').split(';')[0] ?? '';
}

async function csrfOf(h: Harness, cookie: string): Promise<string> {
  const text = await page(await get(h, '/console', cookie));
  const match = /name="csrf" value="([^"]+)"/.exec(text);
  if (!match?.[1]) throw new Error('no CSRF field on the pending page');
  return match[1];
}

function insertIncident(db: Db, title: string, openedAt: string, status = 'open'): number {
  return Number(
    db
      .prepare(
        "INSERT INTO incidents (source, group_key, title, severity, status, opened_at, updated_at) VALUES ('alertmanager', ?, ?, 'warning', ?, ?, ?)",
      )
      .run(`{}:{alertname="${title}"}`, title, status, openedAt, openedAt).lastInsertRowid,
  );
}

const SET_MEMORY = {
  tool: 'infrastructure__set_container_resources',
  arguments: { namespace: 'media', deployment: 'radarr', limits: { memory: '2Gi' } },
};
const RESTART = {
  tool: 'infrastructure__restart_deployment',
  arguments: { namespace: 'media', deployment: 'radarr' },
};

function seedProposal(db: Db, at = START): { proposalId: number; incidentId: number } {
  const incidentId = insertIncident(db, 'RadarrOOM', at.toISOString());
  const proposalId = recordProposal(
    db,
    {
      incidentId,
      summary: 'Radarr runs out of memory <script>alert("x")</script>',
      solutions: [
        {
          title: 'Raise the memory limit',
          risk: 'low',
          impact: 'Radarr restarts once (about 30 s)',
          reversible: true,
          calls: [SET_MEMORY],
          dryRun: [
            {
              tool: SET_MEMORY.tool,
              isError: false,
              text: 'would patch',
              summary: 'Would set the memory limit of media/radarr',
              changes: [
                {
                  path: 'spec.template.spec.containers[0].resources.limits.memory',
                  before: '1Gi-before-value',
                  after: '2Gi-after-value',
                },
              ],
            },
          ],
        },
        {
          title: 'Restart radarr',
          risk: 'high',
          calls: [RESTART],
          dryRun: [
            { tool: RESTART.tool, isError: true, text: 'deployment <b>radarr</b> not found' },
          ],
        },
      ],
    },
    at,
  );
  return { proposalId, incidentId };
}

/** The text of each cell of the table row that contains `marker`. */
function rowCells(html: string, marker: string): string[] {
  const row = html.split('<tr>').find((r) => r.includes(marker)) ?? '';
  return [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) =>
    (m[1] ?? '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

describe('password hashes', () => {
  it('round-trips: the right password verifies, a wrong one does not, salts differ', async () => {
    expect(passwordHash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    expect(await verifyPassword(PASSWORD, passwordHash)).toBe(true);
    expect(await verifyPassword(`${PASSWORD}!`, passwordHash)).toBe(false);
    expect(await verifyPassword('', passwordHash)).toBe(false);
    const again = await hashPassword(PASSWORD);
    expect(again).not.toBe(passwordHash);
    expect(await verifyPassword(PASSWORD, again)).toBe(true);
    await expect(hashPassword('')).rejects.toThrow(/must not be empty/);
  });

  it('treats a malformed hash as no match without throwing, and the schema refuses it', async () => {
    const [, n, r, p, salt, key] = passwordHash.split('$');
    const malformed = [
      '',
      'not-a-hash',
      `bcrypt$${n}$${r}$${p}$${salt}$${key}`,
      `scrypt$30000$${r}$${p}$${salt}$${key}`,
      `scrypt$${2 ** 24}$${r}$${p}$${salt}$${key}`,
      `scrypt$${n}$0$${p}$${salt}$${key}`,
      `scrypt$${n}$${r}$9$${salt}$${key}`,
      `scrypt$${n}$${r}$${p}$${salt}$${key}$extra`,
      `scrypt$${n}$${r}$${p}$c2FsdA==$${key}`,
      `scrypt$${n}$${r}$${p}$${salt}$not*base64`,
      `scrypt$${n}$${r}$${p}$${salt}`,
    ];
    for (const encoded of malformed) {
      expect(await verifyPassword(PASSWORD, encoded)).toBe(false);
      expect(passwordHashSchema.safeParse(encoded).success).toBe(false);
    }
    expect(passwordHashSchema.safeParse(passwordHash).success).toBe(true);
  });
});

describe('console configuration', () => {
  it('has defaults, keeps the secrets for redaction, and refuses a bad hash without echoing it', () => {
    const parsed = parseEnv(consoleConfigShape, {
      ORCH_CONSOLE_PASSWORD_HASH: passwordHash,
      ORCH_CONSOLE_TOKEN: TOKEN,
    });
    expect(parsed.data).toEqual({
      ORCH_CONSOLE_USER: 'admin',
      ORCH_CONSOLE_PASSWORD_HASH: passwordHash,
      ORCH_CONSOLE_TOKEN: TOKEN,
      ORCH_CONSOLE_SESSION_TTL: 12 * 3_600_000,
      ORCH_CONSOLE_SECURE_COOKIE: false,
    });
    expect(parsed.secrets.sort()).toEqual([passwordHash, TOKEN].sort());
    const badHash = 'scrypt$1$1$1$secret-canary$x';
    expect(() =>
      parseEnv(consoleConfigShape, {
        ORCH_CONSOLE_PASSWORD_HASH: badHash,
        ORCH_CONSOLE_TOKEN: 'short',
        ORCH_CONSOLE_SECURE_COOKIE: 'maybe',
      }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          expect.stringMatching(
            /^ORCH_CONSOLE_PASSWORD_HASH: expected an scrypt hash.*hash-password/,
          ),
          'ORCH_CONSOLE_TOKEN: expected at least 16 characters (e.g. openssl rand -base64 32)',
          'ORCH_CONSOLE_SECURE_COOKIE: expected true or false (got "maybe")',
        ],
      }),
    );
  });
});

describe('the console while no secret is configured', () => {
  it('answers 404 on every /console path, explaining which variables turn it on', async () => {
    const db = openDatabase(':memory:');
    const log = captureLog();
    const { data: config } = parseEnv(consoleConfigShape, {});
    const replies: IncomingReply[] = [];
    const route = createConsole({
      db,
      config,
      log: log.logger,
      runbooks: () => [],
      handler: (reply) => {
        replies.push(reply);
        return Promise.resolve({ outcome: 'done' });
      },
    }).route;
    const http = await startOrchestratorHttp(
      db,
      {
        host: '127.0.0.1',
        port: 0,
        webhookToken: 'webhook-token',
        maxBodyBytes: 4096,
        routes: [route],
      },
      log.logger,
    );
    running.push(http);
    for (const path of ['/console', '/console/login', '/console/audit']) {
      const res = await fetch(`${http.url}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const text = await page(res);
      expect(text).toContain('The console is off');
      expect(text).toContain('ORCH_CONSOLE_PASSWORD_HASH');
      expect(text).toContain('ORCH_CONSOLE_TOKEN');
      expect(text).toContain('node orchestrator/dist/main.js hash-password');
    }
    const posted = await fetch(`${http.url}/console/proposals/1/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'command=1',
    });
    expect(posted.status).toBe(404);
    expect(replies).toEqual([]);
  });
});

describe('logging in and out', () => {
  it('refuses a wrong password with 401 and an audit row that does not contain it', async () => {
    const h = await start();
    const wrong = 'hunter2-wrong-canary';
    const res = await post(h, '/console/login', { password: wrong });
    expect(res.status).toBe(401);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await page(res)).toContain('Wrong password or token.');
    const rows = h.db.prepare('SELECT * FROM audit_log').all();
    expect(rows).toEqual([
      expect.objectContaining({
        channel: 'console',
        action: 'login',
        outcome: 'refused',
        at: START.toISOString(),
      }),
    ]);
    expect(JSON.stringify(rows)).not.toContain(wrong);
    expect(h.lines.join('')).not.toContain(wrong);
    expect((await get(h, '/console')).headers.get('location')).toBe('/console/login');
  });

  it('logs in with the password: a session cookie that is HttpOnly, SameSite=Strict, Path=/console', async () => {
    const h = await start();
    const res = await post(h, '/console/login', { password: PASSWORD });
    expect(res.status).toBe(303);
    const [setCookie] = res.headers.getSetCookie();
    expect(setCookie).toMatch(/^homelab_console=[A-Za-z0-9_-]{43}; /);
    const attributes = (setCookie ?? '').split('; ').slice(1);
    expect(attributes).toEqual(['HttpOnly', 'SameSite=Strict', 'Path=/console', 'Max-Age=43200']);
    const cookie = (setCookie ?? '').split(';')[0] ?? '';
    const pending = await get(h, '/console', cookie);
    expect(pending.status).toBe(200);
    expect(await page(pending)).toContain('Nothing is waiting for an answer.');
    expect(h.db.prepare('SELECT actor, action, outcome, detail FROM audit_log').all()).toEqual([
      { actor: 'admin', action: 'login', outcome: 'done', detail: 'with the password' },
    ]);
    expect(h.lines.join('')).not.toContain(PASSWORD);
    expect(h.lines.join('')).not.toContain(cookie.split('=')[1]);
  });

  it('logs in with the token, and marks the cookie Secure when configured', async () => {
    const h = await start({ env: { ORCH_CONSOLE_SECURE_COOKIE: 'true' } });
    const res = await post(h, '/console/login', { password: TOKEN });
    expect(res.status).toBe(303);
    expect(res.headers.getSetCookie()[0]).toMatch(/; Secure$/);
    expect(h.db.prepare('SELECT detail FROM audit_log').get()).toEqual({
      detail: 'with the token',
    });
  });

  it('logout deletes the session: the old cookie no longer opens a page', async () => {
    const h = await start();
    const cookie = await login(h);
    const csrf = await csrfOf(h, cookie);
    const res = await post(h, '/console/logout', { csrf }, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/login');
    expect(res.headers.getSetCookie()[0]).toMatch(/^homelab_console=; .*Max-Age=0/);
    const after = await get(h, '/console', cookie);
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/console/login');
    expect(h.db.prepare("SELECT outcome FROM audit_log WHERE action = 'logout'").all()).toEqual([
      { outcome: 'done' },
    ]);
  });

  it('a session ends at its fixed time: GET goes to the login page, POST gets 401', async () => {
    const h = await start({ env: { ORCH_CONSOLE_SESSION_TTL: '1h' } });
    const { proposalId } = seedProposal(h.db);
    const cookie = await login(h);
    const csrf = await csrfOf(h, cookie);
    h.advance(59 * 60_000);
    expect((await get(h, '/console', cookie)).status).toBe(200);
    h.advance(60_000);
    const expired = await get(h, '/console', cookie);
    expect(expired.status).toBe(303);
    expect(expired.headers.get('location')).toBe('/console/login');
    const posted = await post(
      h,
      `/console/proposals/${proposalId}/command`,
      { csrf, command: '1' },
      { cookie },
    );
    expect(posted.status).toBe(401);
    expect(h.replies).toEqual([]);
  });

  it('after 5 failed logins in 15 minutes every login answers 429 until the window passes', async () => {
    const h = await start();
    for (let i = 0; i < 5; i++) {
      h.advance(1000);
      expect((await post(h, '/console/login', { password: `guess-${i}` })).status).toBe(401);
    }
    const limited = await post(h, '/console/login', { password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(14 * 60);
    expect(limited.headers.getSetCookie()).toEqual([]);
    expect((await post(h, '/console/login', { password: TOKEN })).status).toBe(429);
    expect(
      h.db.prepare('SELECT outcome, COUNT(*) AS n FROM audit_log GROUP BY outcome').all(),
    ).toEqual([{ outcome: 'refused', n: 5 }]);
    h.advance(15 * 60_000);
    expect((await post(h, '/console/login', { password: PASSWORD })).status).toBe(303);
  });
});

describe('the pending page', () => {
  it('shows each pending proposal with its calls and dry-run diff, escaped, under security headers', async () => {
    const h = await start();
    const { proposalId, incidentId } = seedProposal(h.db);
    const decided = recordProposal(h.db, { summary: 'already decided', solutions: [] }, START);
    h.db.prepare("UPDATE proposals SET status = 'denied' WHERE id = ?").run(decided);
    const cookie = await login(h);
    const res = await get(h, '/console', cookie);
    expect(res.status).toBe(200);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'cache-control': 'no-store',
    });
    const text = await page(res);
    expect(text).toContain(`p${proposalId}: Radarr runs out of memory`);
    expect(text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(text).not.toContain('<script>');
    expect(text).not.toContain('already decided');
    expect(text).toContain(`href="/console/incidents/${incidentId}"`);
    expect(text).toContain('2026-11-26T09:00:00Z');
    expect(text).toContain('Radarr restarts once (about 30 s)');
    expect(text).toContain('infrastructure__set_container_resources');
    expect(text).toContain(
      '{&quot;deployment&quot;:&quot;radarr&quot;,&quot;limits&quot;:{&quot;memory&quot;:&quot;2Gi&quot;},&quot;namespace&quot;:&quot;media&quot;}',
    );
    const diff = rowCells(text, 'resources.limits.memory');
    expect(diff).toEqual([
      'spec.template.spec.containers[0].resources.limits.memory',
      '&quot;1Gi-before-value&quot;',
      '&quot;2Gi-after-value&quot;',
    ]);
    expect(text).toContain('deployment &lt;b&gt;radarr&lt;/b&gt; not found');
    expect(text).toMatch(
      /class="error">Dry run of <code>infrastructure__restart_deployment<\/code> failed/,
    );
    for (const [value, label] of [
      ['1', 'Approve 1'],
      ['2', 'Approve 2'],
      ['ignore', 'Deny'],
      ['snooze 1h', 'Snooze 1h'],
      ['details', 'Details'],
    ])
      expect(text).toMatch(new RegExp(`name="command" value="${value}" ?> ?${label} ?</button>`));
    expect(text).toContain(`action="/console/proposals/${proposalId}/command"`);
    expect(text).not.toMatch(/<script|src=|https?:\/\//);
  });
});

describe('commands from the pending page', () => {
  it('refuses a form without the CSRF token (403) or with a wrong one, and never calls the handler', async () => {
    const h = await start();
    const { proposalId } = seedProposal(h.db);
    const cookie = await login(h);
    const path = `/console/proposals/${proposalId}/command`;
    const missing = await post(h, path, { command: '1' }, { cookie });
    expect(missing.status).toBe(403);
    expect(await page(missing)).toContain('CSRF token');
    expect((await post(h, path, { csrf: 'A'.repeat(43), command: '1' }, { cookie })).status).toBe(
      403,
    );
    expect(h.replies).toEqual([]);
  });

  it('hands a button press to the handler with the exact reply, redirects 303 and shows the outcome once', async () => {
    const h = await start({ env: { ORCH_CONSOLE_USER: 'owner' } });
    const { proposalId } = seedProposal(h.db);
    const cookie = await login(h);
    const csrf = await csrfOf(h, cookie);
    const res = await post(
      h,
      `/console/proposals/${proposalId}/command`,
      { csrf, command: '2' },
      { cookie, origin: h.url },
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console');
    expect(h.replies).toEqual([
      {
        channel: 'console',
        sender: 'owner',
        text: '2',
        proposalId,
        messageId: expect.stringMatching(/^console:[0-9a-f]{32}$/),
      },
    ]);
    const next = await page(await get(h, '/console', cookie));
    expect(next).toContain(`Approved solution 2 of p${proposalId}.`);
    const later = await page(await get(h, '/console', cookie));
    expect(later).not.toContain(`Approved solution 2 of p${proposalId}.`);
  });

  it('shows "Is this a problem?" for an asked incident and hands its answer over with the incident', async () => {
    const h = await start({
      env: { ORCH_CONSOLE_USER: 'owner' },
      answer: () => ({ outcome: 'done', text: 'Researching incident now.' }),
    });
    const incidentId = insertIncident(h.db, 'RadarrSlow <b>', START.toISOString());
    h.db.prepare("UPDATE incidents SET confirmation = 'asked' WHERE id = ?").run(incidentId);
    const cookie = await login(h);
    const text = await page(await get(h, '/console', cookie));
    expect(text).toContain('RadarrSlow &lt;b&gt;');
    expect(text).toContain('Is this a problem?');
    expect(text).toContain(`action="/console/incidents/${incidentId}/answer"`);
    const csrf = await csrfOf(h, cookie);
    const path = `/console/incidents/${incidentId}/answer`;
    expect((await post(h, path, { answer: 'yes' }, { cookie })).status).toBe(403);
    expect((await post(h, path, { csrf, answer: '1' }, { cookie })).status).toBe(400);
    expect(h.replies).toEqual([]);
    const res = await post(h, path, { csrf, answer: 'no, expected' }, { cookie });
    expect(res.status).toBe(303);
    expect(h.replies).toEqual([
      {
        channel: 'console',
        sender: 'owner',
        text: 'no, expected',
        incidentId,
        messageId: expect.stringMatching(/^console:[0-9a-f]{32}$/),
      },
    ]);
    expect(await page(await get(h, '/console', cookie))).toContain('Researching incident now.');
    expect(
      (await post(h, '/console/incidents/999/answer', { csrf, answer: 'yes' }, { cookie })).status,
    ).toBe(404);
  });

  it('sends deny, snooze and custom instructions as the grammar reads them, and shows details on a page', async () => {
    const h = await start({
      answer: (reply) =>
        reply.text === 'details'
          ? { outcome: 'done', text: 'Incident <b>#1</b>: memory at 98%' }
          : { outcome: 'refused', text: `refused: ${reply.text}` },
    });
    const { proposalId } = seedProposal(h.db);
    const cookie = await login(h);
    const csrf = await csrfOf(h, cookie);
    const path = `/console/proposals/${proposalId}/command`;
    const presses: Array<Record<string, string>> = [
      { csrf, command: 'ignore' },
      { csrf, command: 'snooze 1h' },
      { csrf, command: 'custom', instruction: '  raise it to 3Gi instead  ' },
    ];
    for (const fields of presses)
      expect((await post(h, path, fields, { cookie })).status).toBe(303);
    expect(h.replies.map((r) => r.text)).toEqual([
      'ignore',
      'snooze 1h',
      'custom: raise it to 3Gi instead',
    ]);
    const flash = await page(await get(h, '/console', cookie));
    expect(flash).toContain('class="flash refused"');
    expect(flash).toContain('refused: custom: raise it to 3Gi instead');
    const details = await post(h, path, { csrf, command: 'details' }, { cookie });
    expect(details.status).toBe(200);
    const text = await page(details);
    expect(text).toContain(`Details of p${proposalId}`);
    expect(text).toContain('Incident &lt;b&gt;#1&lt;/b&gt;: memory at 98%');
  });

  it('refuses commands outside the buttons, unknown fields and unknown proposals with a page', async () => {
    const h = await start();
    const { proposalId } = seedProposal(h.db);
    const cookie = await login(h);
    const csrf = await csrfOf(h, cookie);
    const path = `/console/proposals/${proposalId}/command`;
    const refusals: Array<[Record<string, string>, number, string]> = [
      [{ csrf, command: 'approve' }, 400, 'unknown command'],
      [{ csrf, command: '10' }, 400, 'unknown command'],
      [{ csrf, command: 'snooze 10s' }, 400, 'snooze takes a duration from 1m to 30d'],
      [{ csrf, command: 'custom', instruction: '   ' }, 400, 'write an instruction'],
      [{ csrf, command: 'custom', instruction: 'x'.repeat(2001) }, 400, 'at most 2000 characters'],
      [{ csrf, command: '1', instruction: 'sneaky' }, 400, 'only with the custom command'],
      [{ csrf, command: '1', extra: 'x' }, 400, 'unexpected field extra'],
      [{ csrf }, 400, 'the field command is missing'],
    ];
    for (const [fields, status, message] of refusals) {
      const res = await post(h, path, fields, { cookie });
      expect(res.status).toBe(status);
      expect(await page(res)).toContain(message);
    }
    const twice = await post(h, path, `csrf=${csrf}&command=1&command=2`, { cookie });
    expect(twice.status).toBe(400);
    expect(await page(twice)).toContain('sent more than once');
    const unknown = await post(
      h,
      '/console/proposals/999/command',
      { csrf, command: '1' },
      { cookie },
    );
    expect(unknown.status).toBe(404);
    const badId = await post(
      h,
      '/console/proposals/abc/command',
      { csrf, command: '1' },
      { cookie },
    );
    expect(badId.status).toBe(400);
    expect(h.replies).toEqual([]);
  });

  it('refuses a form from another site by Origin or Sec-Fetch-Site (403), on commands and on login', async () => {
    const h = await start();
    const { proposalId } = seedProposal(h.db);
    const cookie = await login(h);
    const csrf = await csrfOf(h, cookie);
    const res = await post(
      h,
      `/console/proposals/${proposalId}/command`,
      { csrf, command: '1' },
      { cookie, origin: 'https://evil.example' },
    );
    expect(res.status).toBe(403);
    expect(await page(res)).toContain('another site');
    const nullOrigin = await post(
      h,
      `/console/proposals/${proposalId}/command`,
      { csrf, command: '1' },
      { cookie, origin: 'null' },
    );
    expect(nullOrigin.status).toBe(403);
    const opaque = await post(
      h,
      `/console/proposals/${proposalId}/command`,
      { csrf, command: '1' },
      { cookie, origin: 'null', site: 'cross-site' },
    );
    expect(opaque.status).toBe(403);
    const crossSite = await post(
      h,
      `/console/proposals/${proposalId}/command`,
      { csrf, command: '1' },
      { cookie, site: 'same-site' },
    );
    expect(crossSite.status).toBe(403);
    const loginElsewhere = await post(
      h,
      '/console/login',
      { password: PASSWORD },
      { origin: 'http://evil.example' },
    );
    expect(loginElsewhere.status).toBe(403);
    expect(h.replies).toEqual([]);
    for (const headers of [
      { origin: h.url, site: 'same-origin' },
      { origin: 'null', site: 'same-origin' },
    ]) {
      const accepted = await post(
        h,
        `/console/proposals/${proposalId}/command`,
        { csrf, command: '1' },
        { cookie, ...headers },
      );
      expect(accepted.status).toBe(303);
    }
    expect(h.replies).toHaveLength(2);
  });

  it('without a session a POST gets 401 and a GET goes to the login page', async () => {
    const h = await start();
    const { proposalId } = seedProposal(h.db);
    const res = await post(h, `/console/proposals/${proposalId}/command`, {
      csrf: 'x',
      command: '1',
    });
    expect(res.status).toBe(401);
    const page = await get(h, '/console/runbooks');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/console/login');
    const forged = await get(h, '/console', 'homelab_console=not-a-session; other=1');
    expect(forged.status).toBe(303);
    expect(h.replies).toEqual([]);
  });

  it('answers 413 to a body over 64 KiB and 415 to anything but a urlencoded form', async () => {
    const h = await start();
    const { proposalId } = seedProposal(h.db);
    const cookie = await login(h);
    const csrf = await csrfOf(h, cookie);
    const path = `/console/proposals/${proposalId}/command`;
    const large = await post(
      h,
      path,
      { csrf, command: 'custom', instruction: 'x'.repeat(70_000) },
      { cookie },
    );
    expect(large.status).toBe(413);
    expect(await page(large)).toContain('at most 64 KiB');
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(4096)));
        controller.close();
      },
    });
    const streamed = await fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    const json = await post(h, path, JSON.stringify({ csrf, command: '1' }), {
      cookie,
      contentType: 'application/json',
    });
    expect(json.status).toBe(415);
    const multipart = await post(h, '/console/login', 'password=x', {
      contentType: 'multipart/form-data; boundary=x',
    });
    expect(multipart.status).toBe(415);
    expect(h.replies).toEqual([]);
  });
});

describe('incidents', () => {
  it('lists incidents newest first, a page at a time, and validates ?page', async () => {
    const h = await start();
    for (let i = 0; i < 30; i++)
      insertIncident(h.db, `Alert-${i}`, new Date(START.getTime() + i * 60_000).toISOString());
    const cookie = await login(h);
    const first = await page(await get(h, '/console/incidents', cookie));
    expect(first).toContain('Page 1 of 2 (30 in all)');
    expect(first.indexOf('Alert-29')).toBeLessThan(first.indexOf('Alert-28'));
    expect(first).not.toContain('Alert-4<');
    const second = await page(await get(h, '/console/incidents?page=2', cookie));
    expect(second).toContain('Alert-4<');
    expect(second).toContain('Alert-0<');
    expect(second).not.toContain('Alert-5<');
    for (const query of ['?page=abc', '?page=0', '?page=-1', '?page=1&page=2', '?page=1e3']) {
      const res = await get(h, `/console/incidents${query}`, cookie);
      expect(res.status).toBe(400);
      expect(await page(res)).toContain('page must be one whole number');
    }
    expect((await get(h, '/console/incidents/abc', cookie)).status).toBe(400);
    expect((await get(h, '/console/incidents/999', cookie)).status).toBe(404);
  });

  it('shows the timeline of one incident in time order, whatever order it was recorded in', async () => {
    const h = await start();
    const at = (minutes: number) => new Date(START.getTime() + minutes * 60_000).toISOString();
    const incidentId = insertIncident(h.db, 'RadarrOOM', at(0));
    h.db
      .prepare(
        "UPDATE incidents SET status = 'resolved', resolved_at = ?, reopen_count = 1 WHERE id = ?",
      )
      .run(at(9), incidentId);
    const proposalId = recordProposal(
      h.db,
      {
        incidentId,
        summary: 'Radarr needs memory',
        runbookId: 'radarr-memory-001',
        origin: 'runbook',
        solutions: [{ title: 'Raise the memory limit', risk: 'low', calls: [SET_MEMORY] }],
      },
      new Date(at(3)),
    );
    h.db
      .prepare(
        "INSERT INTO audit_log (at, channel, actor, action, proposal_id, outcome, detail) VALUES (?, 'signal', '+4915700000000', 'choose', ?, 'done', 'solution 1')",
      )
      .run(at(4), proposalId);
    const approvalId = recordApproval(
      h.db,
      {
        proposalId,
        solution: 1,
        callsSha256: 'sha',
        approvedBy: '+4915700000000',
        channel: 'signal',
        ttlMs: 60_000,
      },
      new Date(at(4)),
    );
    h.db
      .prepare(
        "INSERT INTO verifications (approval_id, method, status, detail, started_at, deadline_at, finished_at) VALUES (?, 'alert_resolved', 'passed', 'RadarrOOM resolved', ?, ?, ?)",
      )
      .run(approvalId, at(6), at(21), at(8));
    h.db
      .prepare(
        "INSERT INTO executions (approval_id, step, tool, arguments, state, started_at, finished_at) VALUES (?, 1, ?, '{}', 'succeeded', ?, ?)",
      )
      .run(approvalId, SET_MEMORY.tool, at(5), at(5));
    h.db
      .prepare(
        "INSERT INTO triages (incident_id, started_at, finished_at, outcome, alias) VALUES (?, ?, ?, 'runbook', 'gemini-flash')",
      )
      .run(incidentId, at(2), at(3));
    h.db
      .prepare(
        "INSERT INTO incident_alerts (incident_id, fingerprint, alertname, status, labels, annotations, starts_at, ends_at, last_seen_at) VALUES (?, 'f1', 'RadarrOOM', 'resolved', ?, '{}', ?, ?, ?)",
      )
      .run(
        incidentId,
        JSON.stringify({ namespace: 'media', pod: 'radarr-<0>' }),
        at(1),
        at(7),
        at(7),
      );
    const cookie = await login(h);
    const res = await get(h, `/console/incidents/${incidentId}`, cookie);
    expect(res.status).toBe(200);
    const text = await page(res);
    const order = [
      '<strong>Opened</strong>',
      '<strong>Alert</strong> RadarrOOM fired',
      '<strong>Triage</strong>',
      `<strong>Proposal p${proposalId}</strong>`,
      '<strong>Audit</strong>',
      '<strong>Approval</strong>',
      '<strong>Execution</strong>',
      '<strong>Verification</strong>',
      '<strong>Alert resolved</strong>',
      '<strong>Resolved</strong>',
    ].map((marker) => text.indexOf(marker));
    expect(order.every((position) => position > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(text).toContain('<code>pod=radarr-&lt;0&gt;</code>');
    expect(text).toContain('gemini-flash');
    expect(text).toContain('by +4915700000000 via signal');
    expect(text).toContain('RadarrOOM resolved');
    expect(text).toContain('reopened 1 times');
    expect(text).toContain(`<time datetime="${at(5).replace('.000Z', 'Z')}">`);
  });
});

describe('runbooks', () => {
  it('shows each runbook with its file level, its override and counters from the store', async () => {
    const h = await start({
      runbooks: [
        {
          id: 'radarr-memory-001',
          title: 'Radarr out of memory',
          automationLevel: 'ask_human',
          file: 'radarr.yaml',
        },
        { id: 'sonarr-stuck-001', title: 'Sonarr queue stuck', automationLevel: 'auto' },
      ],
    });
    const proposals = [1, 2, 3].map((i) =>
      recordProposal(
        h.db,
        {
          summary: `run ${i}`,
          origin: 'runbook',
          runbookId: 'radarr-memory-001',
          solutions: [{ title: 'fix', risk: 'low', calls: [SET_MEMORY] }],
        },
        START,
      ),
    );
    recordProposal(h.db, { summary: 'model', solutions: [] }, START);
    recordProposal(h.db, { summary: 'other', runbookId: 'other-001', solutions: [] }, START);
    const approve = (proposalId: number, channel: string) =>
      recordApproval(
        h.db,
        { proposalId, solution: 1, callsSha256: 'x', approvedBy: 'admin', channel, ttlMs: 1 },
        START,
      );
    const [a1, a2, a3] = [
      approve(proposals[0] ?? 0, 'console'),
      approve(proposals[1] ?? 0, 'signal'),
      approve(proposals[2] ?? 0, 'runbook'),
    ];
    const step = h.db.prepare(
      "INSERT INTO executions (approval_id, step, tool, arguments, state, started_at) VALUES (?, ?, 't', '{}', ?, '2026-11-26T09:00:00Z')",
    );
    step.run(a1, 1, 'succeeded');
    step.run(a1, 2, 'succeeded');
    step.run(a2, 1, 'succeeded');
    step.run(a2, 2, 'failed');
    step.run(a3, 1, 'unknown');
    const verify = h.db.prepare(
      "INSERT INTO verifications (approval_id, method, status, started_at, deadline_at) VALUES (?, 'read_back', ?, '2026-11-26T09:00:00Z', '2026-11-26T09:15:00Z')",
    );
    verify.run(a1, 'passed');
    verify.run(a2, 'failed');
    h.db
      .prepare(
        "INSERT INTO runbook_autonomy (runbook_id, level, set_by, set_at) VALUES ('radarr-memory-001', 'investigate', 'owner', '2026-11-25T10:00:00.000Z')",
      )
      .run();
    const cookie = await login(h);
    const text = await page(await get(h, '/console/runbooks', cookie));
    expect(rowCells(text, 'radarr-memory-001')).toEqual([
      'radarr-memory-001 radarr.yaml',
      'Radarr out of memory',
      'ask_human',
      'investigate by owner, 2026-11-25T10:00:00Z',
      '3',
      '2 (+1 automatic)',
      '1',
      '2',
      '1',
      '1',
    ]);
    expect(rowCells(text, 'sonarr-stuck-001')).toEqual([
      'sonarr-stuck-001',
      'Sonarr queue stuck',
      'auto',
      'none',
      '0',
      '0',
      '0',
      '0',
      '0',
      '0',
    ]);
  });
});

describe('the audit page', () => {
  it('lists entries newest first, 50 a page', async () => {
    const h = await start();
    const insert = h.db.prepare(
      "INSERT INTO audit_log (at, channel, actor, action, proposal_id, incident_id, outcome, detail) VALUES (?, 'mattermost', 'u1', 'ignore', 7, NULL, 'done', ?)",
    );
    for (let i = 0; i < 59; i++)
      insert.run(new Date(START.getTime() - (i + 1) * 60_000).toISOString(), `entry-${i}<`);
    const cookie = await login(h);
    const first = await page(await get(h, '/console/audit', cookie));
    expect(first).toContain('Page 1 of 2 (60 in all)');
    expect(rowCells(first, 'login')).toEqual([
      '2026-11-26T09:00:00Z',
      'console',
      'admin',
      'login',
      '',
      '',
      'done',
      'with the password',
    ]);
    expect(first.indexOf('entry-0&lt;')).toBeLessThan(first.indexOf('entry-1&lt;'));
    expect(rowCells(first, 'entry-0&lt;')).toContain('p7');
    expect(first).not.toContain('entry-49&lt;');
    const second = await page(await get(h, '/console/audit?page=2', cookie));
    expect(second).toContain('entry-49&lt;');
    expect(second).toContain('entry-58&lt;');
    expect((await get(h, '/console/audit?page=abc', cookie)).status).toBe(400);
  });

  it('answers unknown pages 404 and wrong methods 405, with a page', async () => {
    const h = await start();
    const cookie = await login(h);
    const missing = await get(h, '/console/nope', cookie);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toContain("default-src 'none'");
    const wrong = await fetch(`${h.url}/console/audit`, { method: 'DELETE', headers: { cookie } });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect((await get(h, '/console/logout', cookie)).status).toBe(405);
  });
});
