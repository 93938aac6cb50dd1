// The assembled orchestrator with its real chat channels, configured only by variables: the
// simulated signal-cli-rest-api (json-rpc) and Mattermost. A crash-looping alert matches the
// runbook; its solutions arrive on Signal and as a Mattermost post with buttons; a click by
// someone not on the allow-list does nothing, the approver's click restarts the deployment through
// the real infrastructure server and the post shows the decision; a late Signal reply is told the
// proposal was decided, and "status" is answered on Signal.
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseEnv } from '@homelab/kit';
import {
  DEFAULT_KUBE_TOKEN,
  DEFAULT_MM_TOKEN,
  listKubeObjects,
  MM_SEED,
  startKubernetesSim,
  startMattermostSim,
  startSignalSim,
  type KubernetesState,
  type MattermostSim,
  type SignalSim,
  type Upstream,
  type Workload,
} from '@homelab/simulator';
import { captureLog, eventually } from '@homelab/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrchestrator, type RunningOrchestrator } from '../src/app.js';
import { configShape } from '../src/config.js';
import { firstPodOf } from './support/homelab.js';

const INFRASTRUCTURE_MAIN = fileURLToPath(
  new URL('../../mcp-servers/infrastructure/dist/main.js', import.meta.url),
);
const RUNBOOKS = fileURLToPath(new URL('../../runbooks', import.meta.url));
const BOT = '+4915700000001';
const OWNER = '+4915112345678';
const STRANGER = '+4915199999999';

let kube: Upstream<KubernetesState>;
let signal: SignalSim;
let mattermost: MattermostSim;
let running: RunningOrchestrator;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

beforeAll(async () => {
  kube = await startKubernetesSim();
  signal = await startSignalSim({ number: BOT, mode: 'json-rpc' });
  mattermost = await startMattermostSim();
  const port = await freePort();
  const { data: config } = parseEnv(configShape, {
    ORCH_DB_PATH: ':memory:',
    ORCH_PORT: String(port),
    ORCH_RUNBOOKS_DIR: RUNBOOKS,
    ORCH_MCP_INFRASTRUCTURE_COMMAND: `${process.execPath} ${INFRASTRUCTURE_MAIN}`,
    ORCH_SIGNAL_URL: signal.url,
    ORCH_SIGNAL_NUMBER: BOT,
    ORCH_SIGNAL_RECIPIENTS: OWNER,
    ORCH_SIGNAL_APPROVERS: OWNER,
    ORCH_MATTERMOST_URL: mattermost.url,
    ORCH_MATTERMOST_TOKEN: DEFAULT_MM_TOKEN,
    ORCH_MATTERMOST_CHANNEL_ID: MM_SEED.approvalsChannelId,
    ORCH_MATTERMOST_APPROVERS: MM_SEED.aliceId,
    ORCH_MATTERMOST_CALLBACK_URL: `http://127.0.0.1:${port}`,
    ORCH_MATTERMOST_ACTION_SECRET: 'a-test-secret-of-some-length',
  });
  running = await startOrchestrator(config, captureLog().logger, {
    environment: { PATH: process.env.PATH, KUBE_API_URL: kube.url, KUBE_TOKEN: DEFAULT_KUBE_TOKEN },
  });
});

afterAll(async () => {
  await running?.close();
  await mattermost?.close();
  await signal?.close();
  await kube?.close();
});

function radarrPod(): string {
  return firstPodOf(kube.state, 'radarr');
}

function restartedAt(): string | undefined {
  const radarr = listKubeObjects<Workload>(kube.state, 'deployments', 'media').find(
    (d) => d.metadata.name === 'radarr',
  );
  return radarr?.spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
}

