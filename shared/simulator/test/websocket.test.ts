// WebSocket upstreams: a Home Assistant-style message round trip with zod message schemas, the
// `ws-close` fault (open sockets now, later sockets on their next message), and upgrades.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startUpstream, type SimSocket, type Upstream } from '../src/index.js';

const incoming = z.object({ id: z.number().int(), type: z.string() });
const outgoing = z.object({ type: z.string() }).loose();

interface ChatState {
  received: unknown[];
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.addEventListener('open', () => resolve(socket), { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), { once: true });
  });
}

function nextMessage(socket: WebSocket): Promise<unknown> {
  return new Promise((resolve) => {
    socket.addEventListener(
      'message',
      (event) => resolve(JSON.parse(String(event.data)) as unknown),
      { once: true },
    );
  });
}

function closed(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) resolve(1006);
    socket.addEventListener('close', (event) => resolve(event.code), { once: true });
  });
}

describe('WebSocket upstreams', () => {
  let upstream: Upstream<ChatState>;
  beforeAll(async () => {
    upstream = await startUpstream<ChatState>({
      name: 'home-assistant',
      state: { received: [] },
      routes: [],
      websocket: [
        {
          path: '/api/websocket',
          incoming,
          outgoing,
          onConnection: (conn: SimSocket, state) => {
            conn.send({ type: 'auth_required', ha_version: '2024.1.0' });
            conn.onMessage((message) => {
              state.received.push(message);
              const id = (message as { id?: unknown }).id;
              conn.send({ id, type: 'result', success: true, result: { echo: message } });
            });
          },
        },
      ],
    });
  });
  afterAll(() => upstream.close());
  afterEach(() => upstream.reset());

  it('round-trips JSON messages and keeps state', async () => {
    const socket = new WebSocket(`${upstream.wsUrl}/api/websocket`);
    const greeting = nextMessage(socket);
    await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
    expect(await greeting).toEqual({ type: 'auth_required', ha_version: '2024.1.0' });
    const reply = nextMessage(socket);
    socket.send(JSON.stringify({ id: 1, type: 'get_states' }));
    expect(await reply).toEqual({
      id: 1,
      type: 'result',
      success: true,
      result: { echo: { id: 1, type: 'get_states' } },
    });
    expect(upstream.state.received).toEqual([{ id: 1, type: 'get_states' }]);
    expect(upstream.connections).toHaveLength(1);
    expect(upstream.requests).toEqual([{ method: 'GET', path: '/api/websocket', status: 101 }]);
    socket.close();
    await closed(socket);
    upstream.assertNoViolations();
  });

  it('records a message that breaks the incoming schema (and still delivers it)', async () => {
    const socket = await open(`${upstream.wsUrl}/api/websocket`);
    const reply = new Promise<unknown>((resolve) => {
      socket.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as { type: string };
        if (message.type === 'result') resolve(message);
      });
    });
    socket.send(JSON.stringify({ id: 'one', type: 'ping' }));
    await reply;
    expect(upstream.violations).toHaveLength(1);
    expect(upstream.violations[0]).toMatchObject({
      direction: 'request',
      method: 'WS',
      operation: 'WebSocket /api/websocket',
    });
    expect(upstream.violations[0]?.issues[0]).toMatchObject({
      location: 'message',
      instancePath: '/id',
    });
    socket.close();
    await closed(socket);
  });

  it('ws-close closes open sockets now, with the given code', async () => {
    const socket = await open(`${upstream.wsUrl}/api/websocket`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const code = closed(socket);
    upstream.faults.inject({ kind: 'ws-close', code: 4001, times: 1 });
    expect(await code).toBe(4001);
    expect(upstream.faults.active).toEqual([]);
  });

  it('ws-close without a code drops the connection abruptly (client sees 1006)', async () => {
    const socket = await open(`${upstream.wsUrl}/api/websocket`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const code = closed(socket);
    upstream.faults.inject({ kind: 'ws-close' });
    expect(await code).toBe(1006);
  });

  it('ws-close also closes sockets opened later, on their next message', async () => {
    upstream.faults.inject({ kind: 'ws-close', code: 1012, match: { path: '/api/websocket' } });
    const socket = await open(`${upstream.wsUrl}/api/websocket`);
    const code = closed(socket);
    socket.send(JSON.stringify({ id: 2, type: 'get_config' }));
    expect(await code).toBe(1012);
    expect(upstream.state.received).not.toContainEqual({ id: 2, type: 'get_config' });
  });

  it('HTTP faults apply to the upgrade request', async () => {
    upstream.faults.inject({ kind: 'status', status: 503, times: 1 });
    await expect(open(`${upstream.wsUrl}/api/websocket`)).rejects.toThrow(/cannot open/);
    const socket = await open(`${upstream.wsUrl}/api/websocket`);
    socket.close();
    await closed(socket);
  });

  it('an upgrade to an unknown path is refused and recorded', async () => {
    await expect(open(`${upstream.wsUrl}/api/nope`)).rejects.toThrow(/cannot open/);
    expect(upstream.violations[0]).toMatchObject({ status: 404, path: '/api/nope' });
  });
});
