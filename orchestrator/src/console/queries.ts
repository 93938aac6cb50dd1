// What the console's pages read from the store, in one place apart from the HTML: pending
// proposals (through proposalView, the same view every channel shows), incidents page by page,
// one incident's timeline gathered from every table that records a step of it, runbook counters
// and the audit log. Read-only: the console changes nothing except through the reply handler.
import { proposalView, type ProposalView } from '../approve/messages.js';
import type { Db } from '../store/database.js';

export interface PendingProposal {
  view: ProposalView;
  expiresAt: string | null;
  snoozedUntil: string | null;
  incidentTitle: string | null;
}

export function pendingProposals(db: Db): PendingProposal[] {
  const rows = db
    .prepare(
      `SELECT p.id, p.expires_at, p.snoozed_until, i.title AS incident_title
         FROM proposals p LEFT JOIN incidents i ON i.id = p.incident_id
        WHERE p.status = 'pending' ORDER BY p.created_at, p.id`,
    )
    .all() as Array<{
    id: number;
    expires_at: string | null;
    snoozed_until: string | null;
    incident_title: string | null;
  }>;
  return rows.flatMap((row) => {
    const view = proposalView(db, row.id);
    return view
      ? [
          {
            view,
            expiresAt: row.expires_at,
            snoozedUntil: row.snoozed_until,
            incidentTitle: row.incident_title,
          },
        ]
      : [];
  });
}

/** Verbose mode's "Is this a problem?" questions still waiting for an answer. */
export interface OpenQuestion {
  incidentId: number;
  title: string;
  openedAt: string;
}

export function openQuestions(db: Db): OpenQuestion[] {
  return db
    .prepare(
      `SELECT id AS incidentId, title, opened_at AS openedAt FROM incidents
        WHERE status = 'open' AND confirmation = 'asked' ORDER BY id`,
    )
    .all() as OpenQuestion[];
}

export interface Paged<T> {
  rows: T[];
  page: number;
  pages: number;
  total: number;
}

function paged<T>(
  db: Db,
  countSql: string,
  rowsSql: string,
  page: number,
  pageSize: number,
  params: unknown[] = [],
): Paged<T> {
  const { n } = db.prepare(countSql).get(...params) as { n: number };
  const rows = db.prepare(rowsSql).all(...params, pageSize, (page - 1) * pageSize) as T[];
  return { rows, page, pages: Math.max(1, Math.ceil(n / pageSize)), total: n };
}

export interface IncidentRow {
  id: number;
  source: string;
  title: string;
  severity: string | null;
  status: 'open' | 'resolved';
  opened_at: string;
  resolved_at: string | null;
  reopen_count: number;
  proposals: number;
}

export function incidentsPage(db: Db, page: number, pageSize: number): Paged<IncidentRow> {
  return paged<IncidentRow>(
    db,
    'SELECT COUNT(*) AS n FROM incidents',
    `SELECT i.id, i.source, i.title, i.severity, i.status, i.opened_at, i.resolved_at, i.reopen_count,
            (SELECT COUNT(*) FROM proposals p WHERE p.incident_id = i.id) AS proposals
       FROM incidents i ORDER BY i.opened_at DESC, i.id DESC LIMIT ? OFFSET ?`,
    page,
    pageSize,
  );
}

export interface AuditRow {
  id: number;
  at: string;
  channel: string;
  actor: string;
  action: string;
  proposal_id: number | null;
  incident_id: number | null;
  outcome: string;
  detail: string;
}

export function auditPage(db: Db, page: number, pageSize: number): Paged<AuditRow> {
  return paged<AuditRow>(
    db,
    'SELECT COUNT(*) AS n FROM audit_log',
    'SELECT * FROM audit_log ORDER BY at DESC, id DESC LIMIT ? OFFSET ?',
    page,
    pageSize,
  );
}

