// The simulated Mattermost (src/upstreams/mattermost.ts) over real fetch, a real WebSocket
// (Node's global WebSocket) and a real local HTTP server standing in for the bot's button
// callback endpoint: token auth, posts with buttons, updates, the WebSocket handshake and
// `posted` events, the click flow with its verification and post update, disconnects, faults
// and a contract violation. Good paths fail on any violation of the spec or the notes' schemas.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { failOnViolations } from '../src/vitest.js';
import {
  DEFAULT_MM_TOKEN,
  MM_SEED,
  startMattermostSim,
  type MattermostSim,
} from '../src/upstreams/mattermost.js';

const AUTH = { authorization: `Bearer ${DEFAULT_MM_TOKEN}`, 'content-type': 'application/json' };
const SECRET = 's3cr3t';

let mm: MattermostSim;
let callbackServer: Server;
let callbackUrl = '';
const received: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }> = [];
/** What the stand-in integration answers to a verified callback. */
let verifiedReply: unknown = {};

beforeAll(async () => {
  mm = await startMattermostSim();
  callbackServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      received.push({ headers: req.headers, body });
      const context = body.context as Record<string, unknown>;
      const ok = context.secret === SECRET;
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(ok ? verifiedReply : { error: 'bad secret' }));
    });
  });
  await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/mattermost/actions`;
});

afterAll(async () => {
  await mm.close();
  await new Promise<void>((resolve) => callbackServer.close(() => resolve()));
});

afterEach(() => {
  received.length = 0;
  verifiedReply = {};
});

async function api(
  method: string,
  path: string,
  body?: unknown,
  headers = AUTH,
): Promise<Response> {
  return fetch(`${mm.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

function approvalPost(secret = SECRET): Record<string, unknown> {
  return {
    channel_id: MM_SEED.approvalsChannelId,
    message: 'Restart deployment/sonarr?',
    props: {
      attachments: [
        {
          text: 'Solution 1: rollout restart',
          actions: [
            {
              id: 'approve',
              name: 'Approve',
              type: 'button',
              style: 'good',
              integration: { url: callbackUrl, context: { action: 'approve', secret } },
            },
            {
              id: 'deny',
              name: 'Deny',
              type: 'button',
              style: 'danger',
              integration: { url: callbackUrl, context: { action: 'deny', secret } },
            },
          ],
        },
      ],
    },
  };
}

interface WsClient {
  socket: WebSocket;
  messages: Array<Record<string, unknown>>;
  next(predicate: (message: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  closed: Promise<number>;
}

function connect(): Promise<WsClient> {
  const socket = new WebSocket(`${mm.wsUrl}/api/v4/websocket`);
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  socket.addEventListener('message', (event) => {
    messages.push(JSON.parse(String(event.data)) as Record<string, unknown>);
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<number>((resolve) =>
    socket.addEventListener('close', (event) => resolve(event.code)),
  );
  const next = async (
    predicate: (message: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>> => {
    for (;;) {
      const found = messages.find(predicate);
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return new Promise((resolve, reject) => {
    socket.addEventListener('open', () => resolve({ socket, messages, next, closed }));
    socket.addEventListener('error', () => reject(new Error('WebSocket failed')));
  });
}

async function authenticatedClient(): Promise<WsClient> {
  const client = await connect();
  client.socket.send(
    JSON.stringify({
      seq: 1,
      action: 'authentication_challenge',
      data: { token: DEFAULT_MM_TOKEN },
    }),
  );
  await client.next((m) => m.seq_reply === 1);
  await client.next((m) => m.event === 'hello');
  return client;
}

describe('good paths', () => {
  failOnViolations(() => mm);

  it('identifies the bot by its token', async () => {
    const response = await api('GET', '/api/v4/users/me');
    expect(response.status).toBe(200);
    const me = (await response.json()) as Record<string, unknown>;
    expect(me).toMatchObject({ id: MM_SEED.botUserId, username: 'homelab-bot', is_bot: true });
  });

  it('stores a post with buttons and shows it without the integration', async () => {
    const created = await api('POST', '/api/v4/posts', approvalPost());
    expect(created.status).toBe(201);
    const post = (await created.json()) as { id: string; props: { attachments: unknown[] } };
    expect(JSON.stringify(post)).not.toContain('integration');
    const read = await api('GET', `/api/v4/posts/${post.id}`);
    expect(read.status).toBe(200);
    const readBody = (await read.json()) as Record<string, unknown>;
    expect(readBody).toMatchObject({ id: post.id, message: 'Restart deployment/sonarr?' });
    expect(readBody.props).toEqual(post.props);
    const stored = mm.state.posts.get(post.id);
    expect(JSON.stringify(stored?.props)).toContain(SECRET);
    const list = (await (
      await api('GET', `/api/v4/channels/${MM_SEED.approvalsChannelId}/posts`)
    ).json()) as { order: string[] };
    expect(list.order).toContain(post.id);
    expect((await api('GET', `/api/v4/posts/${'x'.repeat(26)}`)).status).toBe(404);
  });

  it('updates a post with PUT (props as an object, omitted fields cleared)', async () => {
    const post = (await (await api('POST', '/api/v4/posts', approvalPost())).json()) as {
      id: string;
    };
    const updated = await api('PUT', `/api/v4/posts/${post.id}`, {
      id: post.id,
      message: 'Approved by @alice',
      props: { attachments: [] },
    });
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({
      message: 'Approved by @alice',
      props: { attachments: [] },
    });
    expect(mm.state.posts.get(post.id)?.edit_at).toBeGreaterThan(0);
    const mismatched = await api('PUT', `/api/v4/posts/${post.id}`, { id: 'other', message: 'x' });
    expect(mismatched.status).toBe(400);
  });

  it('authenticates a WebSocket by challenge and sends posted with data.post as a JSON string', async () => {
    const client = await authenticatedClient();
    expect(client.messages[0]).toEqual({ status: 'OK', seq_reply: 1 });
    expect(client.messages[1]).toMatchObject({ event: 'hello', seq: 0 });
    const dm = (await (
      await api('POST', '/api/v4/channels/direct', [MM_SEED.botUserId, MM_SEED.aliceId])
    ).json()) as { id: string; type: string };
    expect(dm.type).toBe('D');
    const reply = mm.userPosts({ userId: MM_SEED.aliceId, channelId: dm.id, message: 'approve' });
    const event = await client.next((m) => m.event === 'posted');
    expect(event.seq).toBe(1);
    const data = event.data as Record<string, unknown>;
    expect(typeof data.post).toBe('string');
    expect(JSON.parse(data.post as string)).toMatchObject({
      id: reply.id,
      user_id: MM_SEED.aliceId,
      channel_id: dm.id,
      message: 'approve',
    });
    expect(data).toMatchObject({
      channel_type: 'D',
      channel_display_name: '@alice',
      sender_name: '@alice',
      team_id: '',
      mentions: JSON.stringify([MM_SEED.botUserId]),
    });
    client.socket.close();
    await client.closed;
  });

  it('also authenticates a WebSocket by the Authorization header at upgrade', async () => {
    const socket = new WebSocket(`${mm.wsUrl}/api/v4/websocket`, {
      headers: { authorization: `Bearer ${DEFAULT_MM_TOKEN}` },
    } as unknown as string[]);
    const first = await new Promise<Record<string, unknown>>((resolve) =>
      socket.addEventListener('message', (event) =>
        resolve(JSON.parse(String(event.data)) as Record<string, unknown>),
      ),
    );
    expect(first).toMatchObject({ event: 'hello', seq: 0 });
    socket.close();
  });

  it('clickButton delivers the documented payload and applies the update', async () => {
    const client = await authenticatedClient();
    const post = (await (await api('POST', '/api/v4/posts', approvalPost())).json()) as {
      id: string;
    };
    verifiedReply = {
      update: { message: 'Approved by @alice', props: { attachments: [] } },
      ephemeral_text: 'Done.',
    };
    const result = await mm.clickButton({
      postId: post.id,
      actionId: 'approve',
      userId: MM_SEED.aliceId,
    });
    expect(result.integration?.status).toBe(200);
    expect(result.answer).toMatchObject({ status: 200, body: { status: 'OK' } });
    expect(received).toHaveLength(1);
    expect(received[0]?.headers['content-type']).toBe('application/json');
    expect(received[0]?.headers.authorization).toBeUndefined();
    expect(received[0]?.body).toMatchObject({
      user_id: MM_SEED.aliceId,
      user_name: 'alice',
      channel_id: MM_SEED.approvalsChannelId,
      channel_name: 'homelab-approvals',
      team_id: MM_SEED.teamId,
      team_domain: 'home',
      post_id: post.id,
      type: 'button',
      data_source: '',
      context: { action: 'approve', secret: SECRET },
    });
    expect(typeof received[0]?.body.trigger_id).toBe('string');
    const stored = mm.state.posts.get(post.id);
    expect(stored?.message).toBe('Approved by @alice');
    expect(stored?.props).toEqual({ attachments: [] });
    expect(mm.state.ephemeralPosts.at(-1)).toMatchObject({
      userId: MM_SEED.aliceId,
      message: 'Done.',
    });
    const edited = await client.next((m) => m.event === 'post_edited');
    expect(JSON.parse((edited.data as { post: string }).post)).toMatchObject({
      id: post.id,
      message: 'Approved by @alice',
    });
    client.socket.close();
  });

  it('a refused callback (wrong secret) fails the click and leaves the post alone', async () => {
    const post = (await (await api('POST', '/api/v4/posts', approvalPost('forged'))).json()) as {
      id: string;
    };
    const result = await mm.clickButton({
      postId: post.id,
      actionId: 'deny',
      userId: MM_SEED.aliceId,
    });
    expect(result.integration).toEqual({ status: 401, body: { error: 'bad secret' } });
    expect(result.answer.status).toBe(400);
    expect(mm.state.posts.get(post.id)?.message).toBe('Restart deployment/sonarr?');
  });

  it('refuses callbacks to internal addresses not allowed by AllowedUntrustedInternalConnections', async () => {
    const post = (await (await api('POST', '/api/v4/posts', approvalPost())).json()) as {
      id: string;
    };
    mm.state.allowedUntrustedInternalConnections = '';
    try {
      const result = await mm.clickButton({
        postId: post.id,
        actionId: 'approve',
        userId: MM_SEED.aliceId,
      });
      expect(result.integration).toBeUndefined();
      expect(result.answer.status).toBe(400);
      expect(JSON.stringify(result.answer.body)).toContain('address forbidden');
      expect(received).toHaveLength(0);
    } finally {
      mm.state.allowedUntrustedInternalConnections = '127.0.0.0/8';
    }
  });

  it('disconnectAll drops every WebSocket', async () => {
    const client = await authenticatedClient();
    expect(mm.disconnectAll()).toBeGreaterThanOrEqual(1);
    expect(await client.closed).toBe(1001);
    expect(mm.connections).toHaveLength(0);
  });

  it('serves injected faults', async () => {
    mm.faults.inject({
      kind: 'status',
      status: 503,
      match: { path: '/api/v4/users/me' },
      times: 1,
    });
    expect((await api('GET', '/api/v4/users/me')).status).toBe(503);
    expect((await api('GET', '/api/v4/users/me')).status).toBe(200);
  });
});

describe('refusals and violations', () => {
  it('answers 401 in the AppError shape without a token or with a wrong one', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
      const response = await api('GET', '/api/v4/users/me', undefined, headers as typeof AUTH);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({
        id: 'api.context.session_expired.app_error',
        status_code: 401,
      });
    }
    expect(mm.violations).toEqual([]);
  });

  it('closes a WebSocket whose challenge carries a wrong token', async () => {
    const client = await connect();
    client.socket.send(
      JSON.stringify({ seq: 1, action: 'authentication_challenge', data: { token: 'wrong' } }),
    );
    expect(await client.closed).toBe(1006);
    expect(client.messages).toEqual([]);
    expect(mm.violations).toEqual([]);
  });

  it('reports a contract violation for a post without channel_id', async () => {
    const response = await api('POST', '/api/v4/posts', { message: 'no channel' });
    expect(response.status).toBe(400);
    expect(mm.violations).toHaveLength(1);
    expect(mm.violations[0]?.message).toContain('CreatePost');
    expect(mm.violations[0]?.message).toContain('channel_id');
    mm.reset();
  });

  it('reports an integration answer that breaks the documented callback shape', async () => {
    const post = (await (await api('POST', '/api/v4/posts', approvalPost())).json()) as {
      id: string;
    };
    verifiedReply = { update: 'not an object' };
    const result = await mm.clickButton({
      postId: post.id,
      actionId: 'approve',
      userId: MM_SEED.aliceId,
    });
    expect(result.answer.status).toBe(400);
    expect(mm.violations.map((v) => v.operation)).toEqual([
      'interactive button callback (mattermost-bot.md §3)',
    ]);
    mm.reset();
  });
});
