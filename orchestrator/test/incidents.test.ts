// Alertmanager notifications to incidents, with the published sample payloads: a retried
// delivery creates one incident, repeats update without notifying, resolution closes, a group
// that fires again opens a new incident, and bad payloads are refused with the field named.
import { readFileSync } from 'node:fs';
import { specPath } from '@homelab/simulator';
import { describe, expect, it } from 'vitest';
import { ingestAlertmanager } from '../src/incidents/incidents.js';
import { parseAlertmanagerPayload, type AlertmanagerPayload } from '../src/ingest/alertmanager.js';
import { openDatabase } from '../src/store/database.js';

const firingBody = readFileSync(specPath('alertmanager-webhook-firing.sample.json'), 'utf8');
const resolvedBody = readFileSync(specPath('alertmanager-webhook-resolved.sample.json'), 'utf8');

function parse(body: string): AlertmanagerPayload {
  const result = parseAlertmanagerPayload(body);
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.payload;
}

function ingest(db: ReturnType<typeof openDatabase>, body: string, at = '2026-01-15T08:13:00Z') {
  return ingestAlertmanager(db, parse(body), body, new Date(at));
}

function incidents(db: ReturnType<typeof openDatabase>) {
  return db
    .prepare('SELECT id, status, title, reopen_count AS reopens FROM incidents ORDER BY id')
    .all();
}

describe('Alertmanager payloads', () => {
  it('accepts the published samples and names every bad field', () => {
    expect(parse(firingBody).alerts.length).toBeGreaterThan(1);
    expect(parse(resolvedBody).status).toBe('resolved');
    expect(parseAlertmanagerPayload('not json')).toEqual({
      ok: false,
      problems: ['the body is not JSON'],
    });
    const bad = JSON.parse(firingBody);
    bad.version = '3';
    delete bad.groupKey;
    bad.alerts[0].labels = {};
    const result = parseAlertmanagerPayload(JSON.stringify(bad));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^version: only webhook payload version 4/),
          expect.stringMatching(/^groupKey: /),
          expect.stringMatching(/^alerts\.0\.labels: labels\.alertname is required/),
        ]),
      );
    }
  });
});

describe('incidents from Alertmanager', () => {
  it('turns a retried delivery into one incident and one notification', () => {
    const db = openDatabase(':memory:');
    const first = ingest(db, firingBody);
    expect(first).toMatchObject({ created: true, notify: true, duplicate: false });
    const retry = ingest(db, firingBody, '2026-01-15T08:13:05Z');
    expect(retry).toEqual({
      incidentId: first.incidentId,
      duplicate: true,
      created: false,
      resolved: false,
      notify: false,
    });
    expect(incidents(db)).toHaveLength(1);
    expect(db.prepare('SELECT COUNT(*) AS n FROM deliveries').get()).toEqual({ n: 1 });
  });

  it('updates on a repeat notification without notifying again', () => {
    const db = openDatabase(':memory:');
    const first = ingest(db, firingBody);
    const repeat = JSON.parse(firingBody);
    repeat.notification_reason = 'repeat interval elapsed';
    const outcome = ingest(db, JSON.stringify(repeat), '2026-01-15T12:13:00Z');
    expect(outcome).toMatchObject({
      incidentId: first.incidentId,
      created: false,
      notify: false,
      duplicate: false,
    });
    expect(db.prepare('SELECT updated_at FROM incidents').get()).toEqual({
      updated_at: '2026-01-15T12:13:00.000Z',
    });
  });

  it('closes the incident when every alert resolves, and opens a new one if the group fires again', () => {
    const db = openDatabase(':memory:');
    const first = ingest(db, firingBody);
    const firing = parse(firingBody);
    const resolvedAll = {
      ...firing,
      status: 'resolved',
      alerts: firing.alerts.map((a) => ({
        ...a,
        status: 'resolved',
        endsAt: '2026-01-15T09:00:00Z',
      })),
    };
    const closed = ingest(db, JSON.stringify(resolvedAll), '2026-01-15T09:00:10Z');
    expect(closed).toMatchObject({ incidentId: first.incidentId, resolved: true, notify: false });
    expect(incidents(db)).toEqual([expect.objectContaining({ status: 'resolved' })]);
    const again = JSON.parse(firingBody);
    again.alerts[0].startsAt = '2026-01-15T10:00:00Z';
    const reopened = ingest(db, JSON.stringify(again), '2026-01-15T10:00:30Z');
    expect(reopened).toMatchObject({ created: true, notify: true });
    expect(incidents(db)).toEqual([
      expect.objectContaining({ status: 'resolved' }),
      expect.objectContaining({ status: 'open', reopens: 1 }),
    ]);
  });

  it('follows the severity of the latest notification of an open incident', () => {
    const db = openDatabase(':memory:');
    const first = ingest(db, firingBody);
    const worse = JSON.parse(firingBody);
    worse.commonLabels.severity = 'critical';
    ingest(db, JSON.stringify(worse), '2026-01-15T08:30:00Z');
    expect(db.prepare('SELECT id, severity FROM incidents').all()).toEqual([
      { id: first.incidentId, severity: 'critical' },
    ]);
  });

  it('keeps an incident open while any alert of the group still fires', () => {
    const db = openDatabase(':memory:');
    ingest(db, firingBody);
    const firing = parse(firingBody);
    const partly = {
      ...firing,
      alerts: [{ ...firing.alerts[0], status: 'resolved', endsAt: '2026-01-15T09:00:00Z' }],
    };
    expect(ingest(db, JSON.stringify(partly), '2026-01-15T09:00:10Z')).toMatchObject({
      resolved: false,
    });
    expect(incidents(db)).toEqual([expect.objectContaining({ status: 'open' })]);
  });

  it('ignores a resolved notification for a group it never saw open', () => {
    const db = openDatabase(':memory:');
    expect(ingest(db, resolvedBody)).toEqual({
      incidentId: undefined,
      duplicate: false,
      created: false,
      resolved: false,
      notify: false,
    });
    expect(incidents(db)).toEqual([]);
  });
});
