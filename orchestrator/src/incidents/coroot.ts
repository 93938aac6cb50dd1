// Coroot notifications to incidents, through the same recording as Alertmanager's (dedup,
// open/update/close, damping). Groups: a Coroot incident by its key, an alert by its id, and
// a failed (Stuck or Cancelled) deployment by its application, prefixed by kind so they never
// collide. An incident notification lists all its current reports, so a report no longer listed
// is resolved; status OK resolves everything. A Deployed deployment closes the application's
// deployment incident; In-progress (and Deployed with none open) is only recorded as a delivery.
import {
  applicationLabels,
  type CorootAlert,
  type CorootApplication,
  type CorootDeployment,
  type CorootIncident,
  type CorootNotification,
  type CorootStatus,
} from '../ingest/coroot.js';
import { recordDelivery } from '../ingest/deliveries.js';
import type { Db } from '../store/database.js';
import {
  fingerprintOf,
  recordGroupNotification,
  type GroupNotification,
  type IngestOptions,
  type IngestOutcome,
  type NotificationAlert,
} from './incidents.js';

export type CorootOutcome = IngestOutcome & { kind: CorootNotification['kind'] };

function severityOf(status: CorootStatus): string | null {
  return status === 'OK' ? null : status.toLowerCase();
}

function appName(app: CorootApplication): string {
  return `${app.name ?? app.id}${app.namespace ? ` (${app.namespace})` : ''}`;
}

function nonEmpty(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== ''));
}

function labelsFor(n: CorootNotification, own: Record<string, string>): Record<string, string> {
  return nonEmpty({ ...n.custom, ...applicationLabels(n.application), ...own });
}

function fromIncident(n: CorootIncident, at: string): GroupNotification {
  const status = n.status === 'OK' ? 'resolved' : 'firing';
  const severity = severityOf(n.status);
  const reports = n.reports.length > 0 ? n.reports : [{ name: '', check: '', message: '' }];
  const alerts = reports.map((report): NotificationAlert => ({
    fingerprint: fingerprintOf('coroot-incident', n.key, report.name, report.check),
    alertname: report.name || 'CorootIncident',
    status,
    labels: labelsFor(n, {
      alertname: report.name || 'CorootIncident',
      check: report.check,
      severity: severity ?? '',
    }),
    annotations: nonEmpty({
      summary: report.message,
      url: n.url ?? '',
      rca_summary: n.rcaSummary,
    }),
    startsAt: at,
  }));
  const checks = n.reports.map((r) => [r.name, r.check].filter(Boolean).join(' ')).join(', ');
  return {
    source: 'coroot',
    groupKey: `incident:${n.key}`,
    title: `${appName(n.application)}: ${checks || 'Coroot incident'}`.slice(0, 500),
    severity,
    alerts,
    complete: true,
  };
}

function fromAlert(n: CorootAlert, at: string): GroupNotification {
  const severity = n.severity || severityOf(n.status);
  const details = Object.fromEntries(
    n.details.filter((d) => d.name).map((d) => [`detail_${d.name}`, d.value]),
  );
  return {
    source: 'coroot',
    groupKey: `alert:${n.alertId}`,
    title: `${n.ruleName}${n.summary ? `: ${n.summary}` : ''} — ${appName(n.application)}`.slice(
      0,
      500,
    ),
    severity,
    alerts: [
      {
        fingerprint: fingerprintOf('coroot-alert', n.alertId),
        alertname: n.ruleName,
        status: n.status === 'OK' ? 'resolved' : 'firing',
        labels: labelsFor(n, {
          alertname: n.ruleName,
          severity: severity ?? '',
          project: n.projectName,
        }),
        annotations: nonEmpty({
          ...details,
          summary: n.summary,
          url: n.url ?? '',
          duration: n.duration,
          resolved_by: n.resolvedBy,
        }),
        startsAt: at,
      },
    ],
    complete: true,
  };
}

function fromDeployment(n: CorootDeployment, at: string): GroupNotification {
  const failed = n.status === 'Stuck' || n.status === 'Cancelled';
  return {
    source: 'coroot',
    groupKey: `deployment:${n.application.id}`,
    title:
      `Deployment of ${appName(n.application)} ${n.status.toLowerCase()}${n.version ? `: ${n.version}` : ''}`.slice(
        0,
        500,
      ),
    severity: failed ? 'warning' : null,
    alerts: [
      {
        fingerprint: fingerprintOf('coroot-deployment', n.application.id),
        alertname: 'CorootDeployment',
        status: failed ? 'firing' : 'resolved',
        labels: labelsFor(n, { alertname: 'CorootDeployment', severity: failed ? 'warning' : '' }),
        annotations: nonEmpty({
          status: n.status,
          version: n.version,
          summary: n.summary.join('\n'),
          url: n.url ?? '',
          deployment_id: n.deploymentId ?? '',
        }),
        startsAt: at,
      },
    ],
    complete: true,
  };
}

/** Records one validated Coroot notification; all of it happens in one transaction. */
export function ingestCoroot(
  db: Db,
  notification: CorootNotification,
  body: string,
  now: Date = new Date(),
  options: IngestOptions = {},
): CorootOutcome {
  const at = now.toISOString();
  const { kind } = notification;
  if (kind === 'deployment' && notification.status === 'In-progress') {
    const fresh = db.transaction(() => recordDelivery(db, 'coroot', body, at))();
    return {
      kind,
      incidentId: undefined,
      duplicate: !fresh,
      created: false,
      resolved: false,
      notify: false,
    };
  }
  const group =
    kind === 'incident'
      ? fromIncident(notification, at)
      : kind === 'alert'
        ? fromAlert(notification, at)
        : fromDeployment(notification, at);
  return { kind, ...recordGroupNotification(db, group, body, now, options) };
}
