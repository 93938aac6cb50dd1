// Fault injection: the ways a real upstream misbehaves (slow, erroring, dropping, hanging,
// answering garbage, disconnecting WebSockets), switched on per test.
// Why: clients must be proven against broken upstreams, and a fault table on the simulated
// server exercises the client's real network code instead of a mocked one.

import { z } from 'zod';
import { compilePathTemplate, matchPathTemplate, type PathTemplate } from './path-template.js';

export type FaultStatus = 401 | 403 | 404 | 429 | 500 | 502 | 503 | 504;

export interface FaultMatch {
  /** HTTP method, any case; ignored by `ws-close`. */
  method?: string;
  /** Exact request path, a `{param}` template, or a RegExp tested against the path. */
  path?: string | RegExp;
}

export type Fault = { match?: FaultMatch; times?: number /* default: forever */ } & (
  | { kind: 'latency'; ms: number }
  | { kind: 'status'; status: FaultStatus; body?: unknown; retryAfterSeconds?: number }
  | { kind: 'drop' }
  | { kind: 'hang' }
  | { kind: 'malformed' }
  | { kind: 'ws-close'; code?: number }
);

export type FaultKind = Fault['kind'];

export interface FaultController {
  /** Adds a fault; faults apply in the order injected. A `ws-close` also closes matching open sockets now. */
  inject(fault: Fault): void;
  /** Removes every fault. */
  clear(): void;
  /** The faults still in force (with their remaining `times`). */
  readonly active: readonly Fault[];
}

const common = {
  match: z
    .object({
      method: z.string().min(1).optional(),
      path: z.union([z.string().startsWith('/'), z.instanceof(RegExp)]).optional(),
    })
    .optional(),
  times: z.number().int().positive().optional(),
};

const faultSchema = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.literal('latency'), ms: z.number().int().nonnegative() }),
  z.object({
    ...common,
    kind: z.literal('status'),
    status: z.literal([401, 403, 404, 429, 500, 502, 503, 504]),
    body: z.unknown().optional(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
  }),
  z.object({ ...common, kind: z.literal('drop') }),
  z.object({ ...common, kind: z.literal('hang') }),
  z.object({ ...common, kind: z.literal('malformed') }),
  z.object({
    ...common,
    kind: z.literal('ws-close'),
    code: z
      .number()
      .int()
      .refine(
        (code) =>
          (code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) ||
          (code >= 3000 && code <= 4999),
        {
          message: 'not a close code a server may send (1000-1003, 1007-1014, 3000-4999)',
        },
      )
      .optional(),
  }),
]);

interface ActiveFault {
  fault: Fault;
  remaining: number;
  pathTemplate: PathTemplate | undefined;
}

/** The faults of one upstream and the rules for which request they hit. */
export class FaultTable {
  private entries: ActiveFault[] = [];

  add(fault: Fault): ActiveFault {
    const parsed = faultSchema.safeParse(fault);
    if (!parsed.success) throw new Error(`invalid fault: ${z.prettifyError(parsed.error)}`);
    const path = fault.match?.path;
    const entry: ActiveFault = {
      fault: { ...fault },
      remaining: fault.times ?? Number.POSITIVE_INFINITY,
      pathTemplate:
        typeof path === 'string' && path.includes('{') ? compilePathTemplate(path) : undefined,
    };
    this.entries.push(entry);
    return entry;
  }

  clear(): void {
    this.entries = [];
  }

  list(): Fault[] {
    return this.entries.map(({ fault, remaining }) =>
      Number.isFinite(remaining) ? { ...fault, times: remaining } : { ...fault },
    );
  }

  matches(entry: ActiveFault, method: string | undefined, path: string): boolean {
    if (entry.remaining <= 0) return false;
    const match = entry.fault.match;
    if (
      method !== undefined &&
      match?.method !== undefined &&
      match.method.toUpperCase() !== method.toUpperCase()
    ) {
      return false;
    }
    const wanted = match?.path;
    if (wanted === undefined) return true;
    if (wanted instanceof RegExp) {
      wanted.lastIndex = 0;
      return wanted.test(path);
    }
    if (entry.pathTemplate) return matchPathTemplate(entry.pathTemplate, path) !== undefined;
    return wanted === path;
  }

  consume(entry: ActiveFault): void {
    entry.remaining -= 1;
    if (entry.remaining <= 0)
      this.entries = this.entries.filter((candidate) => candidate !== entry);
  }

  /**
   * Faults for an HTTP request (or WebSocket upgrade): every matching latency fault adds its delay,
   * and the first matching other fault replaces the response. Applied faults use up one of `times`.
   */
  takeForRequest(
    method: string,
    path: string,
  ): { latencyMs: number; replacement: Fault | undefined; applied: Fault[] } {
    let latencyMs = 0;
    let replacement: Fault | undefined;
    const applied: Fault[] = [];
    for (const entry of [...this.entries]) {
      const { fault } = entry;
      if (fault.kind === 'ws-close' || !this.matches(entry, method, path)) continue;
      if (fault.kind === 'latency') latencyMs += fault.ms;
      else if (replacement === undefined) replacement = fault;
      else continue;
      applied.push(fault);
      this.consume(entry);
    }
    return { latencyMs, replacement, applied };
  }

  /** The `ws-close` fault hitting a message on a socket opened at `path`, if any (uses one of its `times`). */
  takeWsClose(path: string): Extract<Fault, { kind: 'ws-close' }> | undefined {
    for (const entry of this.entries) {
      const { fault } = entry;
      if (fault.kind !== 'ws-close' || !this.matches(entry, undefined, path)) continue;
      this.consume(entry);
      return fault;
    }
    return undefined;
  }
}

export type { ActiveFault };
