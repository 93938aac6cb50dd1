// Maintenance windows (ORCH_MAINTENANCE_FILE): times when planned work makes alerts expected, so
// an incident opened inside a matching window is recorded but held instead of announced. A window
// is one period (`start`/`end`) or weekly (`days`, `from`, `to`, `timezone`), optionally only for
// alerts whose labels match (`namespace: media`, or `~regex`). When the window ends, releaseHeld
// hands back the held incidents still open, to announce then; those resolved meanwhile never are.
import { z } from 'zod';
import { loadYamlConfig, parseYamlConfig, timeZoneSchema } from '../ingest/yaml-file.js';
import { MAX_REGEX_INPUT } from '../runbooks/match.js';
import { compileMatcher } from '../runbooks/schema.js';
import type { Db } from '../store/database.js';

/** Matchers have the runbook triggers' syntax and meaning (runbooks/schema.ts compileMatcher). */
export interface LabelMatcher {
  label: string;
  /** The value as written: exact, or `~regex` (anchored, as Alertmanager's =~). */
  value: string;
  regex: RegExp | undefined;
}

export type WindowTime =
  | { kind: 'period'; start: Date; end: Date }
  | {
      kind: 'weekly';
      /** 0 = Sunday. */
      days: number[];
      /** Minutes after local midnight; `to` <= `from` means the window runs past midnight. */
      from: number;
      to: number;
      timezone: string;
    };

export interface MaintenanceWindow {
  name: string;
  time: WindowTime;
  matchers: LabelMatcher[];
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const FULL_DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

const daySchema = z.string().transform((value, ctx) => {
  const lower = value.trim().toLowerCase();
  const index = DAYS.findIndex((d, i) => d === lower || FULL_DAYS[i] === lower);
  if (index >= 0) return index;
  ctx.addIssue({
    code: 'custom',
    message: `unknown day ${JSON.stringify(value)} (use ${DAYS.join(', ')})`,
  });
  return z.NEVER;
});

const clockSchema = z.string().transform((value, ctx) => {
  const match = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
  if (match && Number(match[2]) < 60 && minutes <= 24 * 60) return minutes;
  ctx.addIssue({
    code: 'custom',
    message: `expected a time HH:MM between 00:00 and 24:00, got ${JSON.stringify(value)}`,
  });
  return z.NEVER;
});

const instantSchema = z.iso
  .datetime({ offset: true, error: 'expected an ISO time with a zone, e.g. 2026-01-17T02:00:00Z' })
  .transform((value) => new Date(value));

const windowSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    start: instantSchema.optional(),
    end: instantSchema.optional(),
    days: z.array(daySchema).min(1).max(7).optional(),
    from: clockSchema.optional(),
    to: clockSchema.optional(),
    timezone: timeZoneSchema.optional(),
    labels: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'not a label name'),
        z.string().min(1).max(256),
      )
      .optional(),
  })
  .transform((raw, ctx): Omit<MaintenanceWindow, 'name'> & { name: string | undefined } => {
    const problem = (message: string, path: string[] = []) => {
      ctx.addIssue({ code: 'custom', message, path });
      return z.NEVER;
    };
    const matchers: LabelMatcher[] = [];
    for (const [label, value] of Object.entries(raw.labels ?? {})) {
      if (!value.startsWith('~')) {
        matchers.push({ label, value, regex: undefined });
        continue;
      }
      try {
        matchers.push({ label, value, regex: compileMatcher(value) });
      } catch (error) {
        return problem(`invalid regular expression: ${(error as Error).message}`, [
          'labels',
          label,
        ]);
      }
    }
    const period = raw.start !== undefined || raw.end !== undefined;
    const weekly = raw.days !== undefined || raw.from !== undefined || raw.to !== undefined;
    if (period && weekly)
      return problem('give either start and end, or days, from and to, not both');
    if (period) {
      if (!raw.start || !raw.end) return problem('a period needs both start and end');
      if (raw.end <= raw.start) return problem('end must be after start', ['end']);
      if (raw.timezone) return problem('timezone applies to weekly windows only', ['timezone']);
      return { name: raw.name, time: { kind: 'period', start: raw.start, end: raw.end }, matchers };
    }
    if (!weekly) return problem('give start and end, or days, from and to');
    if (!raw.days || raw.from === undefined || raw.to === undefined)
      return problem('a weekly window needs days, from and to');
    if (raw.from === raw.to) return problem('from and to must differ', ['to']);
    if (raw.from === 24 * 60) return problem('from must be before 24:00', ['from']);
    return {
      name: raw.name,
      time: {
        kind: 'weekly',
        days: [...new Set(raw.days)],
        from: raw.from,
        to: raw.to,
        timezone: raw.timezone ?? 'UTC',
      },
      matchers,
    };
  });

