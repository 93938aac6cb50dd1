// Scheduled queries (the seed's "Proactive Queries"): a YAML file of cron schedules and prompts,
// validated when loaded, and a Scheduler that sleeps until the next due query (one timer, no
// polling) and hands `{ kind: 'schedule', id, prompt, delivery }` to the pipeline. Runs missed
// while it was stopped (or while the process slept) are not replayed: the next one is due next.
import { errorFields, type Logger } from '@homelab/kit';
import { Cron } from 'croner';
import { z } from 'zod';
import { isTimeZone, loadYamlConfig, parseYamlConfig, timeZoneSchema } from './yaml-file.js';

export const DELIVERY_CHANNELS = ['signal', 'mattermost', 'console'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

/** Node's timers take at most 2^31-1 ms (about 24.8 days); a later run is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function cronOf(pattern: string, timezone: string): Cron {
  return new Cron(pattern, { paused: true, mode: '5-part', timezone });
}

const querySchema = z
  .strictObject({
    id: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
        'use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
      ),
    schedule: z.string().trim().min(1, 'a 5-field cron expression is required').max(200),
    prompt: z.string().trim().min(1, 'must not be empty').max(8000),
    delivery: z.enum(DELIVERY_CHANNELS).default('signal'),
    timezone: timeZoneSchema.default('UTC'),
  })
  .superRefine((query, ctx) => {
    if (!isTimeZone(query.timezone)) return;
    let next: Date | null;
    try {
      next = cronOf(query.schedule, query.timezone).nextRun();
    } catch (error) {
      const reason = (error as Error).message.replace(/^CronPattern: /, '');
      ctx.addIssue({
        code: 'custom',
        path: ['schedule'],
        message: `invalid cron expression ${JSON.stringify(query.schedule)} (minute hour day-of-month month day-of-week): ${reason}`,
      });
      return;
    }
    if (next === null)
      ctx.addIssue({
        code: 'custom',
        path: ['schedule'],
        message: `cron expression ${JSON.stringify(query.schedule)} never runs`,
      });
  });

export const schedulesFileSchema = z
  .strictObject({ queries: z.array(querySchema).max(500).default([]) })
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.queries.forEach((query, index) => {
      const first = seen.get(query.id);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['queries', index, 'id'],
          message: `duplicate id ${JSON.stringify(query.id)} (also queries[${first}])`,
        });
      else seen.set(query.id, index);
    });
  });

export type ScheduledQuery = z.output<typeof querySchema>;

/** Parses the text of a schedules file; a ConfigError names the file, the query and the field. */
export function parseSchedules(text: string, file: string): ScheduledQuery[] {
  return parseYamlConfig(text, file, schedulesFileSchema.nullable())?.queries ?? [];
}

/** Loads ORCH_SCHEDULES_FILE; throws a ConfigError naming the file, the query and the field. */
export function loadSchedules(path: string): ScheduledQuery[] {
  return loadYamlConfig(path, schedulesFileSchema.nullable())?.queries ?? [];
}

export interface ScheduleEvent {
  kind: 'schedule';
  id: string;
  prompt: string;
  delivery: DeliveryChannel;
  /** The time the run was due (the timer may fire a little later). */
  dueAt: Date;
}

/** Time and timers, injectable so tests control both. */
export interface SchedulerClock {
  now(): Date;
  setTimer(callback: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: SchedulerClock = {
  now: () => new Date(),
  setTimer: (callback, ms) => setTimeout(callback, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface SchedulerOptions {
  clock?: SchedulerClock;
  log?: Logger;
}

interface Entry {
  query: ScheduledQuery;
  cron: Cron;
  due: Date | null;
}

export class Scheduler {
  readonly #entries: Entry[];
  readonly #onDue: (event: ScheduleEvent) => void | Promise<void>;
  readonly #clock: SchedulerClock;
  readonly #log: Logger | undefined;
  #timer: unknown;
  #running = false;

  constructor(
    queries: readonly ScheduledQuery[],
    onDue: (event: ScheduleEvent) => void | Promise<void>,
    options: SchedulerOptions = {},
  ) {
    this.#entries = queries.map((query) => ({
      query,
      cron: cronOf(query.schedule, query.timezone),
      due: null,
    }));
    this.#onDue = onDue;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Starts from now: the first run of each query is its next due time after now. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const now = this.#clock.now();
    for (const entry of this.#entries) entry.due = entry.cron.nextRun(now);
    this.#arm();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  /** The next due time of each query (empty while stopped). */
  nextRuns(): Array<{ id: string; at: Date }> {
    if (!this.#running) return [];
    return this.#entries.flatMap((e) => (e.due ? [{ id: e.query.id, at: e.due }] : []));
  }

  #arm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    const dues = this.#entries.flatMap((e) => (e.due ? [e.due.getTime()] : []));
    if (!this.#running || dues.length === 0) return;
    const wait = Math.min(
      Math.max(0, Math.min(...dues) - this.#clock.now().getTime()),
      MAX_TIMER_MS,
    );
    this.#timer = this.#clock.setTimer(() => this.#tick(), wait);
  }

  #tick(): void {
    this.#timer = undefined;
    if (!this.#running) return;
    const now = this.#clock.now();
    for (const entry of this.#entries) {
      if (!entry.due || entry.due.getTime() > now.getTime()) continue;
      const dueAt = entry.due;
      entry.due = entry.cron.nextRun(now);
      this.#emit(entry.query, dueAt);
      if (!this.#running) return;
    }
    this.#arm();
  }

  #emit(query: ScheduledQuery, dueAt: Date): void {
    const event: ScheduleEvent = {
      kind: 'schedule',
      id: query.id,
      prompt: query.prompt,
      delivery: query.delivery,
      dueAt,
    };
    const failed = (error: unknown) =>
      this.#log?.error('scheduled query failed', { id: query.id, ...errorFields(error) });
    try {
      const result = this.#onDue(event);
      if (result instanceof Promise) result.catch(failed);
    } catch (error) {
      failed(error);
    }
  }
}