async function alert(
  labels: Record<string, string> = {
    alertname: 'KubePodCrashLooping',
    namespace: 'media',
    pod: radarrPod(),
  },
): Promise<void> {
  const response = await fetch(`${running.http.url}/webhook/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      version: '4',
      groupKey: `{}:{alertname="${labels.alertname}"}`,
      status: 'firing',
      receiver: 'agent',
      groupLabels: { alertname: labels.alertname },
      commonLabels: labels,
      commonAnnotations: {},
      externalURL: 'http://127.0.0.1:9093',
      alerts: [
        {
          status: 'firing',
          labels,
          annotations: {},
          startsAt: new Date().toISOString(),
          fingerprint: labels.alertname === 'KubePodCrashLooping' ? '1a2b3c4d' : '5e6f7a8b',
        },
      ],
    }),
  });
  expect(response.status).toBe(200);
}

describe('the orchestrator with Signal and Mattermost', () => {
  it('proposes on both, ignores a stranger, executes the approver’s click, and says so everywhere', async () => {
    await alert();
    const solutions = await eventually(
      () => Promise.resolve(signal.state.sent.find((m) => m.message.startsWith('Solutions Found'))),
      (m) => m !== undefined,
    );
    expect(solutions?.recipients).toEqual([OWNER]);
    expect(solutions?.message).toContain('2. Restart media/radarr');
    const post = await eventually(
      () =>
        Promise.resolve(
          [...mattermost.state.posts.values()].find((p) => p.message.startsWith('Solutions Found')),
        ),
      (p) => p !== undefined,
    );
    if (!post) throw new Error('no post');
    const proposalId = Number(/\(p(\d+)/.exec(post.message)?.[1]);

    // A stranger on Signal, and someone outside the channel on Mattermost, change nothing.
    signal.deliver({ from: STRANGER, text: '2' });
    await mattermost.clickButton({ postId: post.id, actionId: 'action1', userId: MM_SEED.bobId });
    await eventually(
      () =>
        Promise.resolve(
          running.db.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE outcome = 'ignored'").get(),
        ),
      (row) => (row as { n: number }).n === 1,
    );
    await running.inbox.idle();
    expect(restartedAt()).toBeUndefined();

    // The approver's click: solution 2 runs, and the post shows the decision without buttons.
    const before = restartedAt();
    await mattermost.clickButton({ postId: post.id, actionId: 'action1', userId: MM_SEED.aliceId });
    await running.inbox.idle();
    expect(restartedAt()).not.toBe(before);
    expect(restartedAt()).toBeDefined();
    const updated = mattermost.state.posts.get(post.id);
    expect(updated?.message).toContain(`Decision: `);
    expect(JSON.stringify(updated?.props ?? {})).not.toContain('action1');

    // A late Signal reply quoting the proposal is told it was decided; "status" is answered.
    signal.deliver({
      from: OWNER,
      text: '1',
      quote: { timestamp: solutions?.timestamp ?? 0, author: BOT },
    });
    await eventually(
      () =>
        Promise.resolve(
          signal.state.sent.find(
            (m) => m.recipients.includes(OWNER) && m.message.includes('already decided'),
          ),
        ),
      (m) => m !== undefined,
    );
    signal.deliver({ from: OWNER, text: 'status' });
    const status = await eventually(
      () => Promise.resolve(signal.state.sent.find((m) => m.message.startsWith('Status ('))),
      (m) => m !== undefined,
    );
    expect(status?.message).toContain('Nothing is waiting for you.');
    expect(signal.state.sent.some((m) => m.recipients.includes(STRANGER))).toBe(false);
    const audit = running.db
      .prepare('SELECT channel, actor, outcome FROM audit_log WHERE proposal_id = ? ORDER BY id')
      .all(proposalId);
    expect(audit).toEqual(
      expect.arrayContaining([
        { channel: 'mattermost', actor: MM_SEED.aliceId, outcome: 'done' },
        { channel: 'signal', actor: OWNER, outcome: 'refused' },
      ]),
    );
  });

  it('verbose mode asks on both; a thumbs-up on Signal means yes, the Mattermost question shows it, and a late reply is told', async () => {
    await alert({ alertname: 'RadarrQueueStuck', namespace: 'media' });
    const question = await eventually(
      () =>
        Promise.resolve(signal.state.sent.find((m) => m.message.includes('Is this a problem?'))),
      (m) => m !== undefined,
    );
    const post = await eventually(
      () =>
        Promise.resolve(
          [...mattermost.state.posts.values()].find((p) =>
            p.message.includes('Is this a problem?'),
          ),
        ),
      (p) => p !== undefined,
    );
    if (!question || !post) throw new Error('the question was not asked on both');
    signal.deliver({
      from: OWNER,
      reaction: { emoji: '👍', targetTimestamp: question.timestamp, targetAuthor: BOT },
    });
    const triageOff = await eventually(
      () =>
        Promise.resolve(signal.state.sent.find((m) => m.message.startsWith('Model triage is off'))),
      (m) => m !== undefined,
    );
    expect(triageOff?.recipients).toEqual([OWNER]);
    await eventually(
      () => Promise.resolve(mattermost.state.posts.get(post.id)?.message ?? ''),
      (message) => message.includes(`Decision: a problem, by ${OWNER} (signal): researching`),
    );
    // The answered question lost its buttons; a late text reply in its thread is told why.
    const gone = await mattermost.clickButton({
      postId: post.id,
      actionId: 'action1',
      userId: MM_SEED.aliceId,
    });
    expect(JSON.stringify(gone)).toContain('Unable to find the action');
    mattermost.userPosts({
      userId: MM_SEED.aliceId,
      channelId: MM_SEED.approvalsChannelId,
      message: 'no, expected',
      rootId: post.id,
    });
    await eventually(
      () =>
        Promise.resolve(
          [...mattermost.state.posts.values()].find(
            (p) => p.root_id === post.id && p.message.includes('was answered already (confirmed)'),
          ),
        ),
      (p) => p !== undefined,
    );
    expect(
      running.db
        .prepare("SELECT confirmation FROM incidents WHERE title LIKE '%RadarrQueueStuck%'")
        .get(),
    ).toEqual({ confirmation: 'confirmed' });
  });
});
