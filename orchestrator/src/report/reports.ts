// report/ (DESIGN.md §4): the pending list (`status`: what is waiting for me?) and the seed's
// weekly report (`weekly`), counted from the store so they say what actually happened, in plain
// text for every channel.
import type { Db } from '../store/database.js';
import { shortId } from '../approve/messages.js';

const DAY_MS = 86_400_000;

function minute(iso: string | number): string {
  return `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function count(db: Db, sql: string, ...params: unknown[]): number {
  return (db.prepare(sql).get(...params) as { n: number | null }).n ?? 0;
}

export function statusText(
  db: Db,
  now: Date,
  expiresAt: (row: { created_at: string; expires_at: string | null }) => number,
): string {
  const pending = db
    .prepare(
      "SELECT id, summary, incident_id, created_at, expires_at, snoozed_until FROM proposals WHERE status = 'pending' ORDER BY id",
    )
    .all() as Array<{
    id: number;
    summary: string;
    incident_id: number | null;
    created_at: string;
    expires_at: string | null;
    snoozed_until: string | null;
  }>;
  const questions = db
    .prepare(
      "SELECT id, title, confirmation, confirmation_due FROM incidents WHERE status = 'open' AND confirmation IN ('asked', 'snoozed') ORDER BY id",
    )
    .all() as Array<{
    id: number;
    title: string;
    confirmation: string;
    confirmation_due: string | null;
  }>;
  const lines = [`Status (${minute(now.getTime())})`];
  if (pending.length === 0 && questions.length === 0) lines.push('Nothing is waiting for you.');
  else {
    lines.push('Waiting for you:');
    for (const p of pending)
      lines.push(
        `- ${shortId(p.id)}: ${p.summary.slice(0, 120)}${p.incident_id ? ` (incident #${p.incident_id})` : ''}; ${
          p.snoozed_until && Date.parse(p.snoozed_until) > now.getTime()
            ? `snoozed until ${minute(p.snoozed_until)}`
            : `answer by ${minute(expiresAt(p))}`
        }`,
      );
    for (const q of questions)
      lines.push(
        `- incident #${q.id}: ${q.title.slice(0, 120)}: is this a problem?${
          q.confirmation === 'snoozed' && q.confirmation_due
            ? ` (snoozed until ${minute(q.confirmation_due)})`
            : ''
        }`,
      );
  }
  const open = count(db, "SELECT COUNT(*) AS n FROM incidents WHERE status = 'open'");
  const held = count(
    db,
    "SELECT COUNT(*) AS n FROM incidents WHERE status = 'open' AND held_reason IS NOT NULL AND notified_at IS NULL",
  );
  const verifying = count(db, "SELECT COUNT(*) AS n FROM verifications WHERE status = 'pending'");
  const since = new Date(now.getTime() - DAY_MS).toISOString();
  const calls = count(db, 'SELECT COUNT(*) AS n FROM llm_calls WHERE at >= ?', since);
  lines.push(
    `Open incidents: ${open}${held > 0 ? ` (${held} held: maintenance or flapping)` : ''}`,
    `Fixes being verified: ${verifying}`,
    `Model calls in the last 24 h: ${calls}`,
  );
  return lines.join('\n');
}

export function weeklyText(db: Db, now: Date): string {
  const from = new Date(now.getTime() - 7 * DAY_MS);
  const since = from.toISOString();
  const executed = (channelIsRunbook: boolean) =>
    count(
      db,
      `SELECT COUNT(*) AS n FROM approvals WHERE approved_at >= ? AND used_at IS NOT NULL AND (channel = 'runbook') = ?`,
      since,
      channelIsRunbook ? 1 : 0,
    );
  const auto = executed(true);
  const withApproval = executed(false);
  const declined = count(
    db,
    "SELECT COUNT(*) AS n FROM proposals WHERE status = 'denied' AND decided_at >= ?",
    since,
  );
  const expired = count(
    db,
    "SELECT COUNT(*) AS n FROM proposals WHERE status = 'expired' AND decided_at >= ?",
    since,
  );
  const passed = count(
    db,
    "SELECT COUNT(*) AS n FROM verifications WHERE status = 'passed' AND finished_at >= ?",
    since,
  );
  const failed = count(
    db,
    "SELECT COUNT(*) AS n FROM verifications WHERE status = 'failed' AND finished_at >= ?",
    since,
  );
  const detected = count(db, 'SELECT COUNT(*) AS n FROM incidents WHERE opened_at >= ?', since);
  const falsePositives = count(
    db,
    "SELECT COUNT(*) AS n FROM incidents WHERE opened_at >= ? AND confirmation = 'expected'",
    since,
  );
  const autonomy = db
    .prepare(
      'SELECT runbook_id, level, set_by FROM runbook_autonomy WHERE set_at >= ? ORDER BY set_at',
    )
    .all(since) as Array<{ runbook_id: string; level: string; set_by: string }>;
  const pending = count(db, "SELECT COUNT(*) AS n FROM proposals WHERE status = 'pending'");
  const prs = count(db, "SELECT COUNT(*) AS n FROM updates WHERE state = 'open'");
  const models = db
    .prepare(
      'SELECT COUNT(*) AS n, COALESCE(SUM(cost_usd), 0) AS usd, COALESCE(SUM(1 - cost_known), 0) AS unknown FROM llm_calls WHERE at >= ?',
    )
    .get(since) as { n: number; usd: number; unknown: number };
  return [
    `Weekly Homelab Report (${since.slice(0, 10)} to ${now.toISOString().slice(0, 10)})`,
    '',
    'Actions taken:',
    `- Auto-executed (promoted runbooks): ${auto}`,
    `- With approval: ${withApproval}`,
    `- Declined: ${declined}`,
    `- Expired unanswered: ${expired}`,
    `Verifications: ${passed} passed, ${failed} failed`,
    '',
    'Anomalies:',
    `- Detected: ${detected}`,
    `- False positives ("no, expected"): ${falsePositives}`,
    '',
    'Runbooks:',
    ...(autonomy.length === 0
      ? ['- No autonomy changes']
      : autonomy.map((a) => `- ${a.runbook_id}: next time ${a.level} (by ${a.set_by})`)),
    '',
    'Pending:',
    `- Proposals awaiting an answer: ${pending}`,
    `- Renovate PRs open: ${prs}`,
    '',
    `Models: ${models.n} calls, $${models.usd.toFixed(2)}${models.unknown > 0 ? ` (${models.unknown} at unknown prices, not counted)` : ''}`,
  ].join('\n');
}
