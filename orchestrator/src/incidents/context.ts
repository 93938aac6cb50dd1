// What the later stages (runbook matching, triage, messages) know about an incident, read from the
// store in one shape whatever its source (Alertmanager, Coroot). Why its own module: plan/ and
// approve/ need this view without depending on how ingest/ stored the alerts.
import type { Db } from '../store/database.js';
import type { NotificationAlert } from './incidents.js';

/** One alert of an incident, as incident_alerts stores it whatever the source. */
export type IncidentAlertView = Omit<NotificationAlert, 'endsAt'>;

export interface IncidentContext {
  id: number;
  source: string;
  title: string;
  severity: string | null;
  status: 'open' | 'resolved';
  openedAt: string;
  /** Labels every firing alert shares (all alerts' when none fires). */
  labels: Record<string, string>;
  alerts: IncidentAlertView[];
}

interface IncidentRow {
  id: number;
  source: string;
  title: string;
  severity: string | null;
  status: 'open' | 'resolved';
  opened_at: string;
}

interface AlertRow {
  fingerprint: string;
  alertname: string;
  status: 'firing' | 'resolved';
  labels: string;
  annotations: string;
  starts_at: string;
}

function common(labelSets: Array<Record<string, string>>): Record<string, string> {
  const [first, ...rest] = labelSets;
  if (!first) return {};
  return Object.fromEntries(
    Object.entries(first).filter(([key, value]) => rest.every((set) => set[key] === value)),
  );
}

export function incidentContext(db: Db, incidentId: number): IncidentContext | undefined {
  const row = db.prepare('SELECT * FROM incidents WHERE id = ?').get(incidentId) as
    IncidentRow | undefined;
  if (!row) return undefined;
  const alerts = (
    db
      .prepare(
        'SELECT * FROM incident_alerts WHERE incident_id = ? ORDER BY starts_at, fingerprint',
      )
      .all(incidentId) as AlertRow[]
  ).map((a): IncidentAlertView => ({
    fingerprint: a.fingerprint,
    alertname: a.alertname,
    status: a.status,
    labels: JSON.parse(a.labels) as Record<string, string>,
    annotations: JSON.parse(a.annotations) as Record<string, string>,
    startsAt: a.starts_at,
  }));
  const firing = alerts.filter((a) => a.status === 'firing');
  return {
    id: row.id,
    source: row.source,
    title: row.title,
    severity: row.severity,
    status: row.status,
    openedAt: row.opened_at,
    labels: common((firing.length > 0 ? firing : alerts).map((a) => a.labels)),
    alerts,
  };
}
