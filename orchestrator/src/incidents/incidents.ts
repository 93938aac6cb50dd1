// From Alertmanager notifications to incidents. One incident per alert group (groupKey): the
// first firing notification opens it and asks for a notification; repeats and new alerts in the
// group update it without notifying again; when every alert has resolved it closes; a group that
// fires again after closing opens a new incident (its reopen count says it came back).
// A retried delivery (same body) is recognised and changes nothing.
import { createHash } from 'node:crypto';
import type { Db } from '../store/database.js';
import type { AlertmanagerPayload } from '../ingest/alertmanager.js';

export interface IngestOutcome {
  /** The incident the notification belongs to (undefined when a resolved notification matched none). */
  incidentId: number | undefined;
  /** True when this exact body was already recorded (an Alertmanager retry). */
  duplicate: boolean;
  created: boolean;
  resolved: boolean;
  /** True when the owner should be told now: a new incident, not a repeat. */
  notify: boolean;
}

interface IncidentRow {
  id: number;
  status: 'open' | 'resolved';
}

export function bodyHash(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

function titleOf(payload: AlertmanagerPayload): string {
  const first = payload.alerts[0];
  const name = payload.commonLabels.alertname ?? first?.labels.alertname ?? 'Alert';
  const summary = payload.commonAnnotations.summary ?? first?.annotations.summary;
  const count = payload.alerts.length;
  return `${name}${summary ? `: ${summary}` : ''}${count > 1 ? ` (${count} alerts)` : ''}`.slice(
    0,
    500,
  );
}

/** Records one validated Alertmanager notification; all of it happens in one transaction. */
export function ingestAlertmanager(
  db: Db,
  payload: AlertmanagerPayload,
  body: string,
  now: Date = new Date(),
): IngestOutcome {
  const at = now.toISOString();
  const hash = bodyHash(body);
  return db.transaction((): IngestOutcome => {
    const inserted = db
      .prepare(
        'INSERT INTO deliveries (source, body_sha256, received_at, body) VALUES (?, ?, ?, ?) ON CONFLICT (body_sha256) DO NOTHING',
      )
      .run('alertmanager', hash, at, body);
    const open = db
      .prepare(
        "SELECT id, status FROM incidents WHERE source = 'alertmanager' AND group_key = ? AND status = 'open'",
      )
      .get(payload.groupKey) as IncidentRow | undefined;
    if (inserted.changes === 0) {
      const latest = db
        .prepare(
          "SELECT id, status FROM incidents WHERE source = 'alertmanager' AND group_key = ? ORDER BY id DESC LIMIT 1",
        )
        .get(payload.groupKey) as IncidentRow | undefined;
      return {
        incidentId: (open ?? latest)?.id,
        duplicate: true,
        created: false,
        resolved: false,
        notify: false,
      };
    }

    let incidentId = open?.id;
    let created = false;
    if (incidentId === undefined) {
      if (payload.alerts.every((a) => a.status === 'resolved')) {
        return {
          incidentId: undefined,
          duplicate: false,
          created: false,
          resolved: false,
          notify: false,
        };
      }
      const previous = db
        .prepare(
          "SELECT COUNT(*) AS n FROM incidents WHERE source = 'alertmanager' AND group_key = ?",
        )
        .get(payload.groupKey) as { n: number };
      incidentId = Number(
        db
          .prepare(
            "INSERT INTO incidents (source, group_key, title, severity, status, opened_at, updated_at, reopen_count) VALUES ('alertmanager', ?, ?, ?, 'open', ?, ?, ?)",
          )
          .run(
            payload.groupKey,
            titleOf(payload),
            payload.commonLabels.severity ?? null,
            at,
            at,
            previous.n,
          ).lastInsertRowid,
      );
      created = true;
    }

    const upsert = db.prepare(`
      INSERT INTO incident_alerts (incident_id, fingerprint, alertname, status, labels, annotations, starts_at, ends_at, last_seen_at)
      VALUES (@incidentId, @fingerprint, @alertname, @status, @labels, @annotations, @startsAt, @endsAt, @at)
      ON CONFLICT (incident_id, fingerprint) DO UPDATE SET
        status = excluded.status, annotations = excluded.annotations, ends_at = excluded.ends_at, last_seen_at = excluded.last_seen_at
    `);
    for (const alert of payload.alerts) {
      upsert.run({
        incidentId,
        fingerprint: alert.fingerprint,
        alertname: alert.labels.alertname ?? '',
        status: alert.status,
        labels: JSON.stringify(alert.labels),
        annotations: JSON.stringify(alert.annotations),
        startsAt: alert.startsAt,
        endsAt: alert.status === 'resolved' ? (alert.endsAt ?? at) : null,
        at,
      });
    }
    const firing = db
      .prepare(
        "SELECT COUNT(*) AS n FROM incident_alerts WHERE incident_id = ? AND status = 'firing'",
      )
      .get(incidentId) as { n: number };
    const resolved = firing.n === 0;
    db.prepare(
      `UPDATE incidents SET updated_at = ?, status = ?, resolved_at = CASE WHEN ? THEN ? ELSE resolved_at END,
       notified_at = CASE WHEN ? THEN ? ELSE notified_at END WHERE id = ?`,
    ).run(
      at,
      resolved ? 'resolved' : 'open',
      resolved ? 1 : 0,
      at,
      created ? 1 : 0,
      at,
      incidentId,
    );
    return { incidentId, duplicate: false, created, resolved, notify: created };
  })();
}
