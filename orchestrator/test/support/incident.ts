// An incident context built from labels, for tests of runbook matching and rendering: one firing
// alert carrying exactly the labels (and annotations) a test supplies.
import type { IncidentContext } from '../../src/incidents/context.js';

export function incident(
  labels: Record<string, string>,
  annotations: Record<string, string> = {},
): IncidentContext {
  return {
    id: 1,
    source: 'alertmanager',
    title: labels.alertname ?? 'alert',
    severity: labels.severity ?? null,
    status: 'open',
    openedAt: '2026-11-26T08:00:00Z',
    labels,
    alerts: [
      {
        fingerprint: 'f1',
        alertname: labels.alertname ?? 'alert',
        status: 'firing',
        labels,
        annotations,
        startsAt: '2026-11-26T08:00:00Z',
      },
    ],
  };
}
