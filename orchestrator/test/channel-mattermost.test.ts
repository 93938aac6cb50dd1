// The Mattermost approval channel against the simulated Mattermost (real REST, a real WebSocket,
// real button clicks POSTed by the simulator to the orchestrator's own HTTP server): signed
// buttons, clicks reaching the inbox only when the signature is ours, thread replies over the
// WebSocket, decisions edited into the posts, reconnection with catch-up, malformed events,
// clear send errors without the token, and silence after close().
import {
  DEFAULT_MM_TOKEN,
  MM_SEED,
  startMattermostSim,
  type MattermostSim,
} from '@homelab/simulator';
import { failOnViolations } from '@homelab/simulator/vitest';
import { captureLog, eventually, type CapturedLog } from '@homelab/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type {
  IncomingReply,
  OutgoingMessage,
  ReplyHandler,
  ReplyOutcome,
} from '../src/approve/channel.js';
import {
  INVALID_BUTTON_TEXT,
  MattermostChannel,
  mattermostChannelFromConfig,
  mattermostConfigShape,
  type MattermostChannelOptions,
} from '../src/approve/channels/mattermost.js';
import {
  startOrchestratorHttp,
  type HttpRoute,
  type RunningOrchestratorHttp,
} from '../src/http/server.js';
import { openDatabase } from '../src/store/database.js';

const APPROVALS = MM_SEED.approvalsChannelId;
const ALICE = MM_SEED.aliceId;
const BOT = MM_SEED.botUserId;
const ACTION_SECRET = 'action-secret-canary-7f3a9c1e';
const SOLUTIONS: OutgoingMessage = {
  kind: 'solutions',
  text: 'Restart deployment/sonarr?',
  proposalId: 7,
  actions: [
    { label: 'Approve 1', command: '1' },
    { label: 'Ignore', command: 'ignore' },
  ],
};

let mm: MattermostSim;
let http: RunningOrchestratorHttp;
let captured: CapturedLog;
/** The orchestrator's extra routes: each test serves the channel it is about. */
const routes: HttpRoute[] = [];
const channels: MattermostChannel[] = [];

beforeAll(async () => {
  http = await startOrchestratorHttp(
    openDatabase(':memory:'),
    { host: '127.0.0.1', port: 0, webhookToken: undefined, maxBodyBytes: 65_536, routes },
    captureLog().logger,
  );
});

afterAll(async () => {
  await http.close();
});

beforeEach(async () => {
  mm = await startMattermostSim();
  captured = captureLog();
});

afterEach(async () => {
  await Promise.all(channels.splice(0).map((channel) => channel.close()));
  routes.length = 0;
  await mm.close();
});

failOnViolations(() => mm);

function channelFor(overrides: Partial<MattermostChannelOptions> = {}): MattermostChannel {
  const channel = new MattermostChannel({
    url: mm.url,
    token: DEFAULT_MM_TOKEN,
    channelId: APPROVALS,
    callbackUrl: http.url,
    actionSecret: ACTION_SECRET,
    log: captured.logger,
    reconnectDelaysMs: [20, 50],
    ...overrides,
  });
  channels.push(channel);
  return channel;
}

function serve(channel: MattermostChannel): void {
  routes.length = 0;
  routes.push(channel.route);
}

function recorder(answer: (reply: IncomingReply) => ReplyOutcome) {
  const replies: IncomingReply[] = [];
  const handler: ReplyHandler = (reply) => {
    replies.push(reply);
    return Promise.resolve(answer(reply));
  };
  return { replies, handler };
}

const approved = (): ReplyOutcome => ({
  outcome: 'done',
  text: 'Approved solution 1; running it now.',
  proposalId: 7,
});

interface StoredAction {
  id: string;
  name: string;
  type: string;
  integration: { url: string; context: Record<string, unknown> };
}

function storedActions(postId: string): StoredAction[] {
  const attachments = mm.state.posts.get(postId)?.props.attachments;
  if (!Array.isArray(attachments)) return [];
  return attachments.flatMap(
    (attachment: { actions?: StoredAction[] }) => attachment.actions ?? [],
  );
}

