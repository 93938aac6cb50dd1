// Incident damping: a group that keeps resolving and firing again is announced once as flapping,
// then recorded quietly until it stays resolved for the window; an incident opened in a matching
// maintenance window is held and announced when the window ends if it is still open, never if it
// resolved meanwhile. The maintenance file's mistakes are named.
import { readFileSync } from 'node:fs';
import { parseEnv } from '@homelab/kit';
import { specPath } from '@homelab/simulator';
import { describe, expect, it } from 'vitest';
import { configShape } from '../src/config.js';
import { ingestCoroot } from '../src/incidents/coroot.js';
import { decideFlap, type FlapSettings } from '../src/incidents/flapping.js';
import { ingestAlertmanager, type IngestOptions } from '../src/incidents/incidents.js';
import {
  activeWindow,
  parseMaintenanceWindows,
  releaseHeld,
  windowIsOpen,
  type MaintenanceWindow,
} from '../src/incidents/maintenance.js';
import { parseAlertmanagerPayload } from '../src/ingest/alertmanager.js';
import { parseCorootPayload } from '../src/ingest/coroot.js';
import { openDatabase, type Db } from '../src/store/database.js';

const firingSample = JSON.parse(
  readFileSync(specPath('alertmanager-webhook-firing.sample.json'), 'utf8'),
) as { alerts: Array<Record<string, unknown>> } & Record<string, unknown>;
const corootIncident = readFileSync(specPath('coroot-webhook-incident.sample.json'), 'utf8');

/** The sample group firing (or resolved) at `at`; each cycle has its own startsAt. */
function notification(db: Db, status: 'firing' | 'resolved', at: string, options?: IngestOptions) {
  const body = JSON.stringify({
    ...firingSample,
    status,
    alerts: firingSample.alerts.map((a) => ({
      ...a,
      status,
      startsAt: status === 'firing' ? at : a.startsAt,
      endsAt: status === 'resolved' ? at : '0001-01-01T00:00:00Z',
    })),
  });
  const parsed = parseAlertmanagerPayload(body);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return ingestAlertmanager(db, parsed.payload, body, new Date(at), options);
}

function cycle(db: Db, fireAt: string, resolveAt: string, options?: IngestOptions) {
  const fired = notification(db, 'firing', fireAt, options);
  notification(db, 'resolved', resolveAt, options);
  return fired;
}

const settings: FlapSettings = { threshold: 3, windowMs: 3600_000 };

