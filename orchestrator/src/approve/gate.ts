// The approval gate's decisions, independent of any channel: who may approve (an allow-list per
// channel), what an approval binds (one pending proposal, one solution, the hash of its exact
// calls), and when a proposal left unanswered expires — expiry never counts as approval, and the
// owner is told. The channels (Signal, Mattermost, the web console) only carry text to and from
// here; the Executor then refuses anything this gate did not record.
import type { Logger } from '@homelab/kit';
import { recordApproval } from '../execute/executor.js';
import type { ApprovalChannel, OutgoingMessage } from './channel.js';
import type { Db } from '../store/database.js';
import { proposalView, solutionsFoundText } from './messages.js';

export interface ApprovalGateOptions {
  /** Sender ids allowed to decide, per channel name. */
  approvers: Record<string, readonly string[]>;
  /** How long a proposal waits for an answer. */
  proposalTtlMs: number;
  /** How long an approval stays usable by the executor. */
  approvalTtlMs: number;
}

export type Decision = { ok: true; approvalId: number } | { ok: false; reason: string };

export class ApprovalGate {
  constructor(
    private readonly db: Db,
    private readonly channels: readonly ApprovalChannel[],
    private readonly options: ApprovalGateOptions,
    private readonly log: Logger,
  ) {}

  /** Sends a message to every channel; one failing channel does not stop the others. */
  async broadcast(message: OutgoingMessage): Promise<void> {
    await Promise.all(
      this.channels.map((channel) =>
        channel.send(message).catch((error: unknown) =>
          this.log.warn('a channel failed to send', {
            channel: channel.name,
            kind: message.kind,
            error: error instanceof Error ? error.message : String(error),
          }),
        ),
      ),
    );
  }

  async present(proposalId: number): Promise<void> {
    const view = proposalView(this.db, proposalId);
    if (!view) throw new Error(`proposal ${proposalId} does not exist`);
    await this.broadcast({
      kind: 'solutions',
      text: solutionsFoundText(view),
      proposalId,
      incidentId: view.incidentId ?? undefined,
    });
  }

  private allowed(channel: string, sender: string): boolean {
    return (this.options.approvers[channel] ?? []).includes(sender);
  }

  private pending(proposalId: number, now: Date): { reason?: string } {
    const row = this.db
      .prepare('SELECT status, created_at FROM proposals WHERE id = ?')
      .get(proposalId) as { status: string; created_at: string } | undefined;
    if (!row) return { reason: `proposal ${proposalId} does not exist` };
    if (row.status !== 'pending')
      return { reason: `proposal ${proposalId} was already decided (${row.status})` };
    if (Date.parse(row.created_at) + this.options.proposalTtlMs <= now.getTime())
      return { reason: `proposal ${proposalId} has expired; nothing was done` };
    return {};
  }

  /** Approves one solution for the sender, or says why not. Nothing runs here. */
  approve(
    input: { proposalId: number; solution: number; sender: string; channel: string },
    now = new Date(),
  ): Decision {
    if (!this.allowed(input.channel, input.sender)) {
      this.log.warn('approval from a sender not on the allow-list ignored', {
        channel: input.channel,
      });
      return { ok: false, reason: 'you are not on the list of approvers' };
    }
    return this.db.transaction((): Decision => {
      const { reason } = this.pending(input.proposalId, now);
      if (reason) return { ok: false, reason };
      const solution = this.db
        .prepare('SELECT calls_sha256 FROM solutions WHERE proposal_id = ? AND number = ?')
        .get(input.proposalId, input.solution) as { calls_sha256: string } | undefined;
      if (!solution)
        return {
          ok: false,
          reason: `proposal ${input.proposalId} has no solution ${input.solution}`,
        };
      const approvalId = recordApproval(
        this.db,
        {
          proposalId: input.proposalId,
          solution: input.solution,
          callsSha256: solution.calls_sha256,
          approvedBy: input.sender,
          channel: input.channel,
          ttlMs: this.options.approvalTtlMs,
        },
        now,
      );
      this.db
        .prepare("UPDATE proposals SET status = 'approved' WHERE id = ?")
        .run(input.proposalId);
      return { ok: true, approvalId };
    })();
  }

  deny(
    input: { proposalId: number; sender: string; channel: string },
    now = new Date(),
  ): { ok: boolean; reason?: string } {
    if (!this.allowed(input.channel, input.sender))
      return { ok: false, reason: 'you are not on the list of approvers' };
    const { reason } = this.pending(input.proposalId, now);
    if (reason) return { ok: false, reason };
    this.db.prepare("UPDATE proposals SET status = 'denied' WHERE id = ?").run(input.proposalId);
    return { ok: true };
  }

  /** Marks proposals left unanswered past their time as expired and tells the owner. */
  async expireStale(now = new Date()): Promise<number[]> {
    const cutoff = new Date(now.getTime() - this.options.proposalTtlMs).toISOString();
    const stale = (
      this.db
        .prepare("SELECT id FROM proposals WHERE status = 'pending' AND created_at <= ?")
        .all(cutoff) as Array<{ id: number }>
    ).map((r) => r.id);
    for (const id of stale) {
      this.db.prepare("UPDATE proposals SET status = 'expired' WHERE id = ?").run(id);
      await this.broadcast({
        kind: 'notice',
        proposalId: id,
        text: `Proposal ${id} expired without an answer; nothing was done.`,
      });
    }
    return stale;
  }
}