const fileSchema = z
  .strictObject({ windows: z.array(windowSchema).max(500).default([]) })
  .nullable()
  .transform((file) =>
    (file?.windows ?? []).map((w, i): MaintenanceWindow => ({
      ...w,
      name: w.name ?? `window ${i + 1}`,
    })),
  );

/** Parses the text of a maintenance file; a ConfigError names the file, the window and the field. */
export function parseMaintenanceWindows(text: string, file: string): MaintenanceWindow[] {
  return parseYamlConfig(text, file, fileSchema);
}

/** Loads ORCH_MAINTENANCE_FILE; a ConfigError names the file, the window and the field. */
export function loadMaintenanceWindows(path: string): MaintenanceWindow[] {
  return loadYamlConfig(path, fileSchema);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localTime(at: Date, timeZone: string): { day: number; minutes: number } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return {
    day: DAYS.indexOf((parts.weekday ?? '').toLowerCase() as (typeof DAYS)[number]),
    minutes: (Number(parts.hour) % 24) * 60 + Number(parts.minute),
  };
}

export function windowIsOpen(time: WindowTime, at: Date): boolean {
  if (time.kind === 'period') return time.start <= at && at < time.end;
  const { day, minutes } = localTime(at, time.timezone);
  if (time.from < time.to)
    return time.days.includes(day) && time.from <= minutes && minutes < time.to;
  return (
    (time.days.includes(day) && minutes >= time.from) ||
    (time.days.includes((day + 6) % 7) && minutes < time.to)
  );
}

/** Every matcher holds: exact value, or ~regex (anchored; over-long values never match one). */
export function labelsMatch(matchers: readonly LabelMatcher[], labels: Record<string, string>) {
  return matchers.every((m) => {
    const actual = Object.hasOwn(labels, m.label) ? labels[m.label] : undefined;
    if (typeof actual !== 'string') return false;
    if (!m.regex) return actual === m.value;
    return actual.length <= MAX_REGEX_INPUT && m.regex.test(actual);
  });
}

/** The first window open at `at` whose matchers every alert's labels satisfy. */
export function activeWindow(
  windows: readonly MaintenanceWindow[],
  labelSets: ReadonlyArray<Record<string, string>>,
  at: Date,
): MaintenanceWindow | undefined {
  return windows.find(
    (w) => windowIsOpen(w.time, at) && labelSets.every((labels) => labelsMatch(w.matchers, labels)),
  );
}

export interface ReleasedIncident {
  incidentId: number;
  source: string;
  groupKey: string;
  title: string;
  severity: string | null;
  openedAt: string;
  /** Its group was flapping when it opened (say so in the message). */
  flapping: boolean;
}

/**
 * The incidents held for maintenance that are still open and no longer inside a matching window,
 * marked notified now: the caller announces them. Resolved ones are never returned.
 */
export function releaseHeld(
  db: Db,
  windows: readonly MaintenanceWindow[],
  now: Date = new Date(),
): ReleasedIncident[] {
  return db.transaction(() => {
    const held = db
      .prepare(
        `SELECT id, source, group_key, title, severity, opened_at, flapping FROM incidents
         WHERE held_reason = 'maintenance' AND notified_at IS NULL AND status = 'open' ORDER BY id`,
      )
      .all() as Array<{
      id: number;
      source: string;
      group_key: string;
      title: string;
      severity: string | null;
      opened_at: string;
      flapping: number;
    }>;
    const labelsOf = db.prepare(
      "SELECT labels FROM incident_alerts WHERE incident_id = ? AND status = 'firing'",
    );
    const mark = db.prepare('UPDATE incidents SET notified_at = ? WHERE id = ?');
    const released: ReleasedIncident[] = [];
    for (const row of held) {
      const labelSets = (labelsOf.all(row.id) as Array<{ labels: string }>).map(
        (r) => JSON.parse(r.labels) as Record<string, string>,
      );
      if (activeWindow(windows, labelSets, now)) continue;
      mark.run(now.toISOString(), row.id);
      released.push({
        incidentId: row.id,
        source: row.source,
        groupKey: row.group_key,
        title: row.title,
        severity: row.severity,
        openedAt: row.opened_at,
        flapping: row.flapping === 1,
      });
    }
    return released;
  })();
}