describe('flapping', () => {
  it('announces a flapping group once, then stays quiet until it has been resolved for the window', () => {
    const db = openDatabase(':memory:');
    const runs = [
      cycle(db, '2026-01-15T08:00:00.000Z', '2026-01-15T08:05:00.000Z'),
      cycle(db, '2026-01-15T08:10:00.000Z', '2026-01-15T08:15:00.000Z'),
      cycle(db, '2026-01-15T08:20:00.000Z', '2026-01-15T08:25:00.000Z'),
      cycle(db, '2026-01-15T08:30:00.000Z', '2026-01-15T08:35:00.000Z'),
      cycle(db, '2026-01-15T08:40:00.000Z', '2026-01-15T08:45:00.000Z'),
      cycle(db, '2026-01-15T09:44:00.000Z', '2026-01-15T09:50:00.000Z'),
      cycle(db, '2026-01-15T10:51:00.000Z', '2026-01-15T10:55:00.000Z'),
    ];
    expect(runs.map(({ notify, held, flapping }) => ({ notify, held, flapping }))).toEqual([
      { notify: true, held: undefined, flapping: undefined },
      { notify: true, held: undefined, flapping: undefined },
      { notify: true, held: undefined, flapping: undefined },
      { notify: true, held: undefined, flapping: true },
      { notify: false, held: 'flapping', flapping: true },
      { notify: false, held: 'flapping', flapping: true },
      { notify: true, held: undefined, flapping: undefined },
    ]);
    expect(runs.every((r) => r.created)).toBe(true);
    expect(
      db
        .prepare(
          'SELECT reopen_count, held_reason, flapping, notified_at IS NOT NULL AS notified FROM incidents ORDER BY id',
        )
        .all()
        .slice(3),
    ).toEqual([
      { reopen_count: 3, held_reason: null, flapping: 1, notified: 1 },
      { reopen_count: 4, held_reason: 'flapping', flapping: 1, notified: 0 },
      { reopen_count: 5, held_reason: 'flapping', flapping: 1, notified: 0 },
      { reopen_count: 6, held_reason: null, flapping: 0, notified: 1 },
    ]);
  });

  it('honours the threshold and window it is given', () => {
    const db = openDatabase(':memory:');
    const tight: IngestOptions = { flap: { threshold: 2, windowMs: 10 * 60_000 } };
    cycle(db, '2026-01-15T08:00:00.000Z', '2026-01-15T08:01:00.000Z', tight);
    expect(cycle(db, '2026-01-15T08:30:00.000Z', '2026-01-15T08:31:00.000Z', tight)).toMatchObject({
      notify: true,
    });
    expect(cycle(db, '2026-01-15T08:35:00.000Z', '2026-01-15T08:36:00.000Z', tight)).toMatchObject({
      notify: true,
      flapping: true,
    });
  });

  it('decides from history alone', () => {
    const now = new Date('2026-01-15T09:00:00Z');
    expect(decideFlap({ previous: undefined, reopenedAt: [] }, now, settings)).toEqual({
      flapping: false,
    });
    const previous = { resolvedAt: '2026-01-15T08:59:00Z', flapping: false };
    expect(
      decideFlap(
        { previous, reopenedAt: ['2026-01-15T07:59:00Z', '2026-01-15T08:30:00Z'] },
        now,
        settings,
      ),
    ).toEqual({ flapping: false });
    expect(
      decideFlap(
        { previous, reopenedAt: ['2026-01-15T08:10:00Z', '2026-01-15T08:30:00Z'] },
        now,
        settings,
      ),
    ).toEqual({ flapping: true, announce: true });
    expect(
      decideFlap(
        { previous: { resolvedAt: '2026-01-15T08:00:00Z', flapping: true }, reopenedAt: [] },
        now,
        settings,
      ),
    ).toEqual({ flapping: false });
    expect(
      decideFlap(
        { previous: { resolvedAt: '2026-01-15T08:00:01Z', flapping: true }, reopenedAt: [] },
        now,
        settings,
      ),
    ).toEqual({ flapping: true, announce: false });
  });
});

describe('damping settings', () => {
  it('reads ORCH_FLAP_THRESHOLD and ORCH_FLAP_WINDOW with defaults, and names a bad value', () => {
    expect(parseEnv(configShape, {}).data).toMatchObject({
      ORCH_FLAP_THRESHOLD: 3,
      ORCH_FLAP_WINDOW: 3600_000,
    });
    expect(
      parseEnv(configShape, { ORCH_FLAP_THRESHOLD: '5', ORCH_FLAP_WINDOW: '30m' }).data,
    ).toMatchObject({ ORCH_FLAP_THRESHOLD: 5, ORCH_FLAP_WINDOW: 1800_000 });
    expect(parseEnv(configShape, { ORCH_FLAP_WINDOW: '1h30m' }).data.ORCH_FLAP_WINDOW).toBe(
      5400_000,
    );
    expect(() => parseEnv(configShape, { ORCH_FLAP_WINDOW: '90' })).toThrow(/ORCH_FLAP_WINDOW/);
    expect(() => parseEnv(configShape, { ORCH_FLAP_WINDOW: 'an hour' })).toThrow(
      /ORCH_FLAP_WINDOW: expected a duration from 1s to 30d/,
    );
    expect(() => parseEnv(configShape, { ORCH_FLAP_THRESHOLD: '0' })).toThrow(
      /ORCH_FLAP_THRESHOLD: expected at least 1/,
    );
  });
});

