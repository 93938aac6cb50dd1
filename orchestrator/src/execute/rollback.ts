// Any executed change can be proposed for rollback. The proposal is a new one, with its own
// approval: its solution is the rollback calls the original solution declared (a runbook's
// `rollback`, or the model's), and its summary shows the state before each step as the journal
// recorded it, so the owner can also restore by hand when no rollback calls are known.
import type { Db } from '../store/database.js';
import { recordProposal, type ToolCall } from './executor.js';

export interface RollbackProposal {
  proposalId: number;
  /** False when no rollback calls are known: the proposal only documents the earlier state. */
  automatic: boolean;
}

interface ExecutedRow {
  proposal_id: number;
  incident_id: number | null;
  title: string;
  rollback_calls: string | null;
}

interface StepRow {
  step: number;
  tool: string;
  state: string;
  before_state: string | null;
}

export function proposeRollback(db: Db, approvalId: number, now = new Date()): RollbackProposal {
  const executed = db
    .prepare(
      `SELECT a.proposal_id, p.incident_id, s.title, s.rollback_calls FROM approvals a
       JOIN proposals p ON p.id = a.proposal_id
       JOIN solutions s ON s.proposal_id = a.proposal_id AND s.number = a.solution_number
       WHERE a.id = ?`,
    )
    .get(approvalId) as ExecutedRow | undefined;
  if (!executed) throw new Error(`approval ${approvalId} does not exist`);
  const steps = db
    .prepare(
      "SELECT step, tool, state, before_state FROM executions WHERE approval_id = ? AND state != 'failed' ORDER BY step",
    )
    .all(approvalId) as StepRow[];
  if (steps.length === 0)
    throw new Error(
      `approval ${approvalId} changed nothing (no step ran), so there is nothing to roll back`,
    );
  const before = steps
    .map(
      (s) => `step ${s.step} ${s.tool} (${s.state}): before = ${s.before_state ?? 'not recorded'}`,
    )
    .join('\n');
  const calls = executed.rollback_calls ? (JSON.parse(executed.rollback_calls) as ToolCall[]) : [];
  const proposalId = recordProposal(
    db,
    {
      incidentId: executed.incident_id ?? undefined,
      summary: `Roll back "${executed.title}" (approval ${approvalId}).\n${before}${
        calls.length === 0 ? '\nNo rollback calls are known: restore the values above by hand.' : ''
      }`,
      solutions:
        calls.length === 0
          ? []
          : [
              {
                title: `Undo: ${executed.title}`,
                risk: 'low',
                reversible: true,
                impact: 'returns to the state before the change',
                calls,
              },
            ],
      origin: 'rollback',
      rollbackOf: approvalId,
    },
    now,
  );
  return { proposalId, automatic: calls.length > 0 };
}
