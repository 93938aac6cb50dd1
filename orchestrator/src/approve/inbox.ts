// Every reply from every channel comes through here, and only here: validated, dropped unless the
// sender is on that channel's allow-list, handled once per message id, read with the one grammar,
// tied to the proposal or question it answers (a verified button, a quote or thread, "p17", or
// the only thing waiting), and turned into a gate decision or a reply. Approvals go through
// ApprovalGate (binding, expiry, single use) and then the Executor, which refuses anything the gate
// did not record, so no wording of a message can cause a change by itself. Each command and its
// outcome is written to the audit log.
import type { Logger } from '@homelab/kit';
import { z } from 'zod';
import type { Pipeline } from '../pipeline.js';
import type { Db } from '../store/database.js';
import { AUTONOMY_BY_WORD, setAutonomy } from './autonomy.js';
import type { IncomingReply, ReplyOutcome } from './channel.js';
import type { ApprovalGate } from './gate.js';
import { HELP_TEXT, helpFor, parseCommand, type Command } from './grammar.js';
import { detailsText, proposalView, shortId } from './messages.js';
import { statusText, weeklyText } from '../report/reports.js';

const replySchema = z.object({
  channel: z.string().min(1).max(50),
  sender: z.string().min(1).max(200),
  text: z.string().max(20_000),
  messageId: z.string().min(1).max(300).optional(),
  replyTo: z.string().min(1).max(300).optional(),
  proposalId: z.number().int().positive().optional(),
  incidentId: z.number().int().positive().optional(),
});

export interface InboxDeps {
  db: Db;
  log: Logger;
  gate: ApprovalGate;
  pipeline: Pipeline;
  now?: () => Date;
}

/** What handling a reply came to, and the incident it concerned (for the audit log). */
type Handled = ReplyOutcome & { incidentId?: number };

type Target =
  | { kind: 'proposal'; id: number }
  | { kind: 'incident'; id: number }
  | { kind: 'none'; reason: string };

const PROPOSAL_COMMANDS = new Set<Command['kind']>([
  'choose',
  'approve',
  'ignore',
  'deny',
  'details',
  'snooze',
  'next_time',
]);