function postCallback(body: unknown): Promise<Response> {
  return fetch(`${http.url}/mattermost/actions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function until(condition: () => boolean): Promise<void> {
  expect(
    await eventually(
      () => Promise.resolve(condition()),
      (met) => met,
      5_000,
      20,
    ),
  ).toBe(true);
}

describe('send', () => {
  it('posts to the channel with one signed button per action, the integration kept server-side', async () => {
    const { externalId } = await channelFor().send(SOLUTIONS);
    expect(mm.state.posts.get(externalId)).toMatchObject({
      channel_id: APPROVALS,
      user_id: BOT,
      message: 'Restart deployment/sonarr?',
      root_id: '',
    });
    const signed = {
      url: `${http.url}/mattermost/actions`,
      context: {
        proposal_id: 7,
        nonce: expect.stringMatching(/^[0-9a-f]{24}$/),
        sig: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    };
    expect(storedActions(externalId)).toEqual([
      {
        id: 'action0',
        name: 'Approve 1',
        type: 'button',
        integration: { ...signed, context: { ...signed.context, command: '1' } },
      },
      {
        id: 'action1',
        name: 'Ignore',
        type: 'button',
        integration: { ...signed, context: { ...signed.context, command: 'ignore' } },
      },
    ]);
  });

  it('posts plain text without a callback URL or without actions', async () => {
    const textOnly = await channelFor({ callbackUrl: undefined }).send(SOLUTIONS);
    const noActions = await channelFor().send({ kind: 'notice', text: 'Disk is filling up.' });
    for (const { externalId } of [textOnly, noActions]) {
      expect(mm.state.posts.get(externalId)?.props).toEqual({});
    }
  });

  it('answers in the thread of the message it replies to, even when that is a reply itself', async () => {
    const channel = channelFor();
    const root = await channel.send(SOLUTIONS);
    const inThread = mm.userPosts({
      userId: ALICE,
      channelId: APPROVALS,
      message: 'what does it restart?',
      rootId: root.externalId,
    });
    const answer = await channel.send({
      kind: 'answer',
      text: 'Only the sonarr pod.',
      inReplyTo: inThread.id,
    });
    expect(mm.state.posts.get(answer.externalId)?.root_id).toBe(root.externalId);
  });

  it('fails with the status and what Mattermost said, never with the token', async () => {
    const token = 'wrong-token-canary-4d2e';
    const error = await channelFor({ token })
      .send(SOLUTIONS)
      .then(
        () => undefined,
        (failure: unknown) => failure,
      );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      'Mattermost: refused the credentials (401 on POST /api/v4/posts)',
    );
    mm.faults.inject({
      kind: 'status',
      status: 500,
      match: { method: 'POST', path: '/api/v4/posts' },
      times: 1,
      body: {
        id: 'app.post.save.app_error',
        message: 'Unable to save the post.',
        detailed_error: '',
        status_code: 500,
      },
    });
    await expect(channelFor().send(SOLUTIONS)).rejects.toThrow(
      /failed with 500 on POST \/api\/v4\/posts: .*Unable to save the post\./,
    );
    await expect(channelFor({ token }).start(recorder(approved).handler)).rejects.toThrow(
      /refused the credentials \(401 on GET \/api\/v4\/users\/me\)/,
    );
    expect(captured.lines.join('\n')).not.toContain(token);
  });
});

describe('button callbacks', () => {
  it('hands a click by a person to the handler and, when done, removes the buttons', async () => {
    const channel = channelFor();
    serve(channel);
    const { replies, handler } = recorder(approved);
    await channel.start(handler);
    const { externalId } = await channel.send(SOLUTIONS);

    const click = await mm.clickButton({ postId: externalId, actionId: 'action0', userId: ALICE });

    expect(click.answer).toMatchObject({ status: 200, body: { status: 'OK' } });
    expect(replies).toEqual([
      { channel: 'mattermost', sender: ALICE, text: '1', proposalId: 7, replyTo: externalId },
    ]);
    const post = mm.state.posts.get(externalId);
    expect(post?.message).toBe(
      'Restart deployment/sonarr?\n\nDecision: Approved solution 1; running it now.',
    );
    expect(post?.props).toEqual({});
    expect(mm.state.ephemeralPosts).toEqual([
      expect.objectContaining({ userId: ALICE, message: 'Approved solution 1; running it now.' }),
    ]);
  });

  it('leaves the post and its buttons alone when the click is refused', async () => {
    const channel = channelFor();
    serve(channel);
    const { replies, handler } = recorder(() => ({
      outcome: 'refused',
      text: 'you are not on the list of approvers',
    }));
    await channel.start(handler);
    const { externalId } = await channel.send(SOLUTIONS);

    await mm.clickButton({ postId: externalId, actionId: 'action1', userId: ALICE });

    expect(replies).toEqual([
      { channel: 'mattermost', sender: ALICE, text: 'ignore', proposalId: 7, replyTo: externalId },
    ]);
    expect(mm.state.posts.get(externalId)?.message).toBe('Restart deployment/sonarr?');
    expect(storedActions(externalId)).toHaveLength(2);
    expect(mm.state.ephemeralPosts.map((post) => post.message)).toEqual([
      'you are not on the list of approvers',
    ]);
  });

  it('never hands a forged or altered button to the handler', async () => {
    const channel = channelFor();
    serve(channel);
    const { replies, handler } = recorder(approved);
    await channel.start(handler);
    const { externalId } = await channel.send(SOLUTIONS);
    const genuine = storedActions(externalId)[1]?.integration.context ?? {};
    const base = { user_id: ALICE, post_id: externalId, channel_id: APPROVALS };
    const forgeries: Array<Record<string, unknown>> = [
      {},
      { ...genuine, sig: undefined },
      { ...genuine, sig: 'f'.repeat(64) },
      { ...genuine, sig: 'not hex' },
      { ...genuine, proposal_id: 8 },
      { ...genuine, proposal_id: undefined },
      { ...genuine, command: '1' },
      { ...genuine, nonce: '0'.repeat(24) },
    ];
    for (const context of forgeries) {
      const response = await postCallback({ ...base, context });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ephemeral_text: INVALID_BUTTON_TEXT });
    }
    const otherChannel = await postCallback({
      ...base,
      channel_id: MM_SEED.townSquareId,
      context: genuine,
    });
    expect(await otherChannel.json()).toEqual({
      ephemeral_text: 'This button does not belong to the approvals channel; nothing was done.',
    });
    expect(replies).toEqual([]);

    const untouched = await postCallback({ ...base, context: genuine });
    expect(untouched.status).toBe(200);
    expect(replies).toEqual([
      { channel: 'mattermost', sender: ALICE, text: 'ignore', proposalId: 7, replyTo: externalId },
    ]);
  });

  it('answers 400, 405 and 413 to what is not a button callback', async () => {
    const channel = channelFor();
    serve(channel);
    const { replies, handler } = recorder(approved);
    await channel.start(handler);
    expect((await postCallback('not json')).status).toBe(400);
    expect((await postCallback({ user_id: ALICE, context: {} })).status).toBe(400);
    const get = await fetch(`${http.url}/mattermost/actions`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await postCallback('x'.repeat(70 * 1024))).status).toBe(413);
    expect(replies).toEqual([]);
  });

  it('refuses buttons signed with another key (a restart with a different or random secret)', async () => {
    for (const [first, second] of [
      ['first-secret-0123456789', 'second-secret-0123456789'],
      [undefined, undefined],
    ] as const) {
      const before = channelFor({ actionSecret: first });
      const { externalId } = await before.send(SOLUTIONS);
      await before.close();
      const after = channelFor({ actionSecret: second });
      serve(after);
      const { replies, handler } = recorder(approved);
      await after.start(handler);

      const click = await mm.clickButton({
        postId: externalId,
        actionId: 'action0',
        userId: ALICE,
      });

      expect(click.integration).toEqual({
        status: 200,
        body: { ephemeral_text: INVALID_BUTTON_TEXT },
      });
      expect(replies).toEqual([]);
      expect(storedActions(externalId)).toHaveLength(2);
    }
    expect(captured.lines.join('\n')).toContain('ORCH_MATTERMOST_ACTION_SECRET is unset');
  });

  it('tells the clicking person when the handler failed, without touching the post', async () => {
    const channel = channelFor();
    serve(channel);
    await channel.start(() => Promise.reject(new Error('database is locked')));
    const { externalId } = await channel.send(SOLUTIONS);

    const click = await mm.clickButton({ postId: externalId, actionId: 'action0', userId: ALICE });

    expect(click.integration?.body).toEqual({
      ephemeral_text:
        'The orchestrator could not handle this click (see its log); try again, or reply in the thread.',
    });
    expect(storedActions(externalId)).toHaveLength(2);
    expect(captured.lines.join('\n')).toContain('database is locked');
  });

  it('takes no clicks after close()', async () => {
    const channel = channelFor();
    serve(channel);
    const { replies, handler } = recorder(approved);
    await channel.start(handler);
    const { externalId } = await channel.send(SOLUTIONS);
    await channel.close();
    const click = await mm.clickButton({ postId: externalId, actionId: 'action0', userId: ALICE });
    expect(click.integration?.body).toEqual({
      ephemeral_text:
        'The orchestrator is not taking decisions right now; nothing was done. Try again in a minute.',
    });
    expect(replies).toEqual([]);
  });
});

describe('replies over the WebSocket', () => {
  it("hands a person's thread reply to the handler and answers in that thread, ignoring its own posts", async () => {
    const channel = channelFor();
    const { replies, handler } = recorder(() => ({ outcome: 'done', text: 'Approved.' }));
    await channel.start(handler);
    const root = await channel.send(SOLUTIONS);

    const reply = mm.userPosts({
      userId: ALICE,
      channelId: APPROVALS,
      message: '1',
      rootId: root.externalId,
    });
    await until(() =>
      [...mm.state.posts.values()].some(
        (post) => post.user_id === BOT && post.root_id === root.externalId,
      ),
    );
    mm.userPosts({ userId: ALICE, channelId: MM_SEED.townSquareId, message: 'lunch?' });
    const topLevel = mm.userPosts({ userId: ALICE, channelId: APPROVALS, message: 'status' });
    await until(() => replies.length >= 2);

    expect(replies).toEqual([
      {
        channel: 'mattermost',
        sender: ALICE,
        text: '1',
        messageId: reply.id,
        replyTo: root.externalId,
      },
      { channel: 'mattermost', sender: ALICE, text: 'status', messageId: topLevel.id },
    ]);
    await until(() => [...mm.state.posts.values()].some((post) => post.root_id === topLevel.id));
    const answers = [...mm.state.posts.values()].filter(
      (post) => post.user_id === BOT && post.root_id !== '',
    );
    expect(answers.map((post) => [post.root_id, post.message])).toEqual([
      [root.externalId, 'Approved.'],
      [topLevel.id, 'Approved.'],
    ]);
  });

  it('reconnects by itself and handles a message written during the gap exactly once', async () => {
    const gaps: number[] = [];
    const channel = channelFor({
      onReconnect: (gapMs) => {
        gaps.push(gapMs);
        return Promise.resolve();
      },
    });
    const { replies, handler } = recorder(() => ({ outcome: 'ignored' }));
    await channel.start(handler);
    mm.userPosts({ userId: ALICE, channelId: APPROVALS, message: 'before' });
    await until(() => replies.length === 1);

    mm.faults.inject({
      kind: 'status',
      status: 503,
      match: { path: '/api/v4/websocket' },
      times: 2,
    });
    expect(mm.disconnectAll()).toBe(1);
    mm.userPosts({ userId: ALICE, channelId: APPROVALS, message: 'during' });
    await until(() => gaps.length === 1 && replies.length >= 2);
    mm.userPosts({ userId: ALICE, channelId: APPROVALS, message: 'after' });
    await until(() => replies.length >= 3);

    expect(replies.map((reply) => reply.text)).toEqual(['before', 'during', 'after']);
    const attempts = captured.lines
      .map((line) => JSON.parse(line) as { msg: string; delayMs?: number })
      .filter((line) => line.msg.startsWith('Mattermost WebSocket'))
      .map((line) => [line.msg, line.delayMs]);
    expect(attempts).toEqual([
      ['Mattermost WebSocket dropped; reconnecting', 0],
      ['Mattermost WebSocket connection failed; retrying', 20],
      ['Mattermost WebSocket connection failed; retrying', 50],
      ['Mattermost WebSocket reconnected', undefined],
    ]);
    expect(gaps).toEqual([expect.any(Number)]);
    expect(gaps[0]).toBeGreaterThanOrEqual(0);
    expect(mm.faults.active).toEqual([]);
    expect(mm.connections).toHaveLength(1);
  });

  it('hands replies over one at a time, in order, and goes on after a handler failure', async () => {
    const channel = channelFor();
    let running = 0;
    let mostAtOnce = 0;
    const texts: string[] = [];
    await channel.start(async (reply) => {
      running += 1;
      mostAtOnce = Math.max(mostAtOnce, running);
      await new Promise((resolve) => setImmediate(resolve));
      texts.push(reply.text);
      running -= 1;
      if (reply.text === 'boom') throw new Error('inbox exploded');
      return { outcome: 'ignored' };
    });
    for (const message of ['one', 'boom', 'two', 'three'])
      mm.userPosts({ userId: ALICE, channelId: APPROVALS, message });
    await until(() => texts.length >= 4);

    expect(texts).toEqual(['one', 'boom', 'two', 'three']);
    expect(mostAtOnce).toBe(1);
    expect(captured.lines.join('\n')).toContain('inbox exploded');
  });

  it('skips a malformed event and handles the next one', async () => {
    const channel = channelFor();
    const { replies, handler } = recorder(() => ({ outcome: 'ignored' }));
    await channel.start(handler);
    const [socket] = mm.connections;
    socket?.send('not json');
    socket?.send({ event: 'posted', data: { post: '{"id": "truncated' }, seq: 90 });
    socket?.send({ event: 'posted', data: { post: JSON.stringify({ id: 'no-fields' }) }, seq: 91 });
    const good = mm.userPosts({ userId: ALICE, channelId: APPROVALS, message: 'approve' });
    await until(() => replies.length >= 1);

    expect(replies).toEqual([
      { channel: 'mattermost', sender: ALICE, text: 'approve', messageId: good.id },
    ]);
    expect(
      captured.lines.filter((line) => line.includes('skipped a malformed Mattermost')),
    ).toHaveLength(3);
    expect(mm.violations).toHaveLength(3);
    mm.reset();
  });

  it('stops handing replies over after close() and does not reconnect', async () => {
    const closing = channelFor();
    const closed = recorder(approved);
    await closing.start(closed.handler);
    await closing.close();
    await until(() => mm.connections.length === 0);
    mm.userPosts({ userId: ALICE, channelId: APPROVALS, message: 'approve' });

    const witness = channelFor();
    const seen = recorder(() => ({ outcome: 'ignored' }));
    await witness.start(seen.handler);
    mm.userPosts({ userId: ALICE, channelId: APPROVALS, message: 'sentinel' });
    await until(() => seen.replies.length >= 1);

    expect(closed.replies).toEqual([]);
    expect(mm.connections).toHaveLength(1);
  });
});

describe('decided', () => {
  it('ends each post with the decision and removes its buttons; a failure is logged, not thrown', async () => {
    const channel = channelFor();
    const first = await channel.send(SOLUTIONS);
    const reminder = await channel.send({ ...SOLUTIONS, kind: 'reminder', text: 'Still waiting.' });

    await channel.decided({ proposalId: 7 }, 'approved solution 1 by alice', [
      first.externalId,
      reminder.externalId,
      'x'.repeat(26),
    ]);

    expect(mm.state.posts.get(first.externalId)).toMatchObject({
      message: 'Restart deployment/sonarr?\n\nDecision: approved solution 1 by alice',
      props: {},
    });
    expect(mm.state.posts.get(reminder.externalId)).toMatchObject({
      message: 'Still waiting.\n\nDecision: approved solution 1 by alice',
      props: {},
    });
    expect(captured.lines.join('\n')).toContain('could not show a decision on a Mattermost post');

    await channel.decided({ proposalId: 7 }, 'expired\nafter 4h', [first.externalId]);
    expect(mm.state.posts.get(first.externalId)?.message).toBe(
      'Restart deployment/sonarr?\n\nDecision: expired after 4h',
    );
  });
});

describe('configuration', () => {
  const parse = (env: Record<string, string>) => z.object(mattermostConfigShape).parse(env);

  it('describes every variable', () => {
    for (const [name, schema] of Object.entries(mattermostConfigShape))
      expect(schema.description, name).toBeTruthy();
  });

  it('is off without a URL and names the variable missing beside it', () => {
    expect(mattermostChannelFromConfig(parse({}), captured.logger)).toBeUndefined();
    expect(() =>
      mattermostChannelFromConfig(parse({ ORCH_MATTERMOST_URL: mm.url }), captured.logger),
    ).toThrow(/ORCH_MATTERMOST_TOKEN/);
    expect(() =>
      mattermostChannelFromConfig(
        parse({ ORCH_MATTERMOST_URL: mm.url, ORCH_MATTERMOST_TOKEN: DEFAULT_MM_TOKEN }),
        captured.logger,
      ),
    ).toThrow(/ORCH_MATTERMOST_CHANNEL_ID/);
  });

  it('reads the approvers and refuses a short action secret', () => {
    const config = parse({
      ORCH_MATTERMOST_URL: mm.url,
      ORCH_MATTERMOST_TOKEN: DEFAULT_MM_TOKEN,
      ORCH_MATTERMOST_CHANNEL_ID: APPROVALS,
      ORCH_MATTERMOST_APPROVERS: `${ALICE}, ${MM_SEED.bobId}`,
      ORCH_MATTERMOST_CALLBACK_URL: http.url,
    });
    expect(config.ORCH_MATTERMOST_APPROVERS).toEqual([ALICE, MM_SEED.bobId]);
    expect(
      z.object(mattermostConfigShape).safeParse({ ORCH_MATTERMOST_ACTION_SECRET: 'short' }).success,
    ).toBe(false);
    const channel = mattermostChannelFromConfig(config, captured.logger);
    expect(channel).toBeInstanceOf(MattermostChannel);
    expect(channel?.route.prefix).toBe('/mattermost/actions');
  });

  it('builds a working channel from the variables', async () => {
    const channel = mattermostChannelFromConfig(
      parse({
        ORCH_MATTERMOST_URL: `${mm.url}/`,
        ORCH_MATTERMOST_TOKEN: DEFAULT_MM_TOKEN,
        ORCH_MATTERMOST_CHANNEL_ID: APPROVALS,
        ORCH_MATTERMOST_CALLBACK_URL: `${http.url}/`,
        ORCH_MATTERMOST_ACTION_SECRET: ACTION_SECRET,
      }),
      captured.logger,
    );
    if (!channel) throw new Error('expected a channel');
    channels.push(channel);
    const { externalId } = await channel.send(SOLUTIONS);
    expect(storedActions(externalId)[0]?.integration.url).toBe(`${http.url}/mattermost/actions`);
    expect(captured.lines.join('\n')).toContain('ORCH_MATTERMOST_APPROVERS is empty');
  });
});
