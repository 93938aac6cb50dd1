// After an execution, did it fix what triggered it? Either the incident's alerts resolve within a
// window (the default when there is an incident), or a read-back through a read-only tool shows
// the expected value. The result is recorded per approval; a failed verification is reported, and
// the executed change can then be proposed for rollback (execute/rollback.ts).
import type { Logger } from '@homelab/kit';
import { z } from 'zod';
import type { ToolCall, ToolCaller } from '../execute/executor.js';
import type { Db } from '../store/database.js';

export const expectationSchema = z
  .object({
    /** Dotted path into the tool's structured output, e.g. "replicas.ready" or "items.0.phase". */
    path: z.string().min(1),
    equals: z.unknown().optional(),
    at_least: z.number().optional(),
    at_most: z.number().optional(),
    matches: z.string().optional(),
  })
  .strict();

export type Expectation = z.output<typeof expectationSchema>;

export type VerifyPlan =
  | { method: 'alert_resolved'; withinMs: number }
  | { method: 'read_back'; call: ToolCall; expect: Expectation; withinMs: number }
  | { method: 'none'; reason: string };

export type VerificationStatus = 'pending' | 'passed' | 'failed' | 'skipped';

export interface VerificationRecord {
  approvalId: number;
  method: VerifyPlan['method'];
  status: VerificationStatus;
  detail: string;
}

interface VerificationRow {
  id: number;
  approval_id: number;
  method: VerifyPlan['method'];
  status: VerificationStatus;
  detail: string;
  deadline_at: string;
}

/** The value at a dotted path ("a.b.0.c") of a JSON value. */
export function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** Whether an observed value meets an expectation, and a sentence saying what was seen. */
export function meets(observed: unknown, expect: Expectation): { ok: boolean; detail: string } {
  const seen = `${expect.path} is ${JSON.stringify(observed) ?? 'absent'}`;
  const failures: string[] = [];
  if ('equals' in expect && JSON.stringify(observed) !== JSON.stringify(expect.equals))
    failures.push(`expected ${JSON.stringify(expect.equals)}`);
  if (
    expect.at_least !== undefined &&
    !(typeof observed === 'number' && observed >= expect.at_least)
  )
    failures.push(`expected at least ${expect.at_least}`);
  if (expect.at_most !== undefined && !(typeof observed === 'number' && observed <= expect.at_most))
    failures.push(`expected at most ${expect.at_most}`);
  if (expect.matches !== undefined && !new RegExp(expect.matches).test(String(observed)))
    failures.push(`expected to match /${expect.matches}/`);
  return failures.length === 0
    ? { ok: true, detail: seen }
    : { ok: false, detail: `${seen}; ${failures.join(', ')}` };
}

export class Verifier {
  constructor(
    private readonly db: Db,
    /** Read-only calls only (McpHub.readOnlyCaller). */
    private readonly tools: ToolCaller,
    private readonly log: Logger,
  ) {}

  /** Records that an execution is to be verified, and how. */
  start(approvalId: number, plan: VerifyPlan, now = new Date()): void {
    const withinMs = plan.method === 'none' ? 0 : plan.withinMs;
    this.db
      .prepare(
        'INSERT INTO verifications (approval_id, method, status, detail, started_at, deadline_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (approval_id) DO NOTHING',
      )
      .run(
        approvalId,
        plan.method,
        plan.method === 'none' ? 'skipped' : 'pending',
        plan.method === 'none' ? plan.reason : JSON.stringify(plan),
        now.toISOString(),
        new Date(now.getTime() + withinMs).toISOString(),
        plan.method === 'none' ? now.toISOString() : null,
      );
  }

  /** A pending row's plan, as `start` stored it in `detail`. */
  private planOf(row: VerificationRow): VerifyPlan | undefined {
    try {
      return JSON.parse(row.detail) as VerifyPlan;
    } catch {
      return undefined;
    }
  }

  private incidentStatus(approvalId: number): string | undefined {
    const row = this.db
      .prepare(
        'SELECT i.status FROM approvals a JOIN proposals p ON p.id = a.proposal_id JOIN incidents i ON i.id = p.incident_id WHERE a.id = ?',
      )
      .get(approvalId) as { status: string } | undefined;
    return row?.status;
  }

  private settle(row: VerificationRow, status: 'passed' | 'failed', detail: string, now: Date) {
    this.db
      .prepare('UPDATE verifications SET status = ?, detail = ?, finished_at = ? WHERE id = ?')
      .run(status, detail, now.toISOString(), row.id);
    const fields = { approvalId: row.approval_id, detail };
    if (status === 'passed') this.log.info('verification passed', fields);
    else this.log.warn('verification failed', fields);
  }

  /** Checks every pending verification once; returns the ones that finished now. */
  async checkPending(now = new Date()): Promise<VerificationRecord[]> {
    const rows = this.db
      .prepare("SELECT * FROM verifications WHERE status = 'pending' ORDER BY id")
      .all() as VerificationRow[];
    const finished: VerificationRecord[] = [];
    for (const row of rows) {
      const plan = this.planOf(row);
      const overdue = Date.parse(row.deadline_at) <= now.getTime();
      let outcome: { ok: boolean; detail: string } | undefined;
      if (plan?.method === 'alert_resolved') {
        const status = this.incidentStatus(row.approval_id);
        if (status === 'resolved') outcome = { ok: true, detail: 'the alert resolved' };
        else if (overdue)
          outcome = {
            ok: false,
            detail: `the alert was still firing ${Math.round(plan.withinMs / 60_000)} min after the change`,
          };
      } else if (plan?.method === 'read_back') {
        const result = await this.tools.call(plan.call);
        const check = result.isError
          ? {
              ok: false,
              detail: `read-back ${plan.call.tool} failed: ${result.text.slice(0, 300)}`,
            }
          : meets(valueAt(result.structured, plan.expect.path), plan.expect);
        if (check.ok || overdue) outcome = check;
      } else {
        outcome = { ok: false, detail: 'the verification plan could not be read back' };
      }
      if (!outcome) continue;
      const status = outcome.ok ? 'passed' : 'failed';
      this.settle(row, status, outcome.detail, now);
      finished.push({
        approvalId: row.approval_id,
        method: row.method,
        status,
        detail: outcome.detail,
      });
    }
    return finished;
  }
}
