// The stages joined in their one direction (DESIGN.md §4): an incident gets a runbook's solutions
// if one matches (no model call), else a model triage; the proposal goes to the owner through the
// approval gate; an approved solution (or a promoted runbook's) runs through the Executor, and is
// then verified. A failed execution or verification comes back as a rollback proposal, which needs
// its own approval. Questions from chat or schedules get a model's answer, or a plain statement
// that model triage is off.
import type { Logger } from '@homelab/kit';
import { z } from 'zod';
import { effectiveAutonomy } from './approve/autonomy.js';
import {
  completeText,
  IS_THIS_A_PROBLEM_ACTIONS,
  isThisAProblemText,
  issueDetectedText,
} from './approve/messages.js';
import type { ApprovalChannel } from './approve/channel.js';
import { ApprovalGate, type ApprovalGateOptions, type Decision } from './approve/gate.js';
import {
  ApprovalRefused,
  Executor,
  recordProposal,
  recordRunbookGrant,
  type SolutionInput,
} from './execute/executor.js';
import { proposeRollback } from './execute/rollback.js';
import { incidentContext, type IncidentContext } from './incidents/context.js';
import { ingestQuestion, pendingQuestions, type QuestionInput } from './ingest/questions.js';
import type { ModelGateway } from './llm/gateway.js';
import type { McpHub } from './mcp/hub.js';
import { previewSolution, type PreviewTools } from './plan/preview.js';
import { Triage, type TriageLimits, type TriageResult } from './plan/triage.js';
import type { AnonymizerOptions } from './privacy/anonymizer.js';
import { parseDuration } from './runbooks/duration.js';
import type { Db } from './store/database.js';
import { expectationSchema, Verifier, type VerifyPlan } from './verify/verifier.js';

/** A runbook that matched an incident, with its solutions rendered for it. */
export interface RunbookCandidate {
  runbookId: string;
  title: string;
  automationLevel: string;
  approvalTtlMs?: number;
  solutions: SolutionInput[];
}

export interface PipelineDeps {
  db: Db;
  log: Logger;
  triage: Triage;
  executor: Executor;
  gate: ApprovalGate;
  verifier: Verifier;
  /** The best matching runbook for an incident, if any. */
  matchRunbook: (incident: IncidentContext) => RunbookCandidate | undefined;
  /** Dry runs for the approver (McpHub). */
  tools: PreviewTools;
  /** How long an alert may take to resolve after a change before the fix counts as failed. */
  alertResolvedWithinMs: number;
  /**
   * Verbose mode (the seed's first months): before any model research the owner is asked "Is
   * this a problem?"; otherwise the model researches at once and solutions come straight away.
   */
  askFirst?: boolean;
}

export type IncidentHandling =
  | { handledBy: 'runbook'; runbookId: string; proposalId: number; autoExecuted: boolean }
  | { handledBy: 'triage'; result: TriageResult }
  | { handledBy: 'question'; incidentId: number }
  | { handledBy: 'none'; reason: string };

const runbookVerifySchema = z.union([
  z.object({ alert_resolved: z.union([z.string(), z.number()]) }),
  z.object({
    tool: z.string(),
    arguments: z.record(z.string(), z.unknown()).default({}),
    expect: expectationSchema,
    within: z.union([z.string(), z.number()]).optional(),
  }),
]);

export class Pipeline {
  constructor(private readonly deps: PipelineDeps) {}

  private durationMs(value: string | number | undefined): number {
    if (value === undefined) return this.deps.alertResolvedWithinMs;
    return typeof value === 'number'
      ? value
      : (parseDuration(value) ?? this.deps.alertResolvedWithinMs);
  }

