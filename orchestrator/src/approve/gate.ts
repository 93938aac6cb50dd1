// The approval gate's decisions, independent of any channel: who may approve (an allow-list per
// channel), what an approval binds (one pending proposal, one solution, the hash of its exact
// calls), how long a proposal waits (its runbook's approval_ttl, else ORCH_PROPOSAL_TTL), and what
// happens while nobody answers: a reminder, then the proposal again on the escalation channels,
// then expiry — which never counts as approval, and the owner is told. The channels only carry
// text to and from here; the Executor refuses anything this gate did not record.
import type { Logger } from '@homelab/kit';
import { recordApproval } from '../execute/executor.js';
import type { Db } from '../store/database.js';
import type { ApprovalChannel, DecidedAbout, OutgoingMessage } from './channel.js';
import { proposalView, shortId, solutionsFoundText, solutionActions } from './messages.js';

export interface ApprovalGateOptions {
  /** Sender ids allowed to decide, per channel name. */
  approvers: Record<string, readonly string[]>;
  /** How long a proposal waits for an answer unless its runbook says otherwise. */
  proposalTtlMs: number;
  /** How long an approval stays usable by the executor. */
  approvalTtlMs: number;
  /** A pending proposal unanswered this long gets one reminder (0: never). */
  remindAfterMs?: number;
  /** This long after the reminder it goes to the escalation channels (when there are any). */
  escalateAfterMs?: number;
}

export type Decision = { ok: true; approvalId: number } | { ok: false; reason: string };

interface PendingRow {
  id: number;
  status: string;
  created_at: string;
  expires_at: string | null;
  snoozed_until: string | null;
  reminded_at: string | null;
  escalated_at: string | null;
  incident_id: number | null;
}

const NOT_APPROVER = 'you are not on the list of approvers';

export class ApprovalGate {
  constructor(
    private readonly db: Db,
    private readonly channels: readonly ApprovalChannel[],
    private readonly options: ApprovalGateOptions,
    private readonly log: Logger,
    /** Reached only when nobody answered the others (ORCH_ESCALATION_CHANNELS). */
    private readonly escalation: readonly ApprovalChannel[] = [],
  ) {}

  isApprover(channel: string, sender: string): boolean {
    return (this.options.approvers[channel] ?? []).includes(sender);
  }

