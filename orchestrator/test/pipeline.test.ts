// The whole loop on real parts: an Alertmanager alert becomes an incident, a model (the Gemini SDK
// on the simulated API) proposes a fix with a real dry run, the owner approves through the gate's
// test-double channel, the infrastructure server changes the simulated cluster, and the fix is
// verified when the alert resolves — or proposed for rollback when it does not. Also: runbooks
// (no model call; a promoted one runs alone, one at ask_human waits), the allow-list, expiry, reuse.
import { startModelSim, type ModelSim } from '@homelab/simulator';
import { failOnViolations } from '@homelab/simulator/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordApproval, recordProposal } from '../src/execute/executor.js';
import { createPipeline, type RunbookCandidate } from '../src/pipeline.js';
import { Verifier } from '../src/verify/verifier.js';
import { RecordingChannel } from './support/channel.js';
import { testGateway } from './support/gateway.js';
import { startTestHomelab, type TestHomelab } from './support/homelab.js';

let lab: TestHomelab;
let sim: ModelSim;

beforeAll(async () => {
  lab = await startTestHomelab();
  sim = await startModelSim({ kind: 'gemini' });
});

afterAll(async () => {
  await sim.close();
  await lab.close();
});

afterEach(() => sim.script.clear());

failOnViolations(() => sim);

const OWNER = '+4915112345678';
const HOUR = 3_600_000;

function setup(options: { runbook?: RunbookCandidate } = {}) {
  const channel = new RecordingChannel('signal');
  const gateway = testGateway(lab.db, lab.log.logger, sim.url);
  const { pipeline, gate } = createPipeline({
    db: lab.db,
    log: lab.log.logger,
    hub: lab.hub,
    gateway,
    channels: [channel],
    gate: { approvers: { signal: [OWNER] }, proposalTtlMs: HOUR, approvalTtlMs: 60_000 },
    privacy: {},
    matchRunbook: () => options.runbook,
    alertResolvedWithinMs: 10 * 60_000,
  });
  return { pipeline, gate, channel };
}

function raiseMemory(to: string, rollbackTo: string) {
  const call = (memory: string) => ({
    tool: 'infrastructure__set_container_resources',
    arguments: { namespace: 'media', name: 'radarr', limits: { memory } },
  });
  return JSON.stringify({
    summary: 'radarr is OOMKilled at its memory limit.',
    solutions: [
      {
        title: `Raise radarr's memory limit to ${to}`,
        impact: 'radarr restarts once',
        risk: 'low',
        reversible: true,
        calls: [call(to)],
        rollback: [call(rollbackTo)],
      },
      {
        title: 'Restart radarr',
        impact: 'about 30 s of downtime',
        risk: 'low',
        reversible: true,
        calls: [
          {
            tool: 'infrastructure__restart_deployment',
            arguments: { namespace: 'media', name: 'radarr' },
          },
        ],
      },
    ],
  });
}