  /** How a solution is verified: its own `verify`, else the alert resolving, else not at all. */
  private verifyPlan(verify: unknown, incidentId: number | null): VerifyPlan {
    const parsed =
      verify === undefined || verify === null ? undefined : runbookVerifySchema.safeParse(verify);
    if (parsed?.success) {
      const spec = parsed.data;
      if ('alert_resolved' in spec)
        return { method: 'alert_resolved', withinMs: this.durationMs(spec.alert_resolved) };
      return {
        method: 'read_back',
        call: { tool: spec.tool, arguments: spec.arguments },
        expect: spec.expect,
        withinMs: this.durationMs(spec.within),
      };
    }
    if (incidentId !== null)
      return { method: 'alert_resolved', withinMs: this.deps.alertResolvedWithinMs };
    return { method: 'none', reason: 'no incident to watch and no read-back given' };
  }

  private async withDryRuns(solutions: SolutionInput[]): Promise<SolutionInput[]> {
    const out: SolutionInput[] = [];
    for (const solution of solutions) out.push(await previewSolution(solution, this.deps.tools));
    return out;
  }

  async handleIncident(incidentId: number): Promise<IncidentHandling> {
    const { db, gate, log } = this.deps;
    const incident = incidentContext(db, incidentId);
    if (!incident) return { handledBy: 'none', reason: `incident ${incidentId} does not exist` };
    if (incident.status !== 'open')
      return { handledBy: 'none', reason: `incident ${incidentId} is already resolved` };

    const matched = this.deps.matchRunbook(incident);
    const autonomy = matched
      ? effectiveAutonomy(db, matched.runbookId, matched.automationLevel)
      : undefined;
    const runbook = autonomy === 'investigate' ? undefined : matched;
    if (runbook && autonomy && runbook.solutions.length > 0) {
      const proposalId = recordProposal(db, {
        incidentId,
        summary: `Known problem: ${runbook.title} (runbook ${runbook.runbookId})`,
        solutions: await this.withDryRuns(runbook.solutions),
        origin: 'runbook',
        runbookId: runbook.runbookId,
      });
      if (autonomy === 'auto') {
        const approvalId = recordRunbookGrant(db, {
          proposalId,
          solution: 1,
          runbookId: runbook.runbookId,
          automationLevel: autonomy,
        });
        db.prepare(
          "UPDATE proposals SET decided_by = ?, decided_via = 'runbook', decided_at = ? WHERE id = ?",
        ).run(`runbook:${runbook.runbookId}`, new Date().toISOString(), proposalId);
        log.info('promoted runbook executes without asking', {
          incidentId,
          runbookId: runbook.runbookId,
          approvalId,
        });
        await this.execute(approvalId);
        return {
          handledBy: 'runbook',
          runbookId: runbook.runbookId,
          proposalId,
          autoExecuted: true,
        };
      }
      await gate.broadcast({
        kind: 'issue_detected',
        incidentId,
        text: issueDetectedText(incident),
      });
      await gate.present(proposalId, runbook.approvalTtlMs);
      return {
        handledBy: 'runbook',
        runbookId: runbook.runbookId,
        proposalId,
        autoExecuted: false,
      };
    }

    const confirmation = this.confirmation(incidentId);
    if (this.deps.askFirst && confirmation === null) {
      await this.askIfProblem(incidentId, incident.title);
      return { handledBy: 'question', incidentId };
    }
    await gate.broadcast({ kind: 'issue_detected', incidentId, text: issueDetectedText(incident) });
    return { handledBy: 'triage', result: await this.research(incidentId) };
  }

  private confirmation(incidentId: number): string | null {
    const row = this.deps.db
      .prepare('SELECT confirmation FROM incidents WHERE id = ?')
      .get(incidentId) as { confirmation: string | null } | undefined;
    return row?.confirmation ?? null;
  }

  /** Verbose mode's first message: "Is this a problem? [Yes] [No, expected] [Snooze 1h]". */
  private async askIfProblem(incidentId: number, title: string): Promise<void> {
    this.deps.db
      .prepare("UPDATE incidents SET confirmation = 'asked', confirmation_due = NULL WHERE id = ?")
      .run(incidentId);
    await this.deps.gate.broadcast({
      kind: 'question',
      incidentId,
      text: isThisAProblemText({ id: incidentId, title }),
      actions: IS_THIS_A_PROBLEM_ACTIONS,
    });
  }