const WINDOWS = `
windows:
  - name: nas backups
    days: [sat]
    from: "02:00"
    to: "04:00"
    labels:
      instance: "~nas\\\\..*"
  - name: friday night upgrades
    days: [Friday]
    from: "22:00"
    to: "01:30"
    timezone: Europe/Berlin
    labels: { namespace: media }
  - name: move
    start: 2026-03-01T08:00:00+01:00
    end: 2026-03-01T18:00:00+01:00
`;

function fileProblems(text: string): string {
  try {
    parseMaintenanceWindows(text, 'maintenance.yaml');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the file to be refused');
}

describe('maintenance windows', () => {
  const windows = parseMaintenanceWindows(WINDOWS, 'maintenance.yaml');
  const [backups, upgrades, move] = windows as [
    MaintenanceWindow,
    MaintenanceWindow,
    MaintenanceWindow,
  ];

  it('reads weekly (in a time zone, past midnight) and one-off windows', () => {
    expect(backups.time).toEqual({
      kind: 'weekly',
      days: [6],
      from: 120,
      to: 240,
      timezone: 'UTC',
    });
    expect(windowIsOpen(backups.time, new Date('2026-01-17T02:00:00Z'))).toBe(true);
    expect(windowIsOpen(backups.time, new Date('2026-01-17T03:59:59Z'))).toBe(true);
    expect(windowIsOpen(backups.time, new Date('2026-01-17T04:00:00Z'))).toBe(false);
    expect(windowIsOpen(backups.time, new Date('2026-01-18T03:00:00Z'))).toBe(false);
    expect(windowIsOpen(upgrades.time, new Date('2026-01-16T21:30:00Z'))).toBe(true);
    expect(windowIsOpen(upgrades.time, new Date('2026-01-17T00:29:00Z'))).toBe(true);
    expect(windowIsOpen(upgrades.time, new Date('2026-01-17T00:30:00Z'))).toBe(false);
    expect(windowIsOpen(upgrades.time, new Date('2026-01-16T20:59:00Z'))).toBe(false);
    expect(windowIsOpen(upgrades.time, new Date('2026-07-17T20:30:00Z'))).toBe(true);
    expect(windowIsOpen(move.time, new Date('2026-03-01T07:00:00Z'))).toBe(true);
    expect(windowIsOpen(move.time, new Date('2026-03-01T17:00:00Z'))).toBe(false);
  });

  it('matches labels exactly or by anchored regex, for every alert', () => {
    const at = new Date('2026-01-17T03:00:00Z');
    expect(activeWindow(windows, [{ instance: 'nas.home.lan:9100' }], at)).toBe(backups);
    expect(activeWindow(windows, [{ instance: 'nas.home.lan:9100' }, { instance: 'pi' }], at)).toBe(
      undefined,
    );
    expect(activeWindow(windows, [{ instance: 'my-nas.lan' }], at)).toBe(undefined);
    const friday = new Date('2026-01-16T22:00:00Z');
    expect(activeWindow(windows, [{ namespace: 'media' }], friday)).toBe(upgrades);
    expect(activeWindow(windows, [{ namespace: 'media-2' }], friday)).toBe(undefined);
    const prototypeProbe = parseMaintenanceWindows(
      'windows:\n  - start: 2000-01-01T00:00:00Z\n    end: 2100-01-01T00:00:00Z\n    labels: { constructor: "~.*" }\n',
      'probe.yaml',
    );
    expect(activeWindow(prototypeProbe, [{ namespace: 'media' }], friday)).toBe(undefined);
    expect(activeWindow(prototypeProbe, [{ constructor: 'x' }], friday)).toBe(prototypeProbe[0]);
  });

  it('names the window and field of each mistake', () => {
    expect(
      fileProblems('windows:\n  - days: [sat, funday]\n    from: "02:00"\n    to: "25:00"\n'),
    ).toBe(
      'maintenance.yaml: windows[0].days[1]: unknown day "funday" (use sun, mon, tue, wed, thu, fri, sat); windows[0].to: expected a time HH:MM between 00:00 and 24:00, got "25:00"',
    );
    expect(
      fileProblems(
        'windows:\n  - name: nas\n    start: 2026-01-02T00:00:00Z\n    end: 2026-01-01T00:00:00Z\n',
      ),
    ).toBe('maintenance.yaml: windows[0] (name "nas").end: end must be after start');
    expect(
      fileProblems(
        'windows:\n  - name: nas\n    start: 2026-01-01\n    end: 2026-01-02T00:00:00Z\n',
      ),
    ).toMatch(/windows\[0\] \(name "nas"\)\.start: expected an ISO time with a zone/);
    expect(fileProblems('windows:\n  - name: nas\n    days: [sat]\n')).toBe(
      'maintenance.yaml: windows[0] (name "nas"): a weekly window needs days, from and to',
    );
    expect(
      fileProblems(
        'windows:\n  - days: [sat]\n    from: "1:00"\n    to: "2:00"\n    labels: {ns: "~(x"}\n',
      ),
    ).toMatch(/^maintenance\.yaml: windows\[0\]\.labels\.ns: invalid regular expression/);
    expect(fileProblems('windows:\n  - days: [sat]\n    form: "1:00"\n')).toMatch(
      /Unrecognized key: "form"/,
    );
    expect(parseMaintenanceWindows('', 'empty.yaml')).toEqual([]);
  });

  it('holds an incident opened in a window and releases it when the window ends, if still open', () => {
    const db = openDatabase(':memory:');
    const options: IngestOptions = { maintenance: windows };
    const held = notification(db, 'firing', '2026-01-17T02:30:00.000Z', options);
    expect(held).toMatchObject({ created: true, notify: false, held: 'maintenance' });
    expect(releaseHeld(db, windows, new Date('2026-01-17T03:59:00Z'))).toEqual([]);
    const released = releaseHeld(db, windows, new Date('2026-01-17T04:00:00Z'));
    expect(released).toEqual([
      {
        incidentId: held.incidentId,
        source: 'alertmanager',
        groupKey: firingSample.groupKey,
        title: 'NodeFilesystemAlmostFull: Filesystem /srv on nas.home.lan is 91% full (2 alerts)',
        severity: 'warning',
        openedAt: '2026-01-17T02:30:00.000Z',
        flapping: false,
      },
    ]);
    expect(releaseHeld(db, windows, new Date('2026-01-17T04:05:00Z'))).toEqual([]);
    expect(db.prepare('SELECT notified_at FROM incidents').get()).toEqual({
      notified_at: '2026-01-17T04:00:00.000Z',
    });
  });

  it('never announces an incident that resolved during the window, and holds only matching ones', () => {
    const db = openDatabase(':memory:');
    const options: IngestOptions = { maintenance: windows };
    notification(db, 'firing', '2026-01-17T02:30:00.000Z', options);
    notification(db, 'resolved', '2026-01-17T03:00:00.000Z', options);
    expect(releaseHeld(db, windows, new Date('2026-01-17T05:00:00Z'))).toEqual([]);
    expect(db.prepare('SELECT status, notified_at FROM incidents').get()).toEqual({
      status: 'resolved',
      notified_at: null,
    });
    const outside = notification(db, 'firing', '2026-01-17T06:00:00.000Z', options);
    expect(outside).toMatchObject({ created: true, notify: true });
    expect(outside.held).toBeUndefined();
  });

  it('holds Coroot incidents too', () => {
    const db = openDatabase(':memory:');
    const parsed = parseCorootPayload(corootIncident);
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const outcome = ingestCoroot(
      db,
      parsed.notification,
      corootIncident,
      new Date('2026-01-16T22:00:00Z'),
      {
        maintenance: windows,
      },
    );
    expect(outcome).toMatchObject({
      kind: 'incident',
      created: true,
      notify: false,
      held: 'maintenance',
    });
    expect(releaseHeld(db, windows, new Date('2026-01-17T00:30:00Z'))).toEqual([
      expect.objectContaining({ incidentId: outcome.incidentId, source: 'coroot' }),
    ]);
  });
});