/** One step in an incident's life, as the timeline shows it. */
export type TimelineEvent = { at: string } & (
  | { kind: 'opened'; title: string; source: string; severity: string | null }
  | {
      kind: 'alert';
      alertname: string;
      status: string;
      labels: Record<string, string>;
    }
  | { kind: 'alert_resolved'; alertname: string }
  | {
      kind: 'triage';
      outcome: string | null;
      alias: string | null;
      finishedAt: string | null;
    }
  | {
      kind: 'proposal';
      id: number;
      summary: string;
      status: string;
      origin: string;
      runbookId: string | null;
      solutions: Array<{ number: number; title: string; risk: string }>;
    }
  | { kind: 'decision'; proposalId: number; status: string; by: string; via: string | null }
  | {
      kind: 'approval';
      proposalId: number;
      solution: number;
      by: string;
      channel: string;
      expiresAt: string;
      usedAt: string | null;
    }
  | {
      kind: 'execution';
      proposalId: number;
      step: number;
      tool: string;
      state: string;
      finishedAt: string | null;
    }
  | {
      kind: 'verification';
      proposalId: number;
      method: string;
      status: string;
      detail: string;
      finishedAt: string | null;
    }
  | {
      kind: 'audit';
      proposalId: number | null;
      channel: string;
      actor: string;
      action: string;
      outcome: string;
      detail: string;
    }
  | { kind: 'resolved' }
);

export interface IncidentTimeline {
  incident: IncidentRow & { updated_at: string; group_key: string };
  events: TimelineEvent[];
}

/** Labels as stored (a JSON object of strings); anything else shows as no labels. */
function labelsOf(text: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
  } catch {
    return {};
  }
}

/** Order of kinds that share a timestamp: cause before effect. */
const KIND_ORDER: Record<TimelineEvent['kind'], number> = {
  opened: 0,
  alert: 1,
  triage: 2,
  proposal: 3,
  audit: 4,
  decision: 5,
  approval: 6,
  execution: 7,
  verification: 8,
  alert_resolved: 9,
  resolved: 10,
};

