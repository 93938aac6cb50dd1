// From notifications (Alertmanager, Coroot) to incidents. One incident per alert group: the
// first firing notification opens it and asks for a notification; repeats and new alerts in the
// group update it without notifying again; when every alert has resolved it closes; a group that
// fires again after closing opens a new incident (its reopen count says it came back).
// A retried delivery (same body) is recognised and changes nothing. Damping: an incident opened
// inside a maintenance window is held (announced when the window ends, if still open), and a
// flapping group is announced once, then recorded quietly (maintenance.ts, flapping.ts).
import type { Db } from '../store/database.js';
import type { AlertmanagerPayload } from '../ingest/alertmanager.js';
import { bodyHash, recordDelivery } from '../ingest/deliveries.js';
import { DEFAULT_FLAP_SETTINGS, decideFlap, groupHistory, type FlapSettings } from './flapping.js';
import { activeWindow, type MaintenanceWindow } from './maintenance.js';

export { bodyHash, recordDelivery };

export type HeldReason = 'maintenance' | 'flapping';

export interface IngestOutcome {
  /** The incident the notification belongs to (undefined when a resolved notification matched none). */
  incidentId: number | undefined;
  /** True when this exact body was already recorded (a retried delivery). */
  duplicate: boolean;
  created: boolean;
  resolved: boolean;
  /** True when the owner should be told now: a new incident, not a repeat, not held. */
  notify: boolean;
  /** Why a new incident was not announced: a maintenance window, or its group is flapping. */
  held?: HeldReason;
  /** The incident's group is flapping (with notify: it just became so; say "flapping"). */
  flapping?: boolean;
}

export interface IngestOptions {
  maintenance?: readonly MaintenanceWindow[];
  flap?: FlapSettings;
}

/** One alert of a notification, in the shape incident_alerts stores whatever the source. */
export interface NotificationAlert {
  /** Stable identity of the alert within its group (hex, at most 32 characters). */
  fingerprint: string;
  alertname: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
}

/** A notification about one alert group, already validated and mapped from its source. */
export interface GroupNotification {
  source: string;
  groupKey: string;
  title: string;
  severity: string | null;
  alerts: NotificationAlert[];
  /**
   * The notification lists every alert of the group (a Coroot incident's reports): alerts of the
   * open incident missing from it are resolved.
   */
  complete?: boolean;
}

interface IncidentRow {
  id: number;
  status: 'open' | 'resolved';
}

/** A fingerprint (32 hex characters) for an alert identified by `parts`. */
export function fingerprintOf(...parts: string[]): string {
  return bodyHash(parts.join('\u0000')).slice(0, 32);
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
  options: IngestOptions = {},
): IngestOutcome {
  return recordGroupNotification(
    db,
    {
      source: 'alertmanager',
      groupKey: payload.groupKey,
      title: titleOf(payload),
      severity: payload.commonLabels.severity ?? null,
      alerts: payload.alerts.map((alert) => ({
        fingerprint: alert.fingerprint,
        alertname: alert.labels.alertname ?? '',
        status: alert.status,
        labels: alert.labels,
        annotations: alert.annotations,
        startsAt: alert.startsAt,
        ...(alert.endsAt ? { endsAt: alert.endsAt } : {}),
      })),
    },
    body,
    now,
    options,
  );
}

/**
 * Records a notification about one alert group (any source) with its delivery, in one
 * transaction: dedup, open/update/close, maintenance and flapping damping.
 */
export function recordGroupNotification(
  db: Db,
  notification: GroupNotification,
  body: string,
  now: Date = new Date(),
  options: IngestOptions = {},
): IngestOutcome {
  const at = now.toISOString();
  const { source, groupKey } = notification;
  return db.transaction((): IngestOutcome => {
    const fresh = recordDelivery(db, source, body, at);
    const open = db
      .prepare(
        "SELECT id, status FROM incidents WHERE source = ? AND group_key = ? AND status = 'open'",
      )
      .get(source, groupKey) as IncidentRow | undefined;
    if (!fresh) {
      const latest = db
        .prepare(
          'SELECT id, status FROM incidents WHERE source = ? AND group_key = ? ORDER BY id DESC LIMIT 1',
        )
        .get(source, groupKey) as IncidentRow | undefined;
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
    let damping: Pick<IngestOutcome, 'held' | 'flapping'> = {};
    if (incidentId === undefined) {
      const firing = notification.alerts.filter((a) => a.status === 'firing');
      if (firing.length === 0) {
        return {
          incidentId: undefined,
          duplicate: false,
          created: false,
          resolved: false,
          notify: false,
        };
      }
      const previous = db
        .prepare('SELECT COUNT(*) AS n FROM incidents WHERE source = ? AND group_key = ?')
        .get(source, groupKey) as { n: number };
      const flapSettings = options.flap ?? DEFAULT_FLAP_SETTINGS;
      const flap = decideFlap(
        groupHistory(db, source, groupKey, now, flapSettings),
        now,
        flapSettings,
      );
      const inWindow = activeWindow(
        options.maintenance ?? [],
        firing.map((a) => a.labels),
        now,
      );
      const held: HeldReason | undefined = inWindow
        ? 'maintenance'
        : flap.flapping && !flap.announce
          ? 'flapping'
          : undefined;
      damping = { ...(held ? { held } : {}), ...(flap.flapping ? { flapping: true } : {}) };
      incidentId = Number(
        db
          .prepare(
            `INSERT INTO incidents (source, group_key, title, severity, status, opened_at, updated_at, reopen_count, notified_at, held_reason, flapping)
             VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            source,
            groupKey,
            notification.title,
            notification.severity,
            at,
            at,
            previous.n,
            held ? null : at,
            held ?? null,
            flap.flapping ? 1 : 0,
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
    for (const alert of notification.alerts) {
      upsert.run({
        incidentId,
        fingerprint: alert.fingerprint,
        alertname: alert.alertname,
        status: alert.status,
        labels: JSON.stringify(alert.labels),
        annotations: JSON.stringify(alert.annotations),
        startsAt: alert.startsAt,
        endsAt: alert.status === 'resolved' ? (alert.endsAt ?? at) : null,
        at,
      });
    }
    if (notification.complete) {
      const listed = new Set(notification.alerts.map((a) => a.fingerprint));
      const stale = db.prepare(
        "UPDATE incident_alerts SET status = 'resolved', ends_at = ?, last_seen_at = ? WHERE incident_id = ? AND fingerprint = ?",
      );
      const current = db
        .prepare(
          "SELECT fingerprint FROM incident_alerts WHERE incident_id = ? AND status = 'firing'",
        )
        .all(incidentId) as Array<{ fingerprint: string }>;
      for (const row of current)
        if (!listed.has(row.fingerprint)) stale.run(at, at, incidentId, row.fingerprint);
    }
    const firing = db
      .prepare(
        "SELECT COUNT(*) AS n FROM incident_alerts WHERE incident_id = ? AND status = 'firing'",
      )
      .get(incidentId) as { n: number };
    const resolved = firing.n === 0;
    db.prepare(
      `UPDATE incidents SET updated_at = ?, status = ?, severity = COALESCE(?, severity),
       resolved_at = CASE WHEN ? THEN ? ELSE resolved_at END WHERE id = ?`,
    ).run(
      at,
      resolved ? 'resolved' : 'open',
      notification.severity,
      resolved ? 1 : 0,
      at,
      incidentId,
    );
    return {
      incidentId,
      duplicate: false,
      created,
      resolved,
      notify: created && damping.held === undefined,
      ...damping,
    };
  })();
}