  /**
   * Model research of an open incident (after "yes", or at once outside verbose mode), with the
   * owner's own instruction when they replied `custom:`; the result is a proposal or a notice.
   */
  async research(incidentId: number, instruction?: string): Promise<TriageResult> {
    const incident = incidentContext(this.deps.db, incidentId);
    if (!incident) throw new Error(`incident ${incidentId} does not exist`);
    const result = await this.deps.triage.run({ kind: 'incident', incident, instruction });
    await this.announceTriage(result, incidentId);
    return result;
  }

  /** `custom: <instruction>` with no incident: a plan of its own, needing its own approval. */
  async plan(instruction: string): Promise<TriageResult> {
    const result = await this.deps.triage.run({ kind: 'instruction', text: instruction });
    await this.announceTriage(result);
    return result;
  }

  private async announceTriage(result: TriageResult, incidentId?: number): Promise<void> {
    if (result.outcome === 'proposal') await this.deps.gate.present(result.proposalId);
    else
      await this.deps.gate.broadcast({
        kind: result.outcome === 'answer' ? 'answer' : 'notice',
        incidentId,
        text: result.outcome === 'answer' ? result.answer : result.message,
      });
  }

  /** A free-text question (chat or schedule): a model's answer, or why there is none. */
  async handleQuestion(text: string): Promise<TriageResult> {
    const result = await this.deps.triage.run({ kind: 'question', text });
    await this.deps.gate.broadcast({
      kind: 'answer',
      text: result.outcome === 'answer' ? result.answer : 'message' in result ? result.message : '',
    });
    return result;
  }

  /**
   * A question from chat: stored first (a re-delivered message is answered once), then answered.
   * Returns why it was refused, or the triage's result.
   */
  async ask(input: QuestionInput): Promise<{ problems: string[] } | { results: TriageResult[] }> {
    const stored = ingestQuestion(this.deps.db, input);
    if (!stored.ok) return { problems: stored.problems };
    return { results: await this.answerPending() };
  }

  /** Answers every stored question not yet picked up (also those left by a restart). */
  async answerPending(): Promise<TriageResult[]> {
    const { db } = this.deps;
    const setStatus = db.prepare('UPDATE questions SET status = ?, updated_at = ? WHERE id = ?');
    const results: TriageResult[] = [];
    for (const question of pendingQuestions(db)) {
      setStatus.run('answering', new Date().toISOString(), question.id);
      const result = await this.handleQuestion(question.text);
      setStatus.run(
        result.outcome === 'answer' ? 'answered' : 'failed',
        new Date().toISOString(),
        question.id,
      );
      results.push(result);
    }
    return results;
  }

  /** An approval from a channel: recorded by the gate, then executed and verified. */
  async approve(input: {
    proposalId: number;
    solution: number;
    sender: string;
    channel: string;
  }): Promise<Decision> {
    const decision = this.deps.gate.approve(input);
    if (decision.ok) await this.execute(decision.approvalId);
    return decision;
  }

