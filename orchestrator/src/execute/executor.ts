// The only place a mutating tool call is made, and only for an approved solution. The gate is
// code: an approval must exist for this exact proposal, solution and hash of its calls, be
// unexpired and unused; it is consumed in the same transaction that opens the journal. Each call
// is journalled as `executing` before it is made and finished afterwards, so after a crash
// (kill -9) the interrupted step is found, marked `unknown` and reported, and never run again.
import { createHash } from 'node:crypto';
import type { Logger } from '@homelab/kit';
import type { Db } from '../store/database.js';

export interface ToolCall {
  /** Namespaced tool, e.g. "infrastructure__set_container_resources". */
  tool: string;
  arguments: Record<string, unknown>;
}

export interface ToolCallResult {
  isError: boolean;
  text: string;
  structured?: unknown;
}

/** What the executor calls tools through (the MCP clients to the servers). */
export interface ToolCaller {
  call(call: ToolCall, signal?: AbortSignal): Promise<ToolCallResult>;
}

/** The preview of one call of a solution, as its dry run answered. */
export interface DryRunResult {
  tool: string;
  isError: boolean;
  text: string;
  /** The exact before/after values, when the tool reported them. */
  changes?: unknown;
  /** The tool's one-line account of the change ("Would restart deployment media/radarr"). */
  summary?: string;
}

export interface SolutionInput {
  title: string;
  risk: 'read' | 'low' | 'high';
  calls: ToolCall[];
  /** What the owner should expect (downtime, side effects). */
  impact?: string;
  reversible?: boolean;
  dryRun?: DryRunResult[];
  /** Calls that undo this solution, when known. */
  rollback?: ToolCall[];
  /** How to check it worked (runbook `verify`), as JSON. */
  verify?: unknown;
}

export type ProposalOrigin = 'model' | 'runbook' | 'rollback' | 'manual';

export type ExecutionOutcome =
  | { status: 'succeeded'; steps: ToolCallResult[] }
  | { status: 'failed'; failedStep: number; steps: ToolCallResult[] };

export class ApprovalRefused extends Error {
  constructor(reason: string) {
    super(`execution refused: ${reason}`);
    this.name = 'ApprovalRefused';
  }
}

/** Canonical JSON (sorted keys) so the same calls always hash the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function callsHash(calls: readonly ToolCall[]): string {
  return createHash('sha256').update(canonical(calls)).digest('hex');
}

/** Records a proposal of numbered solutions (numbering from 1). */
export function recordProposal(
  db: Db,
  input: {
    incidentId?: number;
    summary: string;
    solutions: SolutionInput[];
    origin?: ProposalOrigin;
    runbookId?: string;
    rollbackOf?: number;
  },
  now = new Date(),
): number {
  return db.transaction(() => {
    const id = Number(
      db
        .prepare(
          "INSERT INTO proposals (incident_id, summary, created_at, status, origin, runbook_id, rollback_of) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
        )
        .run(
          input.incidentId ?? null,
          input.summary,
          now.toISOString(),
          input.origin ?? 'model',
          input.runbookId ?? null,
          input.rollbackOf ?? null,
        ).lastInsertRowid,
    );
    const insert = db.prepare(
      'INSERT INTO solutions (proposal_id, number, title, risk, calls, calls_sha256, impact, reversible, dry_run, rollback_calls, verify) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    input.solutions.forEach((s, i) =>
      insert.run(
        id,
        i + 1,
        s.title,
        s.risk,
        canonical(s.calls),
        callsHash(s.calls),
        s.impact ?? '',
        s.reversible ? 1 : 0,
        JSON.stringify(s.dryRun ?? []),
        s.rollback ? canonical(s.rollback) : null,
        s.verify === undefined ? null : JSON.stringify(s.verify),
      ),
    );
    return id;
  })();
}

/**
 * The grant a promoted runbook gives itself: an approval row made by the runbook, not a person,
 * for a proposal that came from that runbook. Refused unless the runbook is promoted to `auto`,
 * so a runbook still at `ask_human` can never skip the human.
 */
export function recordRunbookGrant(
  db: Db,
  input: {
    proposalId: number;
    solution: number;
    runbookId: string;
    automationLevel: string;
    ttlMs?: number;
  },
  now = new Date(),
): number {
  if (input.automationLevel !== 'auto')
    throw new ApprovalRefused(
      `runbook ${input.runbookId} is not promoted to auto (it is ${input.automationLevel}); a person must approve`,
    );
  const proposal = db
    .prepare('SELECT origin, runbook_id FROM proposals WHERE id = ?')
    .get(input.proposalId) as { origin: string; runbook_id: string | null } | undefined;
  if (proposal?.origin !== 'runbook' || proposal.runbook_id !== input.runbookId)
    throw new ApprovalRefused(
      `proposal ${input.proposalId} did not come from runbook ${input.runbookId}`,
    );
  const solution = db
    .prepare('SELECT calls_sha256 FROM solutions WHERE proposal_id = ? AND number = ?')
    .get(input.proposalId, input.solution) as { calls_sha256: string } | undefined;
  if (!solution)
    throw new ApprovalRefused(`proposal ${input.proposalId} has no solution ${input.solution}`);
  return recordApproval(
    db,
    {
      proposalId: input.proposalId,
      solution: input.solution,
      callsSha256: solution.calls_sha256,
      approvedBy: `runbook:${input.runbookId}`,
      channel: 'runbook',
      ttlMs: input.ttlMs ?? 60_000,
    },
    now,
  );
}

/**
 * Records an approval of one solution as shown to the approver: `callsSha256` is the hash of the
 * calls they saw, so a solution changed afterwards no longer matches.
 */
