// Replies from people, end to end on real parts: the grammar, the gate and the Executor in front
// of the real infrastructure server and the simulated cluster; the channel is the recording test
// double (the real channels have their own tests). A quoted "1" changes the cluster; a stranger,
// a replay, an expired or decided proposal and an ambiguous reply change nothing and say why;
// verbose mode asks "Is this a problem?" before any model call; reminders, escalation, expiry,
// snooze, details, custom plans, status and weekly replies, and "next time" autonomy.
import { getKubeObject, startModelSim, type ModelSim, type Workload } from '@homelab/simulator';
import { failOnViolations } from '@homelab/simulator/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Inbox } from '../src/approve/inbox.js';
import { createPipeline, type RunbookCandidate } from '../src/pipeline.js';
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

afterEach(() => {
  sim.script.clear();
  // Each test starts with nothing waiting; what a test left open must not answer for the next.
  lab.db.prepare("UPDATE proposals SET status = 'expired' WHERE status = 'pending'").run();
  lab.db.prepare("UPDATE incidents SET status = 'resolved' WHERE status = 'open'").run();
  lab.db.prepare('DELETE FROM runbook_autonomy').run();
  lab.db.prepare("UPDATE verifications SET status = 'skipped' WHERE status = 'pending'").run();
  const radarr = getKubeObject<Workload>(lab.kube.state, 'deployments', 'media', 'radarr');
  if (radarr) radarr.spec.replicas = 1;
});

failOnViolations(() => sim);

const OWNER = '+4915112345678';
const STRANGER = '+4900000000';
const HOUR = 3_600_000;

const RESTART: RunbookCandidate = {
  runbookId: 'radarr-restart-001',
  title: 'Radarr stuck',
  automationLevel: 'ask_human',
  approvalTtlMs: 2 * HOUR,
  solutions: [
    {
      title: 'Scale radarr to 2 replicas',
      risk: 'low',
      reversible: true,
      calls: [
        {
          tool: 'infrastructure__scale_workload',
          arguments: { namespace: 'media', kind: 'deployment', name: 'radarr', replicas: 2 },
        },
      ],
    },
    {
      title: 'Scale radarr to 3 replicas',
      risk: 'low',
      reversible: true,
      calls: [
        {
          tool: 'infrastructure__scale_workload',
          arguments: { namespace: 'media', kind: 'deployment', name: 'radarr', replicas: 3 },
        },
      ],
    },
  ],
};

function setup(
  options: {
    runbook?: RunbookCandidate;
    askFirst?: boolean;
    escalation?: boolean;
    clock?: { now: Date };
  } = {},
) {
  const channel = new RecordingChannel('signal');
  const pager = new RecordingChannel('mattermost');
  const gateway = testGateway(lab.db, lab.log.logger, sim.url);
  const { pipeline, gate } = createPipeline({
    db: lab.db,
    log: lab.log.logger,
    hub: lab.hub,
    gateway,
    channels: [channel],
    escalation: options.escalation ? [pager] : [],
    gate: {
      approvers: { signal: [OWNER], mattermost: ['alice-id'], console: ['owner'] },
      proposalTtlMs: HOUR,
      approvalTtlMs: 60_000,
      remindAfterMs: 20 * 60_000,
      escalateAfterMs: 20 * 60_000,
    },
    privacy: {},
    matchRunbook: () => options.runbook,
    askFirst: options.askFirst,
    alertResolvedWithinMs: 10 * 60_000,
  });
  const clock = options.clock;
  const inbox = new Inbox({
    db: lab.db,
    log: lab.log.logger,
    gate,
    pipeline,
    now: clock ? () => clock.now : undefined,
  });
  let sequence = 0;
  const say = async (
    text: string,
    extra: {
      sender?: string;
      replyTo?: string;
      messageId?: string;
      proposalId?: number;
      incidentId?: number;
      channel?: string;
    } = {},
  ) => {
    sequence += 1;
    const outcome = await inbox.handle({
      channel: extra.channel ?? 'signal',
      sender: extra.sender ?? OWNER,
      text,
      messageId: extra.messageId ?? `m${sequence}-${Date.now()}`,
      replyTo: extra.replyTo,
      proposalId: extra.proposalId,
      incidentId: extra.incidentId,
    });
    await inbox.idle();
    return outcome;
  };
  return { pipeline, gate, inbox, channel, pager, say };
}

