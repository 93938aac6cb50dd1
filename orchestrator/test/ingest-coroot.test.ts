// Coroot notifications with the published samples: the three kinds are told apart, ids come from
// the backlink, application ids of 3 or 4 parts become labels, and the incidents follow: an
// incident or alert opens once and closes on OK, a report no longer listed resolves, a stuck
// deployment opens an incident that the next successful deployment closes, retries change nothing.
import { readFileSync } from 'node:fs';
import { specPath } from '@homelab/simulator';
import { describe, expect, it } from 'vitest';
import { incidentContext } from '../src/incidents/context.js';
import { ingestCoroot } from '../src/incidents/coroot.js';
import {
  parseApplicationId,
  parseCorootPayload,
  type CorootNotification,
} from '../src/ingest/coroot.js';
import { openDatabase, type Db } from '../src/store/database.js';

const sample = (name: string) =>
  readFileSync(specPath(`coroot-webhook-${name}.sample.json`), 'utf8');
const incidentBody = sample('incident');
const alertBody = sample('alert');
const alertResolvedBody = sample('alert-resolved');
const deploymentBody = sample('deployment');

function parse(body: string): CorootNotification {
  const result = parseCorootPayload(body);
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.notification;
}

function ingest(db: Db, body: string, at = '2026-01-15T08:00:00Z') {
  return ingestCoroot(db, parse(body), body, new Date(at));
}

function incidents(db: Db) {
  return db
    .prepare('SELECT id, source, group_key, status, severity, title FROM incidents ORDER BY id')
    .all();
}

function variant(body: string, change: Record<string, unknown>): string {
  return JSON.stringify({ ...JSON.parse(body), ...change });
}

describe('Coroot payloads', () => {
  it('reads the incident sample: key from the url, reports, application labels, custom fields', () => {
    const n = parse(incidentBody);
    expect(n).toMatchObject({
      kind: 'incident',
      key: 'f3a9b2c1',
      status: 'CRITICAL',
      application: {
        id: 'k7zx2pqd:media:Deployment:radarr',
        cluster: 'k7zx2pqd',
        namespace: 'media',
        kind: 'Deployment',
        name: 'radarr',
      },
      custom: { environment: 'homelab' },
    });
    if (n.kind === 'incident')
      expect(n.reports.map((r) => `${r.name}/${r.check}`)).toEqual([
        'SLO/Availability',
        'Memory/Out of memory',
      ]);
  });

  it('reads the alert samples (OK means resolved) and the deployment sample', () => {
    expect(parse(alertBody)).toMatchObject({
      kind: 'alert',
      alertId: '9c2f01d7',
      status: 'WARNING',
      ruleName: 'Low disk space',
      severity: 'warning',
      projectName: 'homelab',
      details: [
        { name: 'Volume', value: '/config' },
        { name: 'Free', value: '8%' },
      ],
    });
    expect(parse(alertResolvedBody)).toMatchObject({
      kind: 'alert',
      alertId: '9c2f01d7',
      status: 'OK',
      duration: '1h30m',
    });
    expect(parse(deploymentBody)).toMatchObject({
      kind: 'deployment',
      status: 'Deployed',
      version: '5d8c9f7b6: prowlarr:2.3.6',
      deploymentId: '5d8c9f7b6:1768465200',
      application: { namespace: 'media', name: 'prowlarr' },
    });
  });

  it('parses application ids of 3 or 4 parts, names with colons, and keeps odd ones whole', () => {
    expect(parseApplicationId('default:Deployment:app1')).toEqual({
      id: 'default:Deployment:app1',
      namespace: 'default',
      kind: 'Deployment',
      name: 'app1',
    });
    expect(parseApplicationId('c1:external:ExternalService:db.lan:5432')).toMatchObject({
      cluster: 'c1',
      namespace: 'external',
      kind: 'ExternalService',
      name: 'db.lan:5432',
    });
    expect(parseApplicationId('external:ExternalService:db.lan:5432')).toEqual({
      id: 'external:ExternalService:db.lan:5432',
      namespace: 'external',
      kind: 'ExternalService',
      name: 'db.lan:5432',
    });
    expect(parseApplicationId('just-a-name')).toEqual({ id: 'just-a-name' });
  });

  it('tolerates nulls, lower-case statuses and a missing url, and names what is wrong', () => {
    const tolerant = parse(
      JSON.stringify({
        status: 'warning',
        application: 'media:StatefulSet:postgres',
        reports: null,
        url: null,
      }),
    );
    expect(tolerant).toMatchObject({
      kind: 'incident',
      status: 'WARNING',
      key: 'media:StatefulSet:postgres',
      reports: [],
    });
    expect(parse(variant(deploymentBody, { status: 'in_progress' }))).toMatchObject({
      status: 'In-progress',
    });
    expect(parseCorootPayload('<h1>incident</h1>')).toEqual({
      ok: false,
      problems: ['the body is not JSON: set the Coroot webhook templates to {{ json . }}'],
    });
    const bad = parseCorootPayload(
      JSON.stringify({ status: 'BROKEN', application: 'a:Deployment:b' }),
    );
    expect(bad).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^status: expected OK, INFO, WARNING, CRITICAL .*"BROKEN"/)],
    });
    const noApp = parseCorootPayload(JSON.stringify({ status: 'CRITICAL', reports: 'many' }));
    expect(noApp.ok).toBe(false);
    if (!noApp.ok) expect(noApp.problems).toEqual([expect.stringMatching(/^application: /)]);
    const badReports = parseCorootPayload(variant(incidentBody, { reports: 'many' }));
    expect(badReports.ok).toBe(false);
    if (!badReports.ok) expect(badReports.problems).toEqual([expect.stringMatching(/^reports: /)]);
    const badAlert = parseCorootPayload(variant(alertBody, { rule_name: 42 }));
    expect(badAlert.ok).toBe(false);
    if (!badAlert.ok) expect(badAlert.problems).toEqual([expect.stringMatching(/^rule_name: /)]);
  });
});