describe('pipeline', () => {
  it('alert → model proposal with dry run → approval → execution → verified when the alert resolves', async () => {
    const { pipeline, channel } = setup();
    const before = lab.memoryLimit('radarr');
    sim.script.reply({ text: raiseMemory('3Gi', before ?? '1Gi') });
    const incidentId = lab.alert('radarr', 'firing');
    const handled = await pipeline.handleIncident(incidentId);
    expect(handled).toMatchObject({ handledBy: 'triage', result: { outcome: 'proposal' } });
    if (handled.handledBy !== 'triage' || handled.result.outcome !== 'proposal') return;
    const { proposalId } = handled.result;
    expect(channel.kinds()).toEqual(['issue_detected', 'solutions']);
    const solutions = channel.last('solutions')?.text ?? '';
    expect(solutions).toContain("1. Raise radarr's memory limit to 3Gi");
    expect(solutions).toContain('Risk: Low, reversible');
    expect(solutions).toMatch(/→ "3Gi"/);
    expect(solutions).toContain('Reply: 1, 2, ignore');
    expect(lab.memoryLimit('radarr')).toBe(before);

    // A stranger cannot approve; the owner can, once.
    expect(
      await pipeline.approve({ proposalId, solution: 1, sender: '+4900000000', channel: 'signal' }),
    ).toEqual({ ok: false, reason: 'you are not on the list of approvers' });
    expect(lab.memoryLimit('radarr')).toBe(before);
    expect(
      await pipeline.approve({ proposalId, solution: 1, sender: OWNER, channel: 'signal' }),
    ).toMatchObject({ ok: true });
    expect(lab.memoryLimit('radarr')).toBe('3Gi');
    expect(channel.last('complete')?.text).toMatch(
      /^Complete: Raise radarr's memory limit to 3Gi\nStatus: done; verifying \(waiting for the alert to resolve\)/,
    );
    expect(channel.last('complete')?.text).toContain('Next time: [Auto] [Ask] [Investigate]');
    expect(
      await pipeline.approve({ proposalId, solution: 2, sender: OWNER, channel: 'signal' }),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('already decided') });

    const step = lab.db
      .prepare('SELECT state, before_state FROM executions ORDER BY id DESC LIMIT 1')
      .get() as { state: string; before_state: string };
    expect(step.state).toBe('succeeded');
    expect(step.before_state).toContain(JSON.stringify(before));

    await pipeline.tick();
    expect(
      lab.db.prepare('SELECT status FROM verifications ORDER BY id DESC LIMIT 1').get(),
    ).toEqual({
      status: 'pending',
    });
    lab.alert('radarr', 'resolved');
    await pipeline.tick();
    expect(
      lab.db.prepare('SELECT status, detail FROM verifications ORDER BY id DESC LIMIT 1').get(),
    ).toEqual({
      status: 'passed',
      detail: 'the alert resolved',
    });
    expect(channel.last('notice')?.text).toMatch(/^Verification passed/);
  });

  it('a fix whose alert keeps firing is reported and proposed for rollback, which needs its own approval', async () => {
    const { pipeline, channel } = setup();
    const before = lab.memoryLimit('radarr') ?? '1Gi';
    sim.script.reply({ text: raiseMemory('4Gi', before) });
    const incidentId = lab.alert('radarr', 'firing');
    const handled = await pipeline.handleIncident(incidentId);
    if (handled.handledBy !== 'triage' || handled.result.outcome !== 'proposal')
      throw new Error('expected a proposal');
    await pipeline.approve({
      proposalId: handled.result.proposalId,
      solution: 1,
      sender: OWNER,
      channel: 'signal',
    });
    expect(lab.memoryLimit('radarr')).toBe('4Gi');
    await pipeline.tick(new Date(Date.now() + 11 * 60_000));
    expect(channel.messages.some((m) => /^Verification failed/.test(m.text))).toBe(true);
    const rollback = channel.last('solutions');
    expect(rollback?.text).toContain(`Undo: Raise radarr's memory limit to 4Gi`);
    expect(rollback?.text).toContain('before =');
    expect(lab.memoryLimit('radarr')).toBe('4Gi');
    await pipeline.approve({
      proposalId: rollback?.proposalId ?? 0,
      solution: 1,
      sender: OWNER,
      channel: 'signal',
    });
    expect(lab.memoryLimit('radarr')).toBe(before);
    lab.alert('radarr', 'resolved');
  });

  it('a runbook at ask_human proposes without any model call and waits for the owner', async () => {
    const { pipeline, channel } = setup({
      runbook: {
        runbookId: 'radarr-memory-pressure-001',
        title: 'Radarr memory pressure',
        automationLevel: 'ask_human',
        solutions: [
          {
            title: 'Restart radarr',
            risk: 'read',
            calls: [
              {
                tool: 'infrastructure__restart_deployment',
                arguments: { namespace: 'media', name: 'radarr' },
              },
            ],
          },
        ],
      },
    });
    const incidentId = lab.alert('radarr', 'firing');
    const handled = await pipeline.handleIncident(incidentId);
    expect(handled).toMatchObject({ handledBy: 'runbook', autoExecuted: false });
    expect(sim.script.received).toHaveLength(0);
    // The runbook called a restart "read"; the tool's own risk wins.
    expect(channel.last('solutions')?.text).toContain('Risk: Low');
    expect(
      lab.db.prepare('SELECT COUNT(*) AS n FROM approvals WHERE channel = ?').get('runbook'),
    ).toEqual({
      n: 0,
    });
    lab.alert('radarr', 'resolved');
  });

  it('a promoted runbook executes without asking, and says so afterwards', async () => {
    const { pipeline, channel } = setup({
      runbook: {
        runbookId: 'radarr-scale',
        title: 'Radarr needs two replicas',
        automationLevel: 'auto',
        solutions: [
          {
            title: 'Scale radarr to 2',
            risk: 'low',
            calls: [
              {
                tool: 'infrastructure__scale_workload',
                arguments: { namespace: 'media', name: 'radarr', replicas: 2 },
              },
            ],
          },
        ],
      },
    });
    const incidentId = lab.alert('radarr', 'firing');
    const handled = await pipeline.handleIncident(incidentId);
    expect(handled).toMatchObject({ handledBy: 'runbook', autoExecuted: true });
    expect(lab.replicas('radarr')).toBe(2);
    expect(channel.kinds()).toEqual(['complete']);
    expect(sim.script.received).toHaveLength(0);
    lab.alert('radarr', 'resolved');
  });

  it('an unanswered proposal expires, the owner is told, and a late approval does nothing', async () => {
    const { pipeline, channel } = setup();
    sim.script.reply({ text: raiseMemory('5Gi', '1Gi') });
    const incidentId = lab.alert('radarr', 'firing');
    const handled = await pipeline.handleIncident(incidentId);
    if (handled.handledBy !== 'triage' || handled.result.outcome !== 'proposal')
      throw new Error('expected a proposal');
    const limit = lab.memoryLimit('radarr');
    await pipeline.tick(new Date(Date.now() + 2 * HOUR));
    expect(channel.last('notice')?.text).toBe(
      `p${handled.result.proposalId} expired without an answer; nothing was done.`,
    );
    expect(
      await pipeline.approve({
        proposalId: handled.result.proposalId,
        solution: 1,
        sender: OWNER,
        channel: 'signal',
      }),
    ).toMatchObject({ ok: false, reason: expect.stringContaining('expired') });
    expect(lab.memoryLimit('radarr')).toBe(limit);
    lab.alert('radarr', 'resolved');
  });

  it('verifies by a read-back through a read-only tool: passes on the expected value, fails after the window', async () => {
    const verifier = new Verifier(lab.db, lab.hub.readOnlyCaller(), lab.log.logger);
    const call = {
      tool: 'infrastructure__describe_workload',
      arguments: { namespace: 'media', name: 'sonarr' },
    };
    const approval = (title: string) => {
      const proposalId = recordProposal(lab.db, {
        summary: title,
        solutions: [{ title, risk: 'read', calls: [call] }],
      });
      return recordApproval(lab.db, {
        proposalId,
        solution: 1,
        callsSha256: 'unused',
        approvedBy: OWNER,
        channel: 'signal',
        ttlMs: 60_000,
      });
    };
    const ready = approval('sonarr ready');
    const wrong = approval('sonarr wrong name');
    verifier.start(ready, {
      method: 'read_back',
      call,
      expect: { path: 'workload.name', equals: 'sonarr' },
      withinMs: 60_000,
    });
    verifier.start(wrong, {
      method: 'read_back',
      call,
      expect: { path: 'workload.name', matches: '^radarr$' },
      withinMs: 60_000,
    });
    expect(await verifier.checkPending()).toEqual([
      {
        approvalId: ready,
        method: 'read_back',
        status: 'passed',
        detail: 'workload.name is "sonarr"',
      },
    ]);
    expect(await verifier.checkPending(new Date(Date.now() + 120_000))).toEqual([
      {
        approvalId: wrong,
        method: 'read_back',
        status: 'failed',
        detail: 'workload.name is "sonarr"; expected to match /^radarr$/',
      },
    ]);
  });

  it('answers a chat question once, even when the channel delivers it twice', async () => {
    const { pipeline, channel } = setup();
    sim.script.reply({ text: 'radarr was OOMKilled 6 times today.' });
    const question = {
      from: OWNER,
      channel: 'signal',
      text: 'What happened to radarr?',
      messageId: 'm-1',
    };
    expect(await pipeline.ask(question)).toMatchObject({ results: [{ outcome: 'answer' }] });
    expect(await pipeline.ask(question)).toEqual({ results: [] });
    expect(channel.kinds()).toEqual(['answer']);
    expect(channel.last('answer')?.text).toBe('radarr was OOMKilled 6 times today.');
    expect(lab.db.prepare('SELECT status FROM questions WHERE message_id = ?').get('m-1')).toEqual({
      status: 'answered',
    });
    expect(await pipeline.ask({ from: OWNER, channel: 'signal', text: '   ' })).toMatchObject({
      problems: [expect.any(String)],
    });
  });

  it('without a model: the incident is reported with a plain statement that nobody analysed it', async () => {
    const channel = new RecordingChannel('signal');
    const { pipeline } = createPipeline({
      db: lab.db,
      log: lab.log.logger,
      hub: lab.hub,
      gateway: testGateway(lab.db, lab.log.logger),
      channels: [channel],
      gate: { approvers: {}, proposalTtlMs: HOUR, approvalTtlMs: 60_000 },
      privacy: {},
    });
    const incidentId = lab.alert('radarr', 'firing');
    await pipeline.handleIncident(incidentId);
    expect(channel.kinds()).toEqual(['issue_detected', 'notice']);
    expect(channel.last('notice')?.text).toMatch(/^Model triage is off/);
    lab.alert('radarr', 'resolved');
  });
});
