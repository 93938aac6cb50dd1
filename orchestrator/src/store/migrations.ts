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
];