function instant(at: string): number {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

export function incidentTimeline(db: Db, incidentId: number): IncidentTimeline | undefined {
  const incident = db
    .prepare(
      `SELECT i.*, (SELECT COUNT(*) FROM proposals p WHERE p.incident_id = i.id) AS proposals
         FROM incidents i WHERE i.id = ?`,
    )
    .get(incidentId) as IncidentTimeline['incident'] | undefined;
  if (!incident) return undefined;
  const events: TimelineEvent[] = [
    {
      kind: 'opened',
      at: incident.opened_at,
      title: incident.title,
      source: incident.source,
      severity: incident.severity,
    },
  ];
  /** Runs a query about this incident and adds the events each row stands for. */
  const collect = <Row>(sql: string, toEvents: (row: Row) => TimelineEvent[], params = 1) => {
    const rows = db.prepare(sql).all(...Array<number>(params).fill(incidentId)) as Row[];
    for (const row of rows) events.push(...toEvents(row));
  };
  /** The joins from an approval's rows to the incident (alias a for approvals). */
  const viaApproval = `JOIN proposals p ON p.id = a.proposal_id WHERE p.incident_id = ?`;

  collect<{
    alertname: string;
    status: string;
    labels: string;
    starts_at: string;
    ends_at: string | null;
  }>(
    'SELECT alertname, status, labels, starts_at, ends_at FROM incident_alerts WHERE incident_id = ? ORDER BY starts_at',
    (alert) => [
      {
        kind: 'alert',
        at: alert.starts_at,
        alertname: alert.alertname,
        status: alert.status,
        labels: labelsOf(alert.labels),
      },
      ...(alert.ends_at && alert.status === 'resolved'
        ? [{ kind: 'alert_resolved' as const, at: alert.ends_at, alertname: alert.alertname }]
        : []),
    ],
  );

  collect<{
    started_at: string;
    finished_at: string | null;
    outcome: string | null;
    alias: string | null;
  }>(
    'SELECT started_at, finished_at, outcome, alias FROM triages WHERE incident_id = ? ORDER BY id',
    (t) => [
      {
        kind: 'triage',
        at: t.started_at,
        outcome: t.outcome,
        alias: t.alias,
        finishedAt: t.finished_at,
      },
    ],
  );

  const solutionsOf = db.prepare(
    'SELECT number, title, risk FROM solutions WHERE proposal_id = ? ORDER BY number',
  );
  collect<{
    id: number;
    summary: string;
    status: string;
    origin: string;
    runbook_id: string | null;
    created_at: string;
    decided_by: string | null;
    decided_via: string | null;
    decided_at: string | null;
  }>('SELECT * FROM proposals WHERE incident_id = ? ORDER BY id', (p) => [
    {
      kind: 'proposal',
      at: p.created_at,
      id: p.id,
      summary: p.summary,
      status: p.status,
      origin: p.origin,
      runbookId: p.runbook_id,
      solutions: solutionsOf.all(p.id) as Array<{ number: number; title: string; risk: string }>,
    },
    ...(p.decided_at && p.decided_by
      ? [
          {
            kind: 'decision' as const,
            at: p.decided_at,
            proposalId: p.id,
            status: p.status,
            by: p.decided_by,
            via: p.decided_via,
          },
        ]
      : []),
  ]);

  collect<{
    proposal_id: number;
    solution_number: number;
    approved_by: string;
    channel: string;
    approved_at: string;
    expires_at: string;
    used_at: string | null;
  }>(`SELECT a.* FROM approvals a ${viaApproval} ORDER BY a.id`, (a) => [
    {
      kind: 'approval',
      at: a.approved_at,
      proposalId: a.proposal_id,
      solution: a.solution_number,
      by: a.approved_by,
      channel: a.channel,
      expiresAt: a.expires_at,
      usedAt: a.used_at,
    },
  ]);

  collect<{
    proposal_id: number;
    step: number;
    tool: string;
    state: string;
    started_at: string;
    finished_at: string | null;
  }>(
    `SELECT a.proposal_id, e.* FROM executions e JOIN approvals a ON a.id = e.approval_id ${viaApproval} ORDER BY e.id`,
    (e) => [
      {
        kind: 'execution',
        at: e.started_at,
        proposalId: e.proposal_id,
        step: e.step,
        tool: e.tool,
        state: e.state,
        finishedAt: e.finished_at,
      },
    ],
  );

  collect<{
    proposal_id: number;
    method: string;
    status: string;
    detail: string;
    started_at: string;
    finished_at: string | null;
  }>(
    `SELECT a.proposal_id, v.* FROM verifications v JOIN approvals a ON a.id = v.approval_id ${viaApproval} ORDER BY v.id`,
    (v) => [
      {
        kind: 'verification',
        at: v.started_at,
        proposalId: v.proposal_id,
        method: v.method,
        status: v.status,
        detail: v.detail,
        finishedAt: v.finished_at,
      },
    ],
  );

  collect<{
    at: string;
    channel: string;
    actor: string;
    action: string;
    proposal_id: number | null;
    outcome: string;
    detail: string;
  }>(
    `SELECT * FROM audit_log
      WHERE incident_id = ? OR proposal_id IN (SELECT id FROM proposals WHERE incident_id = ?)
      ORDER BY id`,
    (entry) => [
      {
        kind: 'audit',
        at: entry.at,
        proposalId: entry.proposal_id,
        channel: entry.channel,
        actor: entry.actor,
        action: entry.action,
        outcome: entry.outcome,
        detail: entry.detail,
      },
    ],
    2,
  );

  if (incident.status === 'resolved' && incident.resolved_at)
    events.push({ kind: 'resolved', at: incident.resolved_at });

  const ordered = events
    .map((event, index) => ({ event, index }))
    .sort(
      (a, b) =>
        instant(a.event.at) - instant(b.event.at) ||
        KIND_ORDER[a.event.kind] - KIND_ORDER[b.event.kind] ||
        a.index - b.index,
    )
    .map(({ event }) => event);
  return { incident, events: ordered };
}

export interface RunbookCounters {
  proposed: number;
  approvedByPeople: number;
  grantedByRunbook: number;
  executedOk: number;
  executedFailed: number;
  verifiedPassed: number;
  verifiedFailed: number;
}

export interface AutonomyOverride {
  level: string;
  setBy: string;
  setAt: string;
}

const NO_COUNTS: RunbookCounters = {
  proposed: 0,
  approvedByPeople: 0,
  grantedByRunbook: 0,
  executedOk: 0,
  executedFailed: 0,
  verifiedPassed: 0,
  verifiedFailed: 0,
};

/**
 * Counters per runbook id from the store. An execution counts once per approval: OK when every
 * step it ran succeeded, failed when a step failed or ended unknown (one still running counts
 * as neither).
 */
export function runbookCounters(db: Db): Map<string, RunbookCounters> {
  const counters = new Map<string, RunbookCounters>();
  const entry = (id: string) => {
    let found = counters.get(id);
    if (!found) {
      found = { ...NO_COUNTS };
      counters.set(id, found);
    }
    return found;
  };
  /** Adds the columns of a grouped query (named like the counters) to each runbook's entry. */
  const count = (sql: string) => {
    const rows = db.prepare(sql).all() as Array<{ id: string } & Partial<RunbookCounters>>;
    for (const { id, ...values } of rows) Object.assign(entry(id), values);
  };
  const byRunbook = 'JOIN proposals p ON p.id = a.proposal_id WHERE p.runbook_id IS NOT NULL';
  count(
    'SELECT runbook_id AS id, COUNT(*) AS proposed FROM proposals WHERE runbook_id IS NOT NULL GROUP BY runbook_id',
  );
  count(
    `SELECT p.runbook_id AS id,
            SUM(CASE WHEN a.channel = 'runbook' THEN 0 ELSE 1 END) AS approvedByPeople,
            SUM(CASE WHEN a.channel = 'runbook' THEN 1 ELSE 0 END) AS grantedByRunbook
       FROM approvals a ${byRunbook} GROUP BY p.runbook_id`,
  );
  count(
    `SELECT id, SUM(CASE WHEN bad > 0 OR running > 0 THEN 0 ELSE 1 END) AS executedOk,
            SUM(CASE WHEN bad > 0 THEN 1 ELSE 0 END) AS executedFailed
       FROM (SELECT p.runbook_id AS id,
                    SUM(CASE WHEN e.state IN ('failed', 'unknown') THEN 1 ELSE 0 END) AS bad,
                    SUM(CASE WHEN e.state = 'executing' THEN 1 ELSE 0 END) AS running
               FROM executions e JOIN approvals a ON a.id = e.approval_id ${byRunbook}
              GROUP BY e.approval_id)
      GROUP BY id`,
  );
  count(
    `SELECT p.runbook_id AS id,
            SUM(CASE WHEN v.status = 'passed' THEN 1 ELSE 0 END) AS verifiedPassed,
            SUM(CASE WHEN v.status = 'failed' THEN 1 ELSE 0 END) AS verifiedFailed
       FROM verifications v JOIN approvals a ON a.id = v.approval_id ${byRunbook}
      GROUP BY p.runbook_id`,
  );
  return counters;
}

export function countersFor(counters: Map<string, RunbookCounters>, id: string): RunbookCounters {
  return counters.get(id) ?? NO_COUNTS;
}

export function autonomyOverrides(db: Db): Map<string, AutonomyOverride> {
  const rows = db
    .prepare('SELECT runbook_id, level, set_by, set_at FROM runbook_autonomy')
    .all() as Array<{ runbook_id: string; level: string; set_by: string; set_at: string }>;
  return new Map(
    rows.map((r) => [r.runbook_id, { level: r.level, setBy: r.set_by, setAt: r.set_at }]),
  );
}

/** Records a login or logout in the audit log (never what was typed). */
export function auditConsole(
  db: Db,
  entry: {
    at: Date;
    actor: string;
    action: 'login' | 'logout';
    outcome: 'done' | 'refused';
    detail: string;
  },
): void {
  db.prepare(
    "INSERT INTO audit_log (at, channel, actor, action, outcome, detail) VALUES (?, 'console', ?, ?, ?, ?)",
  ).run(entry.at.toISOString(), entry.actor, entry.action, entry.outcome, entry.detail);
}
