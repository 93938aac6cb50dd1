// The database schema as numbered migrations, applied in order, each once, inside a transaction.
// A migration is never edited after it has shipped: a change is a new migration.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'deliveries and incidents',
    sql: `
      -- Every webhook delivery as received (after validation), keyed by a hash of its body so a
      -- retried delivery is recognised and recorded once.
      CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        body_sha256 TEXT NOT NULL UNIQUE,
        received_at TEXT NOT NULL,
        body TEXT NOT NULL
      );
      -- One incident per alert group (Alertmanager groupKey); it closes when every alert in it resolves.
      CREATE TABLE incidents (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        group_key TEXT NOT NULL,
        title TEXT NOT NULL,
        severity TEXT,
        status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
        opened_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        resolved_at TEXT,
        notified_at TEXT,
        reopen_count INTEGER NOT NULL DEFAULT 0
      );
      CREATE UNIQUE INDEX incidents_one_open_per_group ON incidents (source, group_key) WHERE status = 'open';
      -- The alerts of an incident, by Alertmanager fingerprint.
      CREATE TABLE incident_alerts (
        incident_id INTEGER NOT NULL REFERENCES incidents (id),
        fingerprint TEXT NOT NULL,
        alertname TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
        labels TEXT NOT NULL,
        annotations TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        ends_at TEXT,
        last_seen_at TEXT NOT NULL,
        PRIMARY KEY (incident_id, fingerprint)
      );
    `,
  },
  {
    version: 2,
    name: 'proposals, approvals and the execution journal',
    sql: `
      -- A proposal: numbered solutions for an incident, each an exact list of tool calls.
      CREATE TABLE proposals (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER REFERENCES incidents (id),
        summary TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'executed'))
      );
      CREATE TABLE solutions (
        proposal_id INTEGER NOT NULL REFERENCES proposals (id),
        number INTEGER NOT NULL,
        title TEXT NOT NULL,
        risk TEXT NOT NULL CHECK (risk IN ('read', 'low', 'high')),
        calls TEXT NOT NULL,
        calls_sha256 TEXT NOT NULL,
        PRIMARY KEY (proposal_id, number)
      );
      -- An approval binds one proposal, one solution and the hash of its exact calls; it expires
      -- and is used once.
      CREATE TABLE approvals (
        id INTEGER PRIMARY KEY,
        proposal_id INTEGER NOT NULL REFERENCES proposals (id),
        solution_number INTEGER NOT NULL,
        calls_sha256 TEXT NOT NULL,
        approved_by TEXT NOT NULL,
        channel TEXT NOT NULL,
        approved_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT
      );
      -- The journal: one row per tool call of an execution, written before the call is made.
      CREATE TABLE executions (
        id INTEGER PRIMARY KEY,
        approval_id INTEGER NOT NULL REFERENCES approvals (id),
        step INTEGER NOT NULL,
        tool TEXT NOT NULL,
        arguments TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('executing', 'succeeded', 'failed', 'unknown')),
        started_at TEXT NOT NULL,
        finished_at TEXT,
        result TEXT,
        UNIQUE (approval_id, step)
      );
    `,
  },
  {
    version: 3,
    name: 'model call ledger',
    sql: `
      -- Every model call: which alias and model, tokens, cost and outcome (quotas count from here).
      CREATE TABLE llm_calls (
        id INTEGER PRIMARY KEY,
        alias TEXT NOT NULL,
        model TEXT NOT NULL,
        provider TEXT NOT NULL,
        at TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cost_usd REAL NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error', 'empty', 'quota'))
      );
      CREATE INDEX llm_calls_by_alias_time ON llm_calls (alias, at);
    `,
  },
  {
    version: 4,
    name: 'triage runs, solution details, state before changes and verifications',
    sql: `
      -- One triage of an incident or question: which models were tried, how it ended, and what
      -- the privacy filter replaced (counts by kind, never values).
      CREATE TABLE triages (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER REFERENCES incidents (id),
        question TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT CHECK (outcome IN ('proposal', 'answer', 'runbook', 'no_model', 'never_send', 'failed')),
        alias TEXT,
        attempts TEXT NOT NULL DEFAULT '[]',
        redactions TEXT NOT NULL DEFAULT '{}',
        answer TEXT,
        proposal_id INTEGER REFERENCES proposals (id)
      );
      ALTER TABLE llm_calls ADD COLUMN triage_id INTEGER REFERENCES triages (id);
      ALTER TABLE llm_calls ADD COLUMN redactions TEXT NOT NULL DEFAULT '{}';
      -- 0 when the model has no known price: cost_usd is then unknown, not free.
      ALTER TABLE llm_calls ADD COLUMN cost_known INTEGER NOT NULL DEFAULT 1;
      -- Where a proposal came from, and the details an approver sees for each solution.
      ALTER TABLE proposals ADD COLUMN origin TEXT NOT NULL DEFAULT 'model';
      ALTER TABLE proposals ADD COLUMN runbook_id TEXT;
      ALTER TABLE proposals ADD COLUMN rollback_of INTEGER REFERENCES approvals (id);
      ALTER TABLE solutions ADD COLUMN impact TEXT NOT NULL DEFAULT '';
      ALTER TABLE solutions ADD COLUMN reversible INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE solutions ADD COLUMN dry_run TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE solutions ADD COLUMN rollback_calls TEXT;
      ALTER TABLE solutions ADD COLUMN verify TEXT;
      -- The state before each change (from its dry run or a read), so it can be proposed for rollback.
      ALTER TABLE executions ADD COLUMN before_state TEXT;
      -- After an execution: was the triggering condition fixed?
      CREATE TABLE verifications (
        id INTEGER PRIMARY KEY,
        approval_id INTEGER NOT NULL UNIQUE REFERENCES approvals (id),
        method TEXT NOT NULL CHECK (method IN ('alert_resolved', 'read_back', 'none')),
        status TEXT NOT NULL CHECK (status IN ('pending', 'passed', 'failed', 'skipped')),
        detail TEXT NOT NULL DEFAULT '',
        started_at TEXT NOT NULL,
        deadline_at TEXT NOT NULL,
        finished_at TEXT
      );
    `,
  },
  {
    version: 5,
    name: 'more ingest sources (GitHub deliveries, Renovate updates, chat questions) and incident damping',
    sql: `
      -- A GitHub delivery is recognised by its X-GitHub-Delivery id (a redelivery reuses it).
      ALTER TABLE deliveries ADD COLUMN delivery_id TEXT;
      CREATE UNIQUE INDEX deliveries_by_delivery_id ON deliveries (source, delivery_id) WHERE delivery_id IS NOT NULL;
      -- Damping: why an incident was not announced when it opened (a maintenance window, or its
      -- group flapping), and whether its group was flapping then. A held incident has no notified_at
      -- until a maintenance window ends with it still open.
      ALTER TABLE incidents ADD COLUMN held_reason TEXT CHECK (held_reason IN ('maintenance', 'flapping'));
      ALTER TABLE incidents ADD COLUMN flapping INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX incidents_by_group ON incidents (source, group_key, opened_at);
      CREATE INDEX incidents_held ON incidents (held_reason) WHERE held_reason IS NOT NULL AND notified_at IS NULL;
      -- One row per Renovate pull request (GitHub webhook): what it updates, and whether it is
      -- still open. Later stages turn the open ones into proposals ("approve PR <n>").
      CREATE TABLE updates (
        id INTEGER PRIMARY KEY,
        repo TEXT NOT NULL,
        pr_number INTEGER NOT NULL,
        title TEXT NOT NULL,
        url TEXT,
        head_ref TEXT NOT NULL,
        head_sha TEXT NOT NULL,
        base_ref TEXT,
        packages TEXT NOT NULL DEFAULT '[]',
        state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'merged')),
        first_seen_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        pr_updated_at TEXT,
        closed_at TEXT,
        UNIQUE (repo, pr_number)
      );
      CREATE INDEX updates_open ON updates (state) WHERE state = 'open';
      -- A question from a chat channel, waiting for (or done with) an answer. message_id, when the
      -- channel has one, makes a re-delivered message count once.
      CREATE TABLE questions (
        id INTEGER PRIMARY KEY,
        sender TEXT NOT NULL,
        channel TEXT NOT NULL,
        message_id TEXT,
        text TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'answering', 'answered', 'failed')),
        received_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX questions_by_message ON questions (channel, message_id) WHERE message_id IS NOT NULL;
      CREATE INDEX questions_pending ON questions (status) WHERE status = 'pending';
    `,
  },
  {
    version: 6,
    name: 'approvals over chat: deadlines, reminders, who decided, channel messages, audit log',
    sql: `
      -- When a proposal stops waiting (its runbook's approval_ttl, else ORCH_PROPOSAL_TTL); NULL on
      -- older rows, which fall back to created_at + ORCH_PROPOSAL_TTL.
      ALTER TABLE proposals ADD COLUMN expires_at TEXT;
      -- "snooze 2h": asked again then; the reminder clock restarts from it.
      ALTER TABLE proposals ADD COLUMN snoozed_until TEXT;
      ALTER TABLE proposals ADD COLUMN reminded_at TEXT;
      ALTER TABLE proposals ADD COLUMN escalated_at TEXT;
      ALTER TABLE proposals ADD COLUMN decided_by TEXT;
      ALTER TABLE proposals ADD COLUMN decided_via TEXT;
      ALTER TABLE proposals ADD COLUMN decided_at TEXT;
      -- What each channel sent (a Signal timestamp, a Mattermost post id), so a quote, a reaction or
      -- a thread reply is tied to the proposal it answers, and a decision can update the post.
      CREATE TABLE channel_messages (
        channel TEXT NOT NULL,
        external_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        proposal_id INTEGER REFERENCES proposals (id),
        incident_id INTEGER REFERENCES incidents (id),
        sent_at TEXT NOT NULL,
        PRIMARY KEY (channel, external_id)
      );
      CREATE INDEX channel_messages_by_proposal ON channel_messages (proposal_id) WHERE proposal_id IS NOT NULL;
      -- Replies already handled, so a message delivered twice acts once.
      CREATE TABLE inbound_messages (
        channel TEXT NOT NULL,
        message_id TEXT NOT NULL,
        sender TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (channel, message_id)
      );
      -- Every command from a person and what came of it, refusals included.
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        channel TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        proposal_id INTEGER,
        incident_id INTEGER,
        outcome TEXT NOT NULL CHECK (outcome IN ('done', 'refused', 'ignored', 'help')),
        detail TEXT NOT NULL DEFAULT ''
      );
      CREATE INDEX audit_log_by_time ON audit_log (at);
      -- Verbose mode's "Is this a problem?": asked, answered yes, answered "no, expected" (a false
      -- positive), or snoozed until confirmation_due.
      ALTER TABLE incidents ADD COLUMN confirmation TEXT CHECK (confirmation IN ('asked', 'confirmed', 'expected', 'snoozed'));
      ALTER TABLE incidents ADD COLUMN confirmation_due TEXT;
      -- "next time: auto|ask|investigate" for a runbook, overriding its file's automation_level.
      CREATE TABLE runbook_autonomy (
        runbook_id TEXT PRIMARY KEY,
        level TEXT NOT NULL CHECK (level IN ('auto', 'ask_human', 'investigate')),
        set_by TEXT NOT NULL,
        set_at TEXT NOT NULL
      );
    `,
  },
];