function minute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function gapText(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

export class Inbox {
  private readonly background = new Set<Promise<void>>();

  constructor(private readonly deps: InboxDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The handler every channel is started with. */
  readonly handle = (reply: IncomingReply): Promise<ReplyOutcome> => this.receive(reply);

  /** Resolves when work started by replies (executions, research, plans) has finished. */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private inBackground(what: string, work: () => Promise<unknown>): void {
    const running: Promise<void> = work()
      .then(() => undefined)
      .catch((error: unknown) =>
        this.deps.log.error(`${what} failed`, {
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => this.background.delete(running));
    this.background.add(running);
  }

  private audit(
    reply: { channel: string; sender: string },
    action: string,
    outcome: ReplyOutcome['outcome'],
    detail: string,
    target?: { proposalId?: number; incidentId?: number },
  ): void {
    this.deps.db
      .prepare(
        'INSERT INTO audit_log (at, channel, actor, action, proposal_id, incident_id, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      )
      .run(
        this.now().toISOString(),
        reply.channel,
        reply.sender,
        action,
        target?.proposalId ?? null,
        target?.incidentId ?? null,
        outcome,
        detail.slice(0, 1000),
      );
  }

  private async receive(raw: IncomingReply): Promise<ReplyOutcome> {
    const parsed = replySchema.safeParse(raw);
    if (!parsed.success) {
      this.deps.log.warn('a reply that is not well formed was dropped', {
        channel: typeof raw.channel === 'string' ? raw.channel.slice(0, 50) : undefined,
      });
      return { outcome: 'ignored' };
    }
    const reply = parsed.data;
    if (!this.deps.gate.isApprover(reply.channel, reply.sender)) {
      this.deps.log.warn('a message from a sender not on the allow-list was ignored', {
        channel: reply.channel,
      });
      this.audit(reply, 'message', 'ignored', 'sender not on the allow-list');
      return { outcome: 'ignored' };
    }
    if (reply.messageId) {
      const fresh = this.deps.db
        .prepare(
          'INSERT OR IGNORE INTO inbound_messages (channel, message_id, sender, received_at) VALUES (?, ?, ?, ?)',
        )
        .run(reply.channel, reply.messageId, reply.sender, this.now().toISOString()).changes;
      if (fresh === 0) return { outcome: 'ignored' };
    }
    const command = parseCommand(reply.text);
    let result: Handled;
    try {
      result = await this.act(reply, command);
    } catch (error) {
      // Our own failure (the store, a channel): the message is not counted as handled, so the
      // same message delivered again is tried again.
      this.deps.log.error('a reply could not be handled', {
        channel: reply.channel,
        command: command.kind,
        error: error instanceof Error ? error.message : String(error),
      });
      if (reply.messageId)
        this.deps.db
          .prepare('DELETE FROM inbound_messages WHERE channel = ? AND message_id = ?')
          .run(reply.channel, reply.messageId);
      result = {
        outcome: 'refused',
        text: 'That could not be handled because of an internal error (it is in the log); no approval was recorded. Please try again.',
      };
    }
    this.audit(reply, command.kind, result.outcome, result.text ?? '', {
      proposalId: result.proposalId,
      incidentId: result.incidentId,
    });
    return { outcome: result.outcome, text: result.text, proposalId: result.proposalId };
  }

  /** What the reply is about: the proposal or incident it names, quotes or answers. */
  private target(reply: z.output<typeof replySchema>, command: Command): Target {
    const named = command.proposalRef ? Number(command.proposalRef.slice(1)) : undefined;
    if (named !== undefined && reply.proposalId !== undefined && named !== reply.proposalId)
      return {
        kind: 'none',
        reason: `this button belongs to ${shortId(reply.proposalId)}, but the text names ${shortId(named)}; nothing was done`,
      };
    const id = named ?? reply.proposalId;
    if (id !== undefined) return { kind: 'proposal', id };
    if (reply.incidentId !== undefined) return { kind: 'incident', id: reply.incidentId };
    if (reply.replyTo) {
      const sent = this.deps.db
        .prepare(
          'SELECT proposal_id, incident_id FROM channel_messages WHERE channel = ? AND external_id = ?',
        )
        .get(reply.channel, reply.replyTo) as
        { proposal_id: number | null; incident_id: number | null } | undefined;
      if (sent?.proposal_id) return { kind: 'proposal', id: sent.proposal_id };
      if (sent?.incident_id) {
        if (PROPOSAL_COMMANDS.has(command.kind) && command.kind !== 'snooze') {
          const latest = this.deps.db
            .prepare(
              "SELECT id FROM proposals WHERE incident_id = ? AND status = 'pending' ORDER BY id DESC LIMIT 1",
            )
            .get(sent.incident_id) as { id: number } | undefined;
          if (latest) return { kind: 'proposal', id: latest.id };
        }
        return { kind: 'incident', id: sent.incident_id };
      }
    }
    if (command.kind === 'next_time') return this.latestRunbookFix();
    return this.onlyOpenItem(command);
  }

  /** "next time: ..." without a reference: the runbook fix approved most recently (within a day). */
  private latestRunbookFix(): Target {
    const since = new Date(this.now().getTime() - 86_400_000).toISOString();
    const row = this.deps.db
      .prepare(
        "SELECT id FROM proposals WHERE runbook_id IS NOT NULL AND status IN ('approved', 'executed') AND decided_at >= ? ORDER BY decided_at DESC, id DESC LIMIT 1",
      )
      .get(since) as { id: number } | undefined;
    return row
      ? { kind: 'proposal', id: row.id }
      : {
          kind: 'none',
          reason: 'no runbook fix was approved in the last day; quote its Complete message',
        };
  }

  /** Without a reference, the one thing waiting for this kind of answer (never a guess among several). */
  private onlyOpenItem(command: Command): Target {
    const proposals = this.deps.gate.pendingIds();
    const questions = (
      this.deps.db
        .prepare(
          "SELECT id FROM incidents WHERE status = 'open' AND confirmation = 'asked' ORDER BY id",
        )
        .all() as Array<{ id: number }>
    ).map((r) => r.id);
    const forQuestion = command.kind === 'yes' || command.kind === 'no_expected';
    const candidates: Array<Exclude<Target, { kind: 'none' }>> = forQuestion
      ? questions.map((id) => ({ kind: 'incident' as const, id }))
      : command.kind === 'snooze'
        ? [
            ...proposals.map((id) => ({ kind: 'proposal' as const, id })),
            ...questions.map((id) => ({ kind: 'incident' as const, id })),
          ]
        : proposals.map((id) => ({ kind: 'proposal' as const, id }));
    const only = candidates[0];
    if (candidates.length === 1 && only) return only;
    if (candidates.length === 0)
      return {
        kind: 'none',
        reason: forQuestion
          ? 'no question is waiting for an answer'
          : 'nothing is waiting for an answer',
      };
    const names = candidates
      .slice(0, 5)
      .map((c) => (c.kind === 'proposal' ? shortId(c.id) : `incident #${c.id}`))
      .join(', ');
    return {
      kind: 'none',
      reason: `several things are waiting (${names}); quote the message you are answering${forQuestion ? '' : ', or add its id, e.g. "2 p17"'}`,
    };
  }

  private async act(reply: z.output<typeof replySchema>, command: Command): Promise<Handled> {
    const now = this.now();
    const { gate, pipeline, db } = this.deps;
    switch (command.kind) {
      case 'unknown':
      case 'invalid':
        return { outcome: 'help', text: helpFor(command) ?? HELP_TEXT };
      case 'status':
        return { outcome: 'done', text: statusText(db, now, (row) => gate.expiresAt(row)) };
      case 'weekly':
        return { outcome: 'done', text: weeklyText(db, now) };
      case 'approve_pr':
        return this.approvePr(command.pr);
      case 'custom':
        return this.custom(reply, command);
      default:
        break;
    }
    const target = this.target(reply, command);
    if (target.kind === 'none') return { outcome: 'refused', text: capitalize(target.reason) };
    if (target.kind === 'incident') return this.answerQuestion(command, target.id, now, reply);
    const proposalId = target.id;
    const view = proposalView(db, proposalId);
    if (!view) return { outcome: 'refused', text: `There is no proposal ${shortId(proposalId)}.` };
    const who = { sender: reply.sender, channel: reply.channel };
    switch (command.kind) {
      case 'details':
        return { outcome: 'done', proposalId, text: detailsText(view) };
      case 'choose':
      case 'approve': {
        let solution: number;
        if (command.kind === 'choose') solution = command.solution;
        else if (view.solutions.length === 1) solution = 1;
        else
          return {
            outcome: 'refused',
            proposalId,
            text: `${shortId(proposalId)} has ${view.solutions.length} solutions: reply with the number of the one you want.`,
          };
        const decision = gate.approve({ proposalId, solution, ...who }, now);
        if (!decision.ok)
          return { outcome: 'refused', proposalId, text: `${capitalize(decision.reason)}.` };
        const title = view.solutions.find((s) => s.number === solution)?.title ?? '';
        await gate.announceDecision(
          proposalId,
          `approved solution ${solution} by ${reply.sender} (${reply.channel})`,
        );
        this.inBackground('executing an approved solution', () =>
          pipeline.execute(decision.approvalId),
        );
        return {
          outcome: 'done',
          proposalId,
          text: `Approved: ${shortId(proposalId)} solution ${solution} (${title}). Running it now; I will report when it is done.`,
        };
      }
      case 'ignore':
      case 'deny': {
        const decision = gate.deny({ proposalId, ...who }, now);
        if (!decision.ok)
          return { outcome: 'refused', proposalId, text: `${capitalize(decision.reason)}.` };
        await gate.announceDecision(
          proposalId,
          `${command.kind === 'ignore' ? 'ignored' : 'denied'} by ${reply.sender} (${reply.channel}); nothing was done`,
        );
        return {
          outcome: 'done',
          proposalId,
          text: `${shortId(proposalId)} ${command.kind === 'ignore' ? 'ignored' : 'denied'}; nothing will be done.`,
        };
      }
      case 'snooze': {
        const until = new Date(now.getTime() + command.ms);
        const decision = gate.snooze({ proposalId, until, ...who }, now);
        if (!decision.ok)
          return { outcome: 'refused', proposalId, text: `${capitalize(decision.reason)}.` };
        return {
          outcome: 'done',
          proposalId,
          text: `${shortId(proposalId)} snoozed until ${minute(until.getTime())}; I will ask again then.`,
        };
      }
      case 'next_time':
        return this.nextTime(reply, command.mode, proposalId, view.status);
      default:
        return { outcome: 'help', text: HELP_TEXT };
    }
  }

  /**
   * yes / "no, expected" / snooze / ignore on verbose mode's "Is this a problem?" (a 👍 or
   * "approve" there means yes; a 👎, "no" or "ignore" means expected).
   */
  private async answerQuestion(
    command: Command,
    incidentId: number,
    now: Date,
    reply: { sender: string; channel: string },
  ): Promise<Handled> {
    const { db, pipeline, gate } = this.deps;
    const by = `by ${reply.sender} (${reply.channel})`;
    const incident = db
      .prepare('SELECT status, confirmation FROM incidents WHERE id = ?')
      .get(incidentId) as { status: string; confirmation: string | null } | undefined;
    if (!incident) return { outcome: 'refused', text: `There is no incident #${incidentId}.` };
    const base = { incidentId };
    if (incident.status !== 'open')
      return {
        ...base,
        outcome: 'refused',
        text: `Incident #${incidentId} has resolved already; nothing to do.`,
      };
    if (incident.confirmation !== 'asked' && incident.confirmation !== 'snoozed')
      return {
        ...base,
        outcome: 'refused',
        text: `Incident #${incidentId} was answered already (${incident.confirmation ?? 'no question was asked'}).`,
      };
    const set = (confirmation: string, due: string | null) =>
      db
        .prepare('UPDATE incidents SET confirmation = ?, confirmation_due = ? WHERE id = ?')
        .run(confirmation, due, incidentId);
    switch (command.kind) {
      case 'yes':
      case 'approve':
        set('confirmed', null);
        await gate.announceAnswer(incidentId, `a problem, ${by}: researching`);
        this.inBackground('researching an incident', () => pipeline.research(incidentId));
        return {
          ...base,
          outcome: 'done',
          text: `Researching incident #${incidentId} now; solutions will follow.`,
        };
      case 'no_expected':
      case 'ignore':
      case 'deny':
        set('expected', null);
        await gate.announceAnswer(incidentId, `expected, ${by}: nothing will be done`);
        return {
          ...base,
          outcome: 'done',
          text: `Noted: incident #${incidentId} is expected (counted as a false positive). No research, nothing will be done.`,
        };
      case 'snooze': {
        const until = new Date(now.getTime() + command.ms);
        set('snoozed', until.toISOString());
        return {
          ...base,
          outcome: 'done',
          text: `Incident #${incidentId} snoozed until ${minute(until.getTime())}; I will ask again then if it is still open.`,
        };
      }
      default:
        return {
          ...base,
          outcome: 'refused',
          text: `Incident #${incidentId} has no solutions yet: answer yes, no, expected, or snooze 1h.`,
        };
    }
  }

  private nextTime(
    reply: { sender: string },
    mode: 'auto' | 'ask' | 'investigate',
    proposalId: number,
    status: string,
  ): ReplyOutcome {
    const row = this.deps.db
      .prepare('SELECT runbook_id FROM proposals WHERE id = ?')
      .get(proposalId) as { runbook_id: string | null } | undefined;
    if (!row?.runbook_id)
      return {
        outcome: 'refused',
        proposalId,
        text: `${shortId(proposalId)} did not come from a runbook, so there is no runbook to set; nothing was changed.`,
      };
    if (mode === 'auto' && status !== 'approved' && status !== 'executed')
      return {
        outcome: 'refused',
        proposalId,
        text: `${shortId(proposalId)} was not approved, so runbook ${row.runbook_id} has not earned "auto" from it; nothing was changed.`,
      };
    setAutonomy(
      this.deps.db,
      { runbookId: row.runbook_id, level: AUTONOMY_BY_WORD[mode], setBy: reply.sender },
      this.now(),
    );
    const meaning = {
      auto: 'will run without asking (you are told afterwards)',
      ask: 'will propose its solutions and wait for your answer',
      investigate: 'will not be used; a model researches each time',
    }[mode];
    return {
      outcome: 'done',
      proposalId,
      text: `Next time runbook ${row.runbook_id} ${meaning}.`,
    };
  }

  private custom(
    reply: z.output<typeof replySchema>,
    command: Extract<Command, { kind: 'custom' }>,
  ): Handled {
    const explicit =
      command.proposalRef !== undefined ||
      reply.proposalId !== undefined ||
      reply.incidentId !== undefined ||
      reply.replyTo;
    const target = explicit ? this.target(reply, command) : undefined;
    if (target?.kind === 'none') return { outcome: 'refused', text: capitalize(target.reason) };
    let incidentId: number | undefined;
    if (target?.kind === 'incident') incidentId = target.id;
    if (target?.kind === 'proposal') {
      const row = this.deps.db
        .prepare('SELECT incident_id FROM proposals WHERE id = ?')
        .get(target.id) as { incident_id: number | null } | undefined;
      if (!row) return { outcome: 'refused', text: `There is no proposal ${shortId(target.id)}.` };
      incidentId = row.incident_id ?? undefined;
    }
    const { pipeline } = this.deps;
    if (incidentId !== undefined) {
      const id = incidentId;
      this.inBackground('planning a custom instruction', () =>
        pipeline.research(id, command.instruction),
      );
    } else
      this.inBackground('planning a custom instruction', () => pipeline.plan(command.instruction));
    return {
      outcome: 'done',
      incidentId,
      text: `Planning your instruction${incidentId !== undefined ? ` for incident #${incidentId}` : ''}. The plan comes back as a new proposal that needs its own approval; nothing changes before that.`,
    };
  }

  private approvePr(pr: number): ReplyOutcome {
    const update = this.deps.db
      .prepare(
        "SELECT repo, title, url FROM updates WHERE pr_number = ? AND state = 'open' ORDER BY id DESC LIMIT 1",
      )
      .get(pr) as { repo: string; title: string; url: string | null } | undefined;
    if (!update)
      return { outcome: 'refused', text: `No open Renovate pull request #${pr} is known.` };
    return {
      outcome: 'refused',
      text: `PR #${pr} (${update.title}, ${update.repo}) is open, but merging pull requests from chat is not available in this version; nothing was merged. Merge it on GitHub${update.url ? `: ${update.url}` : ''}.`,
    };
  }

  /**
   * After a channel lost its connection: replies sent meanwhile may be gone (signal-cli's json-rpc
   * mode drops them), so everything still waiting is listed again on that channel.
   */
  async reconcile(channel: string, gapMs: number): Promise<void> {
    const proposals = this.deps.gate.pendingIds();
    const questions = this.deps.db
      .prepare(
        "SELECT id, title FROM incidents WHERE status = 'open' AND confirmation = 'asked' ORDER BY id",
      )
      .all() as Array<{ id: number; title: string }>;
    if (proposals.length === 0 && questions.length === 0) return;
    const lines = [
      `I was disconnected from ${channel} for ${gapText(gapMs)}; a reply sent in that time may not have reached me. Still waiting for your answer:`,
      ...proposals.map((id) => {
        const view = proposalView(this.deps.db, id);
        return `- ${shortId(id)}: ${view?.summary.slice(0, 120) ?? ''}`;
      }),
      ...questions.map((q) => `- incident #${q.id}: ${q.title.slice(0, 120)}: is this a problem?`),
      'If you answered meanwhile, please answer again (quote the message or add its id).',
    ];
    await this.deps.gate.sendToChannel(channel, { kind: 'notice', text: lines.join('\n') });
  }
}

/** Sentence case, except for a leading proposal id ("p17 has expired"). */
function capitalize(text: string): string {
  return /^p\d/.test(text) ? text : text.charAt(0).toUpperCase() + text.slice(1);
}
