// Properties of the approval gate that must hold for any sequence of chat messages (fast-check):
// a sender not on the allow-list, a replayed message, a reply to a proposal past its deadline, or
// an approval whose solution changed afterwards never leads to a mutating call; and whatever is
// executed is exactly the calls of the solution that was approved, at most once per proposal.
// The tool caller is our own seam here (the end-to-end path over the real infrastructure server
// is in inbox.test.ts); the gate, inbox, grammar, executor and store are the real ones.
import { captureLog } from '@homelab/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApprovalGate } from '../src/approve/gate.js';
import { parseCommand } from '../src/approve/grammar.js';
import { Inbox } from '../src/approve/inbox.js';
import {
  ApprovalRefused,
  callsHash,
  Executor,
  recordApproval,
  recordProposal,
  type ToolCall,
  type ToolCaller,
} from '../src/execute/executor.js';
import { Pipeline } from '../src/pipeline.js';
import { Triage } from '../src/plan/triage.js';
import { openDatabase, type Db } from '../src/store/database.js';
import { Verifier } from '../src/verify/verifier.js';
import { RecordingChannel } from './support/channel.js';
import { testGateway } from './support/gateway.js';

const OWNER = '+4915112345678';
const STRANGER = '+4900000000';
const ELSEWHERE = 'alice-id';
const HOUR = 3_600_000;

class RecordingTools implements ToolCaller {
  readonly calls: ToolCall[] = [];
  call(call: ToolCall) {
    this.calls.push(call);
    return Promise.resolve({ isError: false, text: 'done' });
  }
}

function callOf(proposal: number, solution: number): ToolCall {
  return { tool: 'lab__set_value', arguments: { proposal, solution } };
}

function world(start: Date) {
  const db: Db = openDatabase(':memory:');
  const { logger } = captureLog();
  const tools = new RecordingTools();
  const channel = new RecordingChannel('signal');
  const gate = new ApprovalGate(
    db,
    [channel],
    {
      approvers: { signal: [OWNER], mattermost: [ELSEWHERE] },
      proposalTtlMs: HOUR,
      approvalTtlMs: 60_000,
    },
    logger,
  );
  const none = {
    listTools: () => Promise.resolve([]),
    describe: () => Promise.resolve(undefined),
    dryRun: () => Promise.resolve({ isError: true, text: 'no dry run here' }),
    readOnlyCaller: () => tools,
  };
  const gateway = testGateway(db, logger);
  const pipeline = new Pipeline({
    db,
    log: logger,
    gate,
    executor: new Executor(db, tools, logger),
    triage: new Triage({ db, gateway, tools: none, log: logger, privacy: {} }),
    verifier: new Verifier(db, tools, logger),
    matchRunbook: () => undefined,
    tools: none,
    alertResolvedWithinMs: 60_000,
  });
  const clock = { now: start };
  const inbox = new Inbox({ db, log: logger, gate, pipeline, now: () => clock.now });
  return { db, tools, channel, gate, pipeline, inbox, clock };
}

const event = fc.record({
  sender: fc.constantFrom(OWNER, OWNER, OWNER, STRANGER, ELSEWHERE),
  channel: fc.constantFrom('signal', 'signal', 'signal', 'mattermost'),
  text: fc.oneof(
    fc.constantFrom(
      '1',
      '2',
      '3',
      'approve',
      'ignore',
      'no',
      'snooze 1h',
      'details',
      'p1 1',
      'p1 2',
      'p2 1',
      'p2 2',
      '2 for p2',
      'p3 1',
      ' 1! ',
      '１',
      'yes',
    ),
    fc.string({ maxLength: 12 }),
  ),
  /** Which proposal's message a quote or verified button points at, if any. */
  quote: fc.constantFrom(undefined, 1, 2),
  button: fc.constantFrom(undefined, undefined, 1, 2),
  messageId: fc.constantFrom(undefined, 'a', 'b', 'c', 'd', 'e'),
  advanceMs: fc.integer({ min: 0, max: 40 * 60_000 }),
});