  /** Runs an approved (or runbook-granted) solution, starts its verification, reports. */
  async execute(approvalId: number): Promise<void> {
    const { db, executor, gate, verifier, log } = this.deps;
    const approval = db
      .prepare(
        `SELECT a.proposal_id, a.solution_number, p.incident_id, s.title, s.verify FROM approvals a
         JOIN proposals p ON p.id = a.proposal_id
         JOIN solutions s ON s.proposal_id = a.proposal_id AND s.number = a.solution_number
         WHERE a.id = ?`,
      )
      .get(approvalId) as
      | { proposal_id: number; incident_id: number | null; title: string; verify: string | null }
      | undefined;
    if (!approval) throw new ApprovalRefused(`approval ${approvalId} does not exist`);
    const outcome = await executor.execute(approvalId);
    if (outcome.status === 'failed') {
      const failed = outcome.steps[outcome.failedStep - 1];
      await gate.broadcast({
        kind: 'complete',
        proposalId: approval.proposal_id,
        text: completeText({
          title: approval.title,
          status: 'failed',
          detail: `step ${outcome.failedStep} failed: ${failed?.text.slice(0, 300) ?? ''}`,
        }),
      });
      if (outcome.failedStep > 1) await this.offerRollback(approvalId);
      return;
    }
    const plan = this.verifyPlan(
      approval.verify === null ? undefined : (JSON.parse(approval.verify) as unknown),
      approval.incident_id,
    );
    verifier.start(approvalId, plan);
    log.info('executed; verification started', { approvalId, method: plan.method });
    await gate.broadcast({
      kind: 'complete',
      proposalId: approval.proposal_id,
      text: completeText({
        title: approval.title,
        status: 'succeeded',
        detail:
          plan.method === 'none'
            ? 'done (no verification possible)'
            : `done; verifying (${plan.method === 'alert_resolved' ? 'waiting for the alert to resolve' : `reading back ${plan.call.tool}`})`,
      }),
    });
  }

  private async offerRollback(approvalId: number): Promise<void> {
    const rollback = proposeRollback(this.deps.db, approvalId);
    await this.deps.gate.present(rollback.proposalId);
  }

  /** Verbose-mode questions snoozed until now are asked again (if their incident is still open). */
  private async askSnoozedAgain(now: Date): Promise<void> {
    const due = this.deps.db
      .prepare(
        "SELECT id, title FROM incidents WHERE status = 'open' AND confirmation = 'snoozed' AND confirmation_due <= ?",
      )
      .all(now.toISOString()) as Array<{ id: number; title: string }>;
    for (const incident of due) await this.askIfProblem(incident.id, incident.title);
  }

  /** Periodic work: verifications that finished, reminders, expiries, snoozed questions. */
  async tick(now = new Date()): Promise<void> {
    for (const result of await this.deps.verifier.checkPending(now)) {
      await this.deps.gate.broadcast({
        kind: 'notice',
        text: `Verification ${result.status} for approval ${result.approvalId}: ${result.detail}`,
      });
      if (result.status === 'failed') await this.offerRollback(result.approvalId);
    }
    await this.deps.gate.remindAndExpire(now);
    await this.askSnoozedAgain(now);
    await this.answerPending();
  }
}

export interface PipelineParts {
  db: Db;
  log: Logger;
  hub: McpHub;
  gateway: ModelGateway;
  channels: readonly ApprovalChannel[];
  gate: ApprovalGateOptions;
  privacy: AnonymizerOptions;
  matchRunbook?: (incident: IncidentContext) => RunbookCandidate | undefined;
  limits?: Partial<TriageLimits>;
  alertResolvedWithinMs?: number;
  askFirst?: boolean;
  /** Channels reached only when nobody answered the others. */
  escalation?: readonly ApprovalChannel[];
}

/** Joins the stages over one hub and one store (used by main and by the end-to-end tests). */
export function createPipeline(parts: PipelineParts): {
  pipeline: Pipeline;
  gate: ApprovalGate;
  executor: Executor;
} {
  const { db, log, hub } = parts;
  const readOnly = hub.readOnlyCaller();
  const gate = new ApprovalGate(db, parts.channels, parts.gate, log, parts.escalation);
  const executor = new Executor(db, hub, log, { call: (call) => hub.dryRun(call) });
  const pipeline = new Pipeline({
    db,
    log,
    gate,
    executor,
    triage: new Triage({
      db,
      gateway: parts.gateway,
      tools: hub,
      log,
      privacy: parts.privacy,
      limits: parts.limits,
    }),
    verifier: new Verifier(db, readOnly, log),
    matchRunbook: parts.matchRunbook ?? (() => undefined),
    tools: hub,
    alertResolvedWithinMs: parts.alertResolvedWithinMs ?? 15 * 60_000,
    askFirst: parts.askFirst,
  });
  return { pipeline, gate, executor };
}