export function recordApproval(
  db: Db,
  input: {
    proposalId: number;
    solution: number;
    callsSha256: string;
    approvedBy: string;
    channel: string;
    ttlMs: number;
  },
  now = new Date(),
): number {
  return Number(
    db
      .prepare(
        'INSERT INTO approvals (proposal_id, solution_number, calls_sha256, approved_by, channel, approved_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        input.proposalId,
        input.solution,
        input.callsSha256,
        input.approvedBy,
        input.channel,
        now.toISOString(),
        new Date(now.getTime() + input.ttlMs).toISOString(),
      ).lastInsertRowid,
  );
}

interface ApprovalRow {
  id: number;
  proposal_id: number;
  solution_number: number;
  calls_sha256: string;
  expires_at: string;
  used_at: string | null;
}

/** The state a step is about to change, from a dry run made just before it. */
function beforeState(preview: ToolCallResult): unknown {
  if (preview.isError) return { unavailable: preview.text.slice(0, 500) };
  const changes = (preview.structured as { changes?: unknown } | undefined)?.changes;
  return changes ?? { preview: preview.text.slice(0, 2000) };
}

export class Executor {
  /**
   * @param preview dry-runs a call (McpHub.dryRun) just before it is made, so the state before
   * each change is kept for a rollback proposal.
   */
  constructor(
    private readonly db: Db,
    private readonly tools: ToolCaller,
    private readonly log: Logger,
    private readonly preview?: ToolCaller,
  ) {}

  /** After a restart: every step left `executing` becomes `unknown` (never re-run). Returns them. */
  recoverInterrupted(now = new Date()): Array<{ approvalId: number; step: number; tool: string }> {
    const interrupted = this.db
      .prepare(
        "SELECT approval_id AS approvalId, step, tool FROM executions WHERE state = 'executing' ORDER BY id",
      )
      .all() as Array<{ approvalId: number; step: number; tool: string }>;
    if (interrupted.length > 0) {
      this.db
        .prepare(
          "UPDATE executions SET state = 'unknown', finished_at = ?, result = ? WHERE state = 'executing'",
        )
        .run(
          now.toISOString(),
          'interrupted: the orchestrator stopped while this call was in flight; check its effect before retrying',
        );
      for (const step of interrupted)
        this.log.warn('execution step interrupted; marked unknown and not re-run', step);
    }
    return interrupted;
  }

  /** Checks and consumes the approval, then runs the approved solution's calls in order. */
  async execute(approvalId: number, now = new Date()): Promise<ExecutionOutcome> {
    const plan = this.db.transaction(() => {
      const approval = this.db.prepare('SELECT * FROM approvals WHERE id = ?').get(approvalId) as
        ApprovalRow | undefined;
      if (!approval) throw new ApprovalRefused(`approval ${approvalId} does not exist`);
      if (approval.used_at)
        throw new ApprovalRefused(`approval ${approvalId} was already used at ${approval.used_at}`);
      if (Date.parse(approval.expires_at) <= now.getTime())
        throw new ApprovalRefused(`approval ${approvalId} expired at ${approval.expires_at}`);
      const solution = this.db
        .prepare('SELECT calls, calls_sha256 FROM solutions WHERE proposal_id = ? AND number = ?')
        .get(approval.proposal_id, approval.solution_number) as
        { calls: string; calls_sha256: string } | undefined;
      if (!solution)
        throw new ApprovalRefused(
          `proposal ${approval.proposal_id} has no solution ${approval.solution_number}`,
        );
      const calls = JSON.parse(solution.calls) as ToolCall[];
      if (
        solution.calls_sha256 !== approval.calls_sha256 ||
        callsHash(calls) !== approval.calls_sha256
      ) {
        throw new ApprovalRefused('the solution differs from the one that was approved');
      }
      this.db
        .prepare('UPDATE approvals SET used_at = ? WHERE id = ?')
        .run(now.toISOString(), approvalId);
      this.db
        .prepare("UPDATE proposals SET status = 'approved' WHERE id = ?")
        .run(approval.proposal_id);
      return { calls, proposalId: approval.proposal_id };
    })();

    const steps: ToolCallResult[] = [];
    const start = this.db.prepare(
      "INSERT INTO executions (approval_id, step, tool, arguments, state, started_at, before_state) VALUES (?, ?, ?, ?, 'executing', ?, ?)",
    );
    const finish = this.db.prepare(
      'UPDATE executions SET state = ?, finished_at = ?, result = ? WHERE approval_id = ? AND step = ?',
    );
    for (const [index, call] of plan.calls.entries()) {
      const step = index + 1;
      let before: unknown = null;
      if (this.preview) {
        const preview = await this.preview
          .call(call)
          .catch((error: unknown) => ({ isError: true, text: String(error) }));
        before = beforeState(preview);
      }
      start.run(
        approvalId,
        step,
        call.tool,
        canonical(call.arguments),
        new Date().toISOString(),
        JSON.stringify(before),
      );
      let result: ToolCallResult;
      try {
        result = await this.tools.call(call);
      } catch (error) {
        result = { isError: true, text: error instanceof Error ? error.message : String(error) };
      }
      steps.push(result);
      finish.run(
        result.isError ? 'failed' : 'succeeded',
        new Date().toISOString(),
        result.text.slice(0, 10_000),
        approvalId,
        step,
      );
      if (result.isError) {
        this.log.warn('execution step failed; later steps not run', {
          approvalId,
          step,
          tool: call.tool,
        });
        return { status: 'failed', failedStep: step, steps };
      }
    }
    this.db.prepare("UPDATE proposals SET status = 'executed' WHERE id = ?").run(plan.proposalId);
    return { status: 'succeeded', steps };
  }
}