describe('approval gate properties', () => {
  it('only allow-listed, fresh, in-time replies cause calls, and only the chosen solution’s calls, once', async () => {
    // Evidence the sequences reach the interesting cases, so the property is not vacuous.
    const seen = { approvals: 0, expiredRefusals: 0, strangers: 0, replays: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 14 }), async (events) => {
        const start = new Date();
        const w = world(start);
        const ids = [1, 2].map((p) =>
          recordProposal(w.db, {
            summary: `proposal ${p}`,
            solutions: [1, 2].map((s) => ({
              title: `p${p} s${s}`,
              risk: 'low' as const,
              calls: [callOf(p, s)],
            })),
            origin: 'manual',
          }),
        );
        expect(ids).toEqual([1, 2]);
        for (const id of ids) await w.gate.present(id, undefined, start);
        const messageOf = new Map(ids.map((id, i) => [id, w.channel.ids[i]]));
        const used = new Set<string>();
        const expected: ToolCall[] = [];

        for (const e of events) {
          w.clock.now = new Date(w.clock.now.getTime() + e.advanceMs);
          const pendingBefore = w.gate.pendingIds();
          const deadlines = new Map(
            (
              w.db.prepare('SELECT id, created_at, expires_at FROM proposals').all() as Array<{
                id: number;
                created_at: string;
                expires_at: string | null;
              }>
            ).map((row) => [row.id, w.gate.expiresAt(row)]),
          );
          const approvalsBefore = w.db.prepare('SELECT COUNT(*) AS n FROM approvals').get() as {
            n: number;
          };
          const outcome = await w.inbox.handle({
            channel: e.channel,
            sender: e.sender,
            text: e.text,
            messageId: e.messageId,
            replyTo: e.quote ? messageOf.get(e.quote) : undefined,
            proposalId: e.button,
          });
          await w.inbox.idle();
          const approvalsAfter = w.db.prepare('SELECT COUNT(*) AS n FROM approvals').get() as {
            n: number;
          };
          const allowed =
            (e.sender === OWNER && e.channel === 'signal') ||
            (e.sender === ELSEWHERE && e.channel === 'mattermost');
          const replayed = e.messageId !== undefined && used.has(`${e.channel}:${e.messageId}`);
          if (!allowed || replayed) {
            if (replayed) seen.replays += 1;
            else seen.strangers += 1;
            expect(outcome).toEqual({ outcome: 'ignored' });
            expect(approvalsAfter.n).toBe(approvalsBefore.n);
            continue;
          }
          if (e.messageId !== undefined) used.add(`${e.channel}:${e.messageId}`);
          if (outcome.text?.includes('has expired')) seen.expiredRefusals += 1;
          if (approvalsAfter.n === approvalsBefore.n) continue;
          seen.approvals += 1;

          // A new approval: it must be for what this message named, in time, on a pending proposal.
          expect(approvalsAfter.n).toBe(approvalsBefore.n + 1);
          const approval = w.db
            .prepare('SELECT * FROM approvals ORDER BY id DESC LIMIT 1')
            .get() as { proposal_id: number; solution_number: number; approved_by: string };
          expect(approval.approved_by).toBe(e.sender);
          expect(w.clock.now.getTime()).toBeLessThan(deadlines.get(approval.proposal_id) ?? 0);
          expect(pendingBefore).toContain(approval.proposal_id);
          const command = parseCommand(e.text);
          const named = command.proposalRef ? Number(command.proposalRef.slice(1)) : undefined;
          const pointed = named ?? e.button ?? e.quote;
          if (pointed !== undefined) expect(approval.proposal_id).toBe(pointed);
          else expect(pendingBefore).toEqual([approval.proposal_id]);
          expect(['choose', 'approve']).toContain(command.kind);
          if (command.kind === 'choose') expect(approval.solution_number).toBe(command.solution);
          expected.push(callOf(approval.proposal_id, approval.solution_number));
        }

        // What ran is exactly the approved solutions' calls, each once, at most one per proposal.
        expect(w.tools.calls).toEqual(expected);
        const perProposal = new Set(w.tools.calls.map((c) => c.arguments.proposal));
        expect(perProposal.size).toBe(w.tools.calls.length);
      }),
      { numRuns: 300 },
    );
    expect(seen.approvals).toBeGreaterThan(30);
    expect(seen.expiredRefusals).toBeGreaterThan(0);
    expect(seen.strangers).toBeGreaterThan(30);
    expect(seen.replays).toBeGreaterThan(10);
  });

  it('an approval never runs a solution whose calls changed after it was approved, nor runs twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
          maxKeys: 4,
        }),
        fc.boolean(),
        async (changedArguments, changeTool) => {
          const w = world(new Date());
          const original = callOf(1, 1);
          const changed: ToolCall = {
            tool: changeTool ? 'lab__delete_everything' : original.tool,
            arguments: changedArguments,
          };
          fc.pre(callsHash([changed]) !== callsHash([original]));
          const id = recordProposal(w.db, {
            summary: 'one',
            solutions: [{ title: 'set', risk: 'low', calls: [original] }],
            origin: 'manual',
          });
          const decision = w.gate.approve({
            proposalId: id,
            solution: 1,
            sender: OWNER,
            channel: 'signal',
          });
          if (!decision.ok) throw new Error(decision.reason);
          w.db
            .prepare('UPDATE solutions SET calls = ?, calls_sha256 = ? WHERE proposal_id = ?')
            .run(JSON.stringify([changed]), callsHash([changed]), id);
          const executor = new Executor(w.db, w.tools, captureLog().logger);
          await expect(executor.execute(decision.approvalId)).rejects.toBeInstanceOf(
            ApprovalRefused,
          );
          expect(w.tools.calls).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('an approval is used once and only before it expires', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 * 60_000 }), async (delayMs) => {
        const w = world(new Date());
        const id = recordProposal(w.db, {
          summary: 'one',
          solutions: [{ title: 'set', risk: 'low', calls: [callOf(1, 1)] }],
          origin: 'manual',
        });
        const approvedAt = new Date();
        const approvalId = recordApproval(
          w.db,
          {
            proposalId: id,
            solution: 1,
            callsSha256: callsHash([callOf(1, 1)]),
            approvedBy: OWNER,
            channel: 'signal',
            ttlMs: 60_000,
          },
          approvedAt,
        );
        const executor = new Executor(w.db, w.tools, captureLog().logger);
        const at = new Date(approvedAt.getTime() + delayMs);
        if (delayMs >= 60_000) {
          await expect(executor.execute(approvalId, at)).rejects.toBeInstanceOf(ApprovalRefused);
          expect(w.tools.calls).toEqual([]);
          return;
        }
        await executor.execute(approvalId, at);
        await expect(executor.execute(approvalId, at)).rejects.toBeInstanceOf(ApprovalRefused);
        expect(w.tools.calls).toEqual([callOf(1, 1)]);
      }),
      { numRuns: 100 },
    );
  });
});