describe('incidents from Coroot', () => {
  it('opens an incident with one alert per report, labelled like the other sources', () => {
    const db = openDatabase(':memory:');
    const outcome = ingest(db, incidentBody);
    expect(outcome).toMatchObject({ kind: 'incident', created: true, notify: true });
    expect(incidents(db)).toEqual([
      {
        id: outcome.incidentId,
        source: 'coroot',
        group_key: 'incident:f3a9b2c1',
        status: 'open',
        severity: 'critical',
        title: 'radarr (media): SLO Availability, Memory Out of memory',
      },
    ]);
    const context = incidentContext(db, outcome.incidentId ?? 0);
    expect(context?.alerts.map((a) => a.alertname).sort()).toEqual(['Memory', 'SLO']);
    expect(context?.labels).toEqual({
      application: 'k7zx2pqd:media:Deployment:radarr',
      cluster: 'k7zx2pqd',
      namespace: 'media',
      kind: 'Deployment',
      workload: 'radarr',
      deployment: 'radarr',
      environment: 'homelab',
      severity: 'critical',
    });
    for (const alert of context?.alerts ?? []) expect(alert.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(context?.alerts.find((a) => a.alertname === 'Memory')?.annotations).toMatchObject({
      summary: 'app containers have been restarted 3 times by the OOM killer',
      url: 'http://coroot.home.lan:8080/p/k7zx2pqd/incidents?incident=f3a9b2c1',
    });
  });

  it('records a retry once, resolves reports no longer listed, closes on OK', () => {
    const db = openDatabase(':memory:');
    const first = ingest(db, incidentBody);
    expect(ingest(db, incidentBody, '2026-01-15T08:00:05Z')).toEqual({
      kind: 'incident',
      incidentId: first.incidentId,
      duplicate: true,
      created: false,
      resolved: false,
      notify: false,
    });
    const onlySlo = JSON.parse(incidentBody);
    onlySlo.status = 'WARNING';
    onlySlo.reports = onlySlo.reports.slice(0, 1);
    expect(ingest(db, JSON.stringify(onlySlo), '2026-01-15T08:10:00Z')).toMatchObject({
      incidentId: first.incidentId,
      created: false,
      notify: false,
      resolved: false,
    });
    const context = incidentContext(db, first.incidentId ?? 0);
    expect(context?.severity).toBe('warning');
    expect(context?.alerts.map((a) => [a.alertname, a.status]).sort()).toEqual([
      ['Memory', 'resolved'],
      ['SLO', 'firing'],
    ]);
    const ok = ingest(db, variant(incidentBody, { status: 'OK' }), '2026-01-15T09:00:00Z');
    expect(ok).toMatchObject({ incidentId: first.incidentId, resolved: true, notify: false });
    expect(incidents(db)).toEqual([expect.objectContaining({ status: 'resolved' })]);
    expect(
      db.prepare("SELECT COUNT(*) AS n FROM deliveries WHERE source = 'coroot'").get(),
    ).toEqual({ n: 3 });
  });

  it('keeps an alert and an incident with the same id apart, and closes the alert on OK', () => {
    const db = openDatabase(':memory:');
    const alert = ingest(db, alertBody);
    expect(alert).toMatchObject({ kind: 'alert', created: true, notify: true });
    const sameId = JSON.parse(incidentBody);
    sameId.url = 'http://coroot.home.lan:8080/p/k7zx2pqd/incidents?incident=9c2f01d7';
    const incident = ingest(db, JSON.stringify(sameId));
    expect(incident.incidentId).not.toBe(alert.incidentId);
    const context = incidentContext(db, alert.incidentId ?? 0);
    expect(context).toMatchObject({
      title: 'Low disk space: disk space is low on /config (8% free) — sonarr (media)',
      severity: 'warning',
      labels: expect.objectContaining({
        alertname: 'Low disk space',
        namespace: 'media',
        workload: 'sonarr',
        project: 'homelab',
      }),
    });
    expect(context?.alerts[0]?.annotations).toMatchObject({
      detail_Volume: '/config',
      detail_Free: '8%',
    });
    const resolved = ingest(db, alertResolvedBody, '2026-01-15T09:30:00Z');
    expect(resolved).toMatchObject({ incidentId: alert.incidentId, resolved: true, notify: false });
    expect(incidents(db).map((i) => (i as { group_key: string }).group_key)).toEqual([
      'alert:9c2f01d7',
      'incident:9c2f01d7',
    ]);
  });

  it('opens an incident for a stuck or cancelled deployment, not for a successful one', () => {
    const db = openDatabase(':memory:');
    expect(ingest(db, deploymentBody)).toEqual({
      kind: 'deployment',
      incidentId: undefined,
      duplicate: false,
      created: false,
      resolved: false,
      notify: false,
    });
    expect(ingest(db, variant(deploymentBody, { status: 'In-progress', summary: null }))).toEqual(
      expect.objectContaining({ incidentId: undefined, created: false, duplicate: false }),
    );
    const stuck = ingest(
      db,
      variant(deploymentBody, { status: 'Stuck', summary: null }),
      '2026-01-15T08:05:00Z',
    );
    expect(stuck).toMatchObject({ kind: 'deployment', created: true, notify: true });
    expect(incidentContext(db, stuck.incidentId ?? 0)).toMatchObject({
      title: 'Deployment of prowlarr (media) stuck: 5d8c9f7b6: prowlarr:2.3.6',
      severity: 'warning',
    });
    const cancelled = ingest(
      db,
      variant(deploymentBody, { status: 'Cancelled', summary: null }),
      '2026-01-15T08:06:00Z',
    );
    expect(cancelled).toMatchObject({ incidentId: stuck.incidentId, created: false });
    const next = variant(deploymentBody, { version: '6e9d0a8c7: prowlarr:2.3.7' });
    const deployed = ingest(db, next, '2026-01-15T08:30:00Z');
    expect(deployed).toMatchObject({ incidentId: stuck.incidentId, resolved: true });
    expect(incidents(db)).toEqual([expect.objectContaining({ status: 'resolved' })]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM deliveries').get()).toEqual({ n: 5 });
    expect(ingest(db, deploymentBody, '2026-01-15T08:31:00Z')).toMatchObject({ duplicate: true });
  });
});
