// Scheduled queries: the seed's YAML loads, every mistake is named (file, query, field), and the
// Scheduler fires each query at its cron time on one timer, survives a failing callback, and
// does not replay runs missed while stopped. Time is vitest's fake clock.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLog } from '@homelab/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  loadSchedules,
  parseSchedules,
  Scheduler,
  type ScheduleEvent,
  type SchedulerClock,
} from '../src/ingest/schedules.js';

const SEED = `# scheduled-queries.yaml
queries:
  - id: unifi-features
    schedule: "0 9 1 * *"  # Monthly
    prompt: |
      Check UniFi controller for new features:
      - Recent firmware updates
    delivery: signal

  - id: security-review
    schedule: "0 10 * * 1"  # Weekly Monday
    prompt: |
      Security posture review:
      - Containers running as root
    delivery: signal
`;

function problems(text: string): string {
  try {
    parseSchedules(text, 'schedules.yaml');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the file to be refused');
}

describe('schedules file', () => {
  it("loads the seed's format", () => {
    const dir = mkdtempSync(join(tmpdir(), 'orchestrator-schedules-'));
    writeFileSync(join(dir, 'scheduled-queries.yaml'), SEED);
    expect(loadSchedules(join(dir, 'scheduled-queries.yaml'))).toEqual([
      {
        id: 'unifi-features',
        schedule: '0 9 1 * *',
        prompt: 'Check UniFi controller for new features:\n- Recent firmware updates',
        delivery: 'signal',
        timezone: 'UTC',
      },
      expect.objectContaining({ id: 'security-review', schedule: '0 10 * * 1' }),
    ]);
    expect(parseSchedules('', 'empty.yaml')).toEqual([]);
  });

  it('names the file, the query and the field of each mistake', () => {
    expect(problems(SEED.replace('0 10 * * 1', '0 25 * * 1'))).toMatch(
      /^schedules\.yaml: queries\[1\] \(id "security-review"\)\.schedule: invalid cron expression "0 25 \* \* 1" \(minute hour day-of-month month day-of-week\): Invalid value for hour: 25/,
    );
    expect(problems(SEED.replace('0 10 * * 1', '*/5 * * * * *'))).toMatch(
      /queries\[1\] \(id "security-review"\)\.schedule: invalid cron expression/,
    );
    expect(problems(SEED.replace('0 9 1 * *', '0 0 30 2 *'))).toMatch(
      /queries\[0\] \(id "unifi-features"\)\.schedule: cron expression "0 0 30 2 \*" never runs/,
    );
    expect(problems(SEED.replace('delivery: signal\n\n', 'delivery: sms\n\n'))).toBe(
      'schedules.yaml: queries[0] (id "unifi-features").delivery: Invalid option: expected one of "signal"|"mattermost"|"console"',
    );
    expect(
      problems(SEED.replace(/prompt: \|\n {6}Security[^\n]*\n[^\n]*\n/, 'prompt: " "\n')),
    ).toBe('schedules.yaml: queries[1] (id "security-review").prompt: must not be empty');
    expect(problems(SEED.replace('id: security-review', 'id: unifi-features'))).toBe(
      'schedules.yaml: queries[1] (id "unifi-features").id: duplicate id "unifi-features" (also queries[0])',
    );
    expect(problems('queries:\n  - id: x\n    schedule: "* * * * *"\n    promt: hi\n')).toMatch(
      /queries\[0\] \(id "x"\)(\.prompt: .*|: Unrecognized key: "promt")/,
    );
    expect(problems('queries: [\n')).toMatch(/^schedules\.yaml: not valid YAML: /);
    expect(problems('queries:\n  - id: x\n    id: y\n')).toMatch(/not valid YAML: .*unique/i);
    expect(() => loadSchedules('/nonexistent/schedules.yaml')).toThrow(
      '/nonexistent/schedules.yaml: cannot read the file (ENOENT)',
    );
  });
});

describe('Scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-01-12T09:59:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  const queries = parseSchedules(SEED, 'seed.yaml');

  it('fires each query at its cron time with one timer, not a polling loop', () => {
    const events: ScheduleEvent[] = [];
    const scheduler = new Scheduler(queries, (e) => void events.push(e));
    scheduler.start();
    expect(vi.getTimerCount()).toBe(1);
    expect(scheduler.nextRuns()).toEqual([
      { id: 'unifi-features', at: new Date('2026-02-01T09:00:00Z') },
      { id: 'security-review', at: new Date('2026-01-12T10:00:00Z') },
    ]);
    vi.advanceTimersByTime(59_999);
    expect(events).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(events).toEqual([
      {
        kind: 'schedule',
        id: 'security-review',
        prompt: 'Security posture review:\n- Containers running as root',
        delivery: 'signal',
        dueAt: new Date('2026-01-12T10:00:00Z'),
      },
    ]);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(28 * 24 * 3600_000);
    expect(events.map((e) => [e.id, e.dueAt.toISOString()])).toEqual([
      ['security-review', '2026-01-12T10:00:00.000Z'],
      ['security-review', '2026-01-19T10:00:00.000Z'],
      ['security-review', '2026-01-26T10:00:00.000Z'],
      ['unifi-features', '2026-02-01T09:00:00.000Z'],
      ['security-review', '2026-02-02T10:00:00.000Z'],
      ['security-review', '2026-02-09T10:00:00.000Z'],
    ]);
    scheduler.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not replay runs missed while stopped', () => {
    const events: ScheduleEvent[] = [];
    const scheduler = new Scheduler(queries, (e) => void events.push(e));
    scheduler.start();
    scheduler.stop();
    vi.setSystemTime(new Date('2026-01-26T12:00:00Z'));
    scheduler.start();
    expect(events).toEqual([]);
    expect(scheduler.nextRuns()).toContainEqual({
      id: 'security-review',
      at: new Date('2026-02-02T10:00:00Z'),
    });
    vi.advanceTimersByTime(7 * 24 * 3600_000);
    expect(events.map((e) => e.dueAt.toISOString())).toEqual([
      '2026-02-01T09:00:00.000Z',
      '2026-02-02T10:00:00.000Z',
    ]);
    scheduler.stop();
  });

  it('keeps running when the callback throws or rejects, and logs it', async () => {
    const log = captureLog();
    let calls = 0;
    const scheduler = new Scheduler(
      queries.filter((q) => q.id === 'security-review'),
      () => {
        calls += 1;
        if (calls === 1) throw new Error('pipeline down');
        return Promise.reject(new Error('model quota'));
      },
      { log: log.logger },
    );
    scheduler.start();
    await vi.advanceTimersByTimeAsync(8 * 24 * 3600_000);
    expect(calls).toBe(2);
    expect(scheduler.running).toBe(true);
    expect(log.lines.join('\n')).toMatch(/pipeline down[\s\S]*model quota/);
    scheduler.stop();
  });

  it('uses an injected clock and reaches runs further away than one timer can wait', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const timers: Array<{ callback: () => void; ms: number }> = [];
    const clock: SchedulerClock = {
      now: () => now,
      setTimer: (callback, ms) => timers.push({ callback, ms }),
      clearTimer: () => undefined,
    };
    const yearly = parseSchedules(
      'queries:\n  - id: yearly\n    schedule: "0 8 1 6 *"\n    prompt: Renew\n    delivery: console\n    timezone: Europe/Berlin\n',
      'yearly.yaml',
    );
    const events: ScheduleEvent[] = [];
    const scheduler = new Scheduler(yearly, (e) => void events.push(e), { clock });
    scheduler.start();
    expect(scheduler.nextRuns()).toEqual([{ id: 'yearly', at: new Date('2026-06-01T06:00:00Z') }]);
    expect(timers.at(-1)?.ms).toBe(2 ** 31 - 1);
    now = new Date(now.getTime() + 2 ** 31 - 1);
    timers.at(-1)?.callback();
    expect(events).toEqual([]);
    now = new Date('2026-06-01T06:00:00.250Z');
    timers.at(-1)?.callback();
    expect(events).toEqual([
      expect.objectContaining({ id: 'yearly', delivery: 'console', prompt: 'Renew' }),
    ]);
    expect(scheduler.nextRuns()).toEqual([{ id: 'yearly', at: new Date('2027-06-01T06:00:00Z') }]);
  });
});