/** A model's proposal of one solution: scale radarr to `replicas`. */
function scaleRadarr(summary: string, title: string, replicas: number): string {
  return JSON.stringify({
    summary,
    solutions: [
      {
        title,
        risk: 'low',
        reversible: true,
        calls: [
          {
            tool: 'infrastructure__scale_workload',
            arguments: { namespace: 'media', kind: 'deployment', name: 'radarr', replicas },
          },
        ],
      },
    ],
  });
}

function audit(): Array<{ actor: string; action: string; outcome: string }> {
  return lab.db
    .prepare('SELECT actor, action, outcome FROM audit_log ORDER BY id DESC LIMIT 1')
    .all() as Array<{ actor: string; action: string; outcome: string }>;
}

describe('inbox', () => {
  it('a quoted "2" runs solution 2 on the cluster, once; the post is marked decided', async () => {
    const { pipeline, channel, say } = setup({ runbook: RESTART });
    const handled = await pipeline.handleIncident(lab.alert('radarr', 'firing'));
    if (handled.handledBy !== 'runbook') throw new Error('expected the runbook');
    const solutions = channel.last('solutions');
    expect(solutions?.text).toContain(`Solutions Found (p${handled.proposalId}`);
    expect(solutions?.actions?.map((a) => a.command)).toEqual([
      '1',
      '2',
      'ignore',
      'snooze 1h',
      'details',
    ]);
    expect(lab.replicas('radarr')).toBe(1);

    const first = await say('2', { replyTo: channel.idOf('solutions'), messageId: 'quote-1' });
    expect(first).toMatchObject({ outcome: 'done', proposalId: handled.proposalId });
    expect(first.text).toContain('Scale radarr to 3 replicas');
    expect(lab.replicas('radarr')).toBe(3);
    expect(channel.last('complete')?.text).toMatch(/^Complete: Scale radarr to 3 replicas/);
    expect(channel.decisions.at(-1)).toMatchObject({
      proposalId: handled.proposalId,
      text: expect.stringContaining(`approved solution 2 by ${OWNER}`),
      sent: [channel.idOf('solutions')],
    });
    expect(audit()).toEqual([{ actor: OWNER, action: 'choose', outcome: 'done' }]);

    // The same message delivered again is not handled again; a new "1" is refused as decided.
    expect(await say('2', { replyTo: channel.idOf('solutions'), messageId: 'quote-1' })).toEqual({
      outcome: 'ignored',
    });
    const late = await say('1', { replyTo: channel.idOf('solutions') });
    expect(late).toMatchObject({ outcome: 'refused' });
    expect(late.text).toContain('already decided');
    expect(lab.replicas('radarr')).toBe(3);
  });

  it('a stranger is ignored without a reply, and nothing changes', async () => {
    const { pipeline, channel, say } = setup({ runbook: RESTART });
    await pipeline.handleIncident(lab.alert('radarr', 'firing'));
    const before = lab.replicas('radarr');
    const outcome = await say('1', { sender: STRANGER, replyTo: channel.idOf('solutions') });
    expect(outcome).toEqual({ outcome: 'ignored' });
    expect(lab.replicas('radarr')).toBe(before);
    expect(audit()).toEqual([{ actor: STRANGER, action: 'message', outcome: 'ignored' }]);
    // An approver on another channel is not an approver here.
    expect(await say('1', { sender: 'alice-id' })).toEqual({ outcome: 'ignored' });
    expect(lab.replicas('radarr')).toBe(before);
  });

  it('with several proposals waiting, an unreferenced "1" is refused; "1 p<id>" is not', async () => {
    const { pipeline, say } = setup({ runbook: RESTART });
    const a = await pipeline.handleIncident(lab.alert('radarr', 'firing', 'RadarrDown'));
    const b = await pipeline.handleIncident(lab.alert('sonarr', 'firing', 'SonarrDown'));
    if (a.handledBy !== 'runbook' || b.handledBy !== 'runbook') throw new Error('runbooks');
    const before = lab.replicas('radarr');
    const vague = await say('1');
    expect(vague.outcome).toBe('refused');
    expect(vague.text).toContain(`p${a.proposalId}, p${b.proposalId}`);
    expect(lab.replicas('radarr')).toBe(before);
    const clear = await say(`1 p${a.proposalId}`);
    expect(clear).toMatchObject({ outcome: 'done', proposalId: a.proposalId });
    expect(lab.replicas('radarr')).toBe(2);
    // A button of one proposal with the text naming another: nothing is guessed.
    const mixed = await say(`2 p${a.proposalId}`, { proposalId: b.proposalId });
    expect(mixed.outcome).toBe('refused');
    expect(mixed.text).toContain('belongs to');
  });

  it('ignore declines; "approve" with two solutions asks which; unknown text gets help', async () => {
    const { pipeline, say } = setup({ runbook: RESTART });
    const handled = await pipeline.handleIncident(lab.alert('radarr', 'firing'));
    if (handled.handledBy !== 'runbook') throw new Error('expected the runbook');
    const which = await say('approve');
    expect(which).toMatchObject({ outcome: 'refused' });
    expect(which.text).toContain('has 2 solutions');
    const help = await say('please fix it');
    expect(help.outcome).toBe('help');
    expect(help.text).toContain('Commands:');
    const before = lab.replicas('radarr');
    expect(await say('ignore')).toMatchObject({
      outcome: 'done',
      text: `p${handled.proposalId} ignored; nothing will be done.`,
    });
    expect(
      lab.db
        .prepare('SELECT status, decided_by FROM proposals WHERE id = ?')
        .get(handled.proposalId),
    ).toEqual({ status: 'denied', decided_by: OWNER });
    expect((await say(`1 p${handled.proposalId}`)).text).toContain('already decided');
    expect(lab.replicas('radarr')).toBe(before);
  });

  it('an internal failure while handling a reply says so, records nothing, and a retry of the same message works', async () => {
    const { pipeline, gate, say } = setup({ runbook: RESTART });
    const handled = await pipeline.handleIncident(lab.alert('radarr', 'firing'));
    if (handled.handledBy !== 'runbook') throw new Error('expected the runbook');
    const approve = gate.approve.bind(gate);
    gate.approve = () => {
      throw new Error('disk I/O error');
    };
    const failed = await say('1', { messageId: 'retry-me' });
    expect(failed.outcome).toBe('refused');
    expect(failed.text).toContain('internal error');
    expect(lab.replicas('radarr')).toBe(1);
    gate.approve = approve;
    expect(await say('1', { messageId: 'retry-me' })).toMatchObject({ outcome: 'done' });
    expect(lab.replicas('radarr')).toBe(2);
  });

  it('details shows the exact calls, rollback and dry run', async () => {
    const { pipeline, say } = setup({ runbook: RESTART });
    const handled = await pipeline.handleIncident(lab.alert('radarr', 'firing'));
    if (handled.handledBy !== 'runbook') throw new Error('expected the runbook');
    const details = await say(`details p${handled.proposalId}`);
    expect(details.outcome).toBe('done');
    expect(details.text).toContain(
      'Call: infrastructure__scale_workload {"kind":"deployment","name":"radarr","namespace":"media","replicas":3}',
    );
    expect(details.text).toContain('Dry run of infrastructure__scale_workload');
    expect(details.text).toContain('Calls hash: ');
  });

  it('unanswered: a reminder, then the escalation channel, then expiry — which does nothing and is reported', async () => {
    const clock = { now: new Date() };
    const { pipeline, channel, pager, say } = setup({
      runbook: RESTART,
      escalation: true,
      clock,
    });
    const start = Date.now();
    const handled = await pipeline.handleIncident(lab.alert('radarr', 'firing'));
    if (handled.handledBy !== 'runbook') throw new Error('expected the runbook');
    await pipeline.tick(new Date(start + 10 * 60_000));
    expect(channel.kinds()).not.toContain('reminder');
    await pipeline.tick(new Date(start + 21 * 60_000));
    expect(channel.last('reminder')?.text).toMatch(
      new RegExp(`^Reminder: p${handled.proposalId} is waiting for your answer`),
    );
    expect(pager.messages).toHaveLength(0);
    await pipeline.tick(new Date(start + 42 * 60_000));
    expect(pager.last('solutions')?.text).toMatch(
      new RegExp(`^Escalated: nobody answered p${handled.proposalId} on signal`),
    );
    // The escalation channel's approver may answer there; this one waits: the runbook gives 2 h.
    await pipeline.tick(new Date(start + 90 * 60_000));
    expect(channel.kinds()).not.toContain('notice');
    await pipeline.tick(new Date(start + 2 * HOUR + 1000));
    expect(channel.last('notice')?.text).toBe(
      `p${handled.proposalId} expired without an answer; nothing was done.`,
    );
    expect(channel.decisions.at(-1)?.text).toContain('expired');
    clock.now = new Date(start + 2 * HOUR + 2000);
    const before = lab.replicas('radarr');
    const late = await say('1');
    expect(late.text).toBe('Nothing is waiting for an answer');
    expect((await say(`1 p${handled.proposalId}`)).text).toBe(
      `p${handled.proposalId} has expired; nothing was done.`,
    );
    expect(lab.replicas('radarr')).toBe(before);
  });

  it('snooze moves the question and the deadline; it is shown again when the snooze ends', async () => {
    const clock = { now: new Date() };
    const { pipeline, channel, say } = setup({ runbook: RESTART, clock });
    const start = clock.now.getTime();
    const handled = await pipeline.handleIncident(lab.alert('radarr', 'firing'));
    if (handled.handledBy !== 'runbook') throw new Error('expected the runbook');
    const snoozed = await say('snooze 3h');
    expect(snoozed.text).toMatch(new RegExp(`^p${handled.proposalId} snoozed until `));
    await pipeline.tick(new Date(start + 2 * HOUR + 60_000));
    expect(channel.kinds()).not.toContain('reminder');
    expect(channel.kinds()).not.toContain('notice');
    await pipeline.tick(new Date(start + 3 * HOUR + 60_000));
    expect(channel.last('reminder')?.text).toContain(`Solutions Found (p${handled.proposalId}`);
    clock.now = new Date(start + 3 * HOUR + 120_000);
    expect(await say('1')).toMatchObject({ outcome: 'done' });
    expect(lab.replicas('radarr')).toBe(2);
  });

  it('verbose mode asks "Is this a problem?" before any model call; yes researches, "no, expected" does not', async () => {
    const { pipeline, channel, say } = setup({ askFirst: true });
    const incidentId = lab.alert('radarr', 'firing');
    expect(await pipeline.handleIncident(incidentId)).toEqual({
      handledBy: 'question',
      incidentId,
    });
    const question = channel.last('question');
    expect(question?.text).toContain('Is this a problem?');
    expect(question?.actions?.map((a) => a.label)).toEqual(['Yes', 'No, expected', 'Snooze 1h']);
    expect(sim.script.received).toHaveLength(0);

    sim.script.reply({
      text: scaleRadarr('radarr needs a second replica.', 'Scale radarr to 2', 2),
    });
    const yes = await say('Yes', { replyTo: channel.idOf('question') });
    expect(yes).toMatchObject({ outcome: 'done' });
    expect(sim.script.received.length).toBeGreaterThan(0);
    expect(channel.last('solutions')?.text).toContain('1. Scale radarr to 2');
    expect((await say('yes', { replyTo: channel.idOf('question') })).text).toContain(
      'answered already',
    );

    const calls = sim.script.received.length;
    const second = lab.alert('sonarr', 'firing', 'SonarrSlow');
    await pipeline.handleIncident(second);
    const no = await say('no, expected', { replyTo: channel.idOf('question') });
    expect(no.text).toContain(`incident #${second} is expected`);
    expect(channel.decisions.at(-1)).toEqual({
      incidentId: second,
      text: `expected, by ${OWNER} (signal): nothing will be done`,
      sent: [channel.idOf('question')],
    });
    expect(sim.script.received).toHaveLength(calls);
    expect(lab.db.prepare('SELECT confirmation FROM incidents WHERE id = ?').get(second)).toEqual({
      confirmation: 'expected',
    });

    // The console's form names the incident itself; a snooze asks again later.
    const third = lab.alert('sonarr', 'firing', 'SonarrStuck');
    await pipeline.handleIncident(third);
    const snoozed = await say('snooze 1h', {
      incidentId: third,
      channel: 'console',
      sender: 'owner',
    });
    expect(snoozed.text).toContain(`Incident #${third} snoozed until`);
    await pipeline.tick(new Date(Date.now() + 61 * 60_000));
    expect(channel.last('question')?.incidentId).toBe(third);
    expect(sim.script.received).toHaveLength(calls);
  });

  it('custom: plans a new proposal that needs its own approval; nothing changes before it', async () => {
    const { pipeline, channel, say } = setup({ runbook: RESTART });
    const handled = await pipeline.handleIncident(lab.alert('radarr', 'firing'));
    if (handled.handledBy !== 'runbook') throw new Error('expected the runbook');
    const before = lab.replicas('radarr');
    sim.script.reply({
      text: scaleRadarr('As asked: radarr to 4 replicas.', 'Scale radarr to 4', 4),
    });
    const custom = await say('custom: scale radarr to 4', { replyTo: channel.idOf('solutions') });
    expect(custom.text).toContain('needs its own approval');
    expect(JSON.stringify(sim.script.received.at(-1))).toContain('scale radarr to 4');
    const plan = channel.last('solutions');
    expect(plan?.proposalId).not.toBe(handled.proposalId);
    expect(plan?.text).toContain('1. Scale radarr to 4');
    expect(lab.replicas('radarr')).toBe(before);
    expect(await say('1', { replyTo: channel.idOf('solutions') })).toMatchObject({
      outcome: 'done',
      proposalId: plan?.proposalId,
    });
    expect(lab.replicas('radarr')).toBe(4);
  });

  it('status and weekly answer from the store', async () => {
    const { pipeline, say } = setup({ runbook: RESTART });
    const done = await pipeline.handleIncident(lab.alert('radarr', 'firing', 'RadarrDown'));
    if (done.handledBy !== 'runbook') throw new Error('expected the runbook');
    await say('1');
    const handled = await pipeline.handleIncident(lab.alert('sonarr', 'firing', 'SonarrDown'));
    if (handled.handledBy !== 'runbook') throw new Error('expected the runbook');
    const status = await say('status');
    expect(status.text).toContain(`- p${handled.proposalId}: Known problem: Radarr stuck`);
    const weekly = await say('weekly');
    expect(weekly.text).toMatch(/^Weekly Homelab Report/);
    expect(weekly.text).toMatch(/With approval: [1-9]/);
    expect(weekly.text).toContain('Proposals awaiting an answer: 1');
  });

  it('"next time: auto" after an approved runbook fix lets the next one run alone; "investigate" sends it to a model', async () => {
    const { pipeline, channel, say } = setup({ runbook: RESTART });
    const first = await pipeline.handleIncident(lab.alert('radarr', 'firing'));
    if (first.handledBy !== 'runbook') throw new Error('expected the runbook');
    const early = await say(`next time: auto p${first.proposalId}`);
    expect(early.outcome).toBe('refused');
    expect(early.text).toContain('has not earned');
    await say('1');
    const auto = await say('Next time: Auto', { replyTo: channel.idOf('complete') });
    expect(auto).toMatchObject({ outcome: 'done' });
    expect(auto.text).toContain('radarr-restart-001 will run without asking');
    lab.alert('radarr', 'resolved');

    const second = await pipeline.handleIncident(lab.alert('radarr', 'firing'));
    expect(second).toMatchObject({ handledBy: 'runbook', autoExecuted: true });
    lab.alert('radarr', 'resolved');

    expect((await say('next time: investigate')).text).toContain('will not be used');
    sim.script.reply({ text: JSON.stringify({ summary: 'Nothing to change.', solutions: [] }) });
    const third = await pipeline.handleIncident(lab.alert('radarr', 'firing'));
    expect(third).toMatchObject({ handledBy: 'triage' });
    lab.db.prepare('DELETE FROM runbook_autonomy').run();
    lab.db.prepare("UPDATE verifications SET status = 'skipped' WHERE status = 'pending'").run();
  });

  it('after a channel lost its connection, what is still waiting is listed again there', async () => {
    const { pipeline, inbox, channel, pager } = setup({ runbook: RESTART, escalation: true });
    const handled = await pipeline.handleIncident(lab.alert('radarr', 'firing'));
    if (handled.handledBy !== 'runbook') throw new Error('expected the runbook');
    await inbox.reconcile('signal', 95_000);
    const notice = channel.last('notice')?.text ?? '';
    expect(notice).toContain('disconnected from signal for 95 s');
    expect(notice).toContain(`- p${handled.proposalId}: Known problem`);
    expect(pager.messages).toHaveLength(0);
  });
});