  /** Sends to the given channels, recording what each sent; one failing does not stop the others. */
  private async sendTo(
    channels: readonly ApprovalChannel[],
    message: OutgoingMessage,
  ): Promise<void> {
    const record = this.db.prepare(
      'INSERT OR IGNORE INTO channel_messages (channel, external_id, kind, proposal_id, incident_id, sent_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    await Promise.all(
      channels.map(async (channel) => {
        try {
          const sent = await channel.send(message);
          if (sent?.externalId)
            record.run(
              channel.name,
              sent.externalId,
              message.kind,
              message.proposalId ?? null,
              message.incidentId ?? null,
              new Date().toISOString(),
            );
        } catch (error) {
          this.log.warn('a channel failed to send', {
            channel: channel.name,
            kind: message.kind,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }),
    );
  }

  /** Sends a message to every primary channel. */
  broadcast(message: OutgoingMessage): Promise<void> {
    return this.sendTo(this.channels, message);
  }

  /** Sends to one channel by name (a reply after a reconnection, say); unknown names are ignored. */
  sendToChannel(name: string, message: OutgoingMessage): Promise<void> {
    return this.sendTo(
      [...this.channels, ...this.escalation].filter((c) => c.name === name),
      message,
    );
  }

  /** Shows a proposal and starts its clock: `ttlMs` (a runbook's approval_ttl) or the default. */
  async present(proposalId: number, ttlMs?: number, now = new Date()): Promise<void> {
    const view = proposalView(this.db, proposalId);
    if (!view) throw new Error(`proposal ${proposalId} does not exist`);
    this.db
      .prepare('UPDATE proposals SET expires_at = COALESCE(expires_at, ?) WHERE id = ?')
      .run(
        new Date(now.getTime() + (ttlMs ?? this.options.proposalTtlMs)).toISOString(),
        proposalId,
      );
    await this.broadcast({
      kind: 'solutions',
      text: solutionsFoundText(view),
      proposalId,
      incidentId: view.incidentId ?? undefined,
      actions: solutionActions(view),
    });
  }

  private row(proposalId: number): PendingRow | undefined {
    return this.db
      .prepare(
        'SELECT id, status, created_at, expires_at, snoozed_until, reminded_at, escalated_at, incident_id FROM proposals WHERE id = ?',
      )
      .get(proposalId) as PendingRow | undefined;
  }

  /** When the proposal stops waiting. */
  expiresAt(row: Pick<PendingRow, 'created_at' | 'expires_at'>): number {
    return row.expires_at
      ? Date.parse(row.expires_at)
      : Date.parse(row.created_at) + this.options.proposalTtlMs;
  }

  /** Why a proposal cannot be answered now, if it cannot. */
  private notOpen(proposalId: number, now: Date): string | undefined {
    const row = this.row(proposalId);
    const id = shortId(proposalId);
    if (!row) return `there is no proposal ${id}`;
    if (row.status === 'expired') return `${id} has expired; nothing was done`;
    if (row.status !== 'pending') return `${id} was already decided (${row.status})`;
    if (this.expiresAt(row) <= now.getTime()) return `${id} has expired; nothing was done`;
    return undefined;
  }

  private markDecided(
    proposalId: number,
    status: string,
    sender: string,
    channel: string,
    now: Date,
  ) {
    this.db
      .prepare(
        'UPDATE proposals SET status = ?, decided_by = ?, decided_via = ?, decided_at = ? WHERE id = ?',
      )
      .run(status, sender, channel, now.toISOString(), proposalId);
  }

  /** Approves one solution for the sender, or says why not. Nothing runs here. */
  approve(
    input: { proposalId: number; solution: number; sender: string; channel: string },
    now = new Date(),
  ): Decision {
    if (!this.isApprover(input.channel, input.sender))
      this.log.warn('approval from a sender not on the allow-list ignored', {
        channel: input.channel,
      });
    return this.whileOpen(input, now, (): Decision => {
      const solution = this.db
        .prepare('SELECT calls_sha256 FROM solutions WHERE proposal_id = ? AND number = ?')
        .get(input.proposalId, input.solution) as { calls_sha256: string } | undefined;
      if (!solution)
        return {
          ok: false,
          reason: `${shortId(input.proposalId)} has no solution ${input.solution}`,
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
      this.markDecided(input.proposalId, 'approved', input.sender, input.channel, now);
      return { ok: true, approvalId };
    });
  }

  /** Runs `decide` in one transaction when the sender may decide and the proposal is open. */
  private whileOpen<T>(
    input: { proposalId: number; sender: string; channel: string },
    now: Date,
    decide: () => T,
  ): T | { ok: false; reason: string } {
    if (!this.isApprover(input.channel, input.sender)) return { ok: false, reason: NOT_APPROVER };
    return this.db.transaction(() => {
      const reason = this.notOpen(input.proposalId, now);
      if (reason) return { ok: false as const, reason };
      return decide();
    })();
  }

  deny(
    input: { proposalId: number; sender: string; channel: string },
    now = new Date(),
  ): { ok: true } | { ok: false; reason: string } {
    return this.whileOpen(input, now, () => {
      this.markDecided(input.proposalId, 'denied', input.sender, input.channel, now);
      return { ok: true as const };
    });
  }

  /**
   * "snooze 2h": asked again at `until` (the reminder and escalation start over from then), and
   * the deadline moves so the proposal still has its full time to be answered after that.
   */
  snooze(
    input: { proposalId: number; sender: string; channel: string; until: Date },
    now = new Date(),
  ): { ok: true } | { ok: false; reason: string } {
    return this.whileOpen(input, now, () => {
      const row = this.row(input.proposalId);
      const deadline = Math.max(
        row ? this.expiresAt(row) : 0,
        input.until.getTime() + this.options.proposalTtlMs,
      );
      this.db
        .prepare(
          'UPDATE proposals SET snoozed_until = ?, expires_at = ?, reminded_at = NULL, escalated_at = NULL WHERE id = ?',
        )
        .run(input.until.toISOString(), new Date(deadline).toISOString(), input.proposalId);
      return { ok: true as const };
    });
  }

  /** Lets channels that can edit their messages show the outcome there (and drop the buttons). */
  announceDecision(proposalId: number, text: string): Promise<void> {
    const rows = this.db
      .prepare('SELECT channel, external_id FROM channel_messages WHERE proposal_id = ?')
      .all(proposalId) as Array<{ channel: string; external_id: string }>;
    return this.showOutcome({ proposalId }, rows, text);
  }

  /** The same for an answered "Is this a problem?". */
  announceAnswer(incidentId: number, text: string): Promise<void> {
    const rows = this.db
      .prepare(
        "SELECT channel, external_id FROM channel_messages WHERE incident_id = ? AND kind = 'question'",
      )
      .all(incidentId) as Array<{ channel: string; external_id: string }>;
    return this.showOutcome({ incidentId }, rows, text);
  }

  private async showOutcome(
    about: DecidedAbout,
    rows: Array<{ channel: string; external_id: string }>,
    text: string,
  ): Promise<void> {
    for (const channel of [...this.channels, ...this.escalation]) {
      if (!channel.decided) continue;
      const sent = rows.filter((r) => r.channel === channel.name).map((r) => r.external_id);
      if (sent.length === 0) continue;
      await channel.decided(about, text, sent).catch((error: unknown) =>
        this.log.warn('a channel failed to show a decision', {
          channel: channel.name,
          error: error instanceof Error ? error.message : String(error),
        }),
      );
    }
  }

  /** Proposals still waiting, oldest first. */
  pendingIds(): number[] {
    return (
      this.db
        .prepare("SELECT id FROM proposals WHERE status = 'pending' ORDER BY id")
        .all() as Array<{
        id: number;
      }>
    ).map((r) => r.id);
  }

  /**
   * The unanswered: a snoozed proposal whose time came is shown again; one unanswered past
   * remindAfterMs gets a reminder; past escalateAfterMs after that it goes to the escalation
   * channels; past its deadline it expires, and the owner is told nothing was done.
   */
  async remindAndExpire(
    now = new Date(),
  ): Promise<{ reminded: number[]; escalated: number[]; expired: number[] }> {
    const reminded: number[] = [];
    const escalated: number[] = [];
    const expired: number[] = [];
    const remindAfter = this.options.remindAfterMs ?? 0;
    const escalateAfter = this.options.escalateAfterMs ?? 0;
    for (const id of this.pendingIds()) {
      const row = this.row(id);
      if (!row) continue;
      const view = proposalView(this.db, id);
      if (!view) continue;
      if (this.expiresAt(row) <= now.getTime()) {
        const changed = this.db
          .prepare(
            "UPDATE proposals SET status = 'expired', decided_at = ? WHERE id = ? AND status = 'pending'",
          )
          .run(now.toISOString(), id).changes;
        if (changed === 0) continue;
        expired.push(id);
        await this.broadcast({
          kind: 'notice',
          proposalId: id,
          incidentId: row.incident_id ?? undefined,
          text: `${shortId(id)} expired without an answer; nothing was done.`,
        });
        await this.announceDecision(id, 'expired without an answer; nothing was done');
        continue;
      }
      const snoozedUntil = row.snoozed_until ? Date.parse(row.snoozed_until) : undefined;
      if (snoozedUntil !== undefined && snoozedUntil > now.getTime()) continue;
      const remindAt =
        snoozedUntil ?? (remindAfter > 0 ? Date.parse(row.created_at) + remindAfter : undefined);
      if (row.reminded_at === null && remindAt !== undefined && remindAt <= now.getTime()) {
        this.db
          .prepare('UPDATE proposals SET reminded_at = ? WHERE id = ?')
          .run(now.toISOString(), id);
        reminded.push(id);
        await this.broadcast({
          kind: 'reminder',
          proposalId: id,
          incidentId: row.incident_id ?? undefined,
          text: [
            `Reminder: ${shortId(id)} is waiting for your answer (until ${new Date(this.expiresAt(row)).toISOString().slice(0, 16).replace('T', ' ')} UTC).`,
            '',
            solutionsFoundText(view),
          ].join('\n'),
          actions: solutionActions(view),
        });
        continue;
      }
      if (
        this.escalation.length > 0 &&
        escalateAfter > 0 &&
        row.reminded_at !== null &&
        row.escalated_at === null &&
        Date.parse(row.reminded_at) + escalateAfter <= now.getTime()
      ) {
        this.db
          .prepare('UPDATE proposals SET escalated_at = ? WHERE id = ?')
          .run(now.toISOString(), id);
        escalated.push(id);
        await this.sendTo(this.escalation, {
          kind: 'solutions',
          proposalId: id,
          incidentId: row.incident_id ?? undefined,
          text: [
            `Escalated: nobody answered ${shortId(id)} on ${this.channels.map((c) => c.name).join(', ') || 'the other channels'}.`,
            '',
            solutionsFoundText(view),
          ].join('\n'),
          actions: solutionActions(view),
        });
      }
    }
    return { reminded, escalated, expired };
  }
}
