// The simulated signal-cli-rest-api (src/upstreams/signal.ts) over real fetch and Node's global
// WebSocket: sending, both receive modes (polling in normal mode, pushing in json-rpc mode), the
// shapes of quotes and reactions, the messages json-rpc mode loses while no client is connected
// (upstream issue #834), framework faults, and contract violations from bad requests.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SIGNAL_NUMBER,
  startSignalSim,
  type SignalReceived,
  type SignalSim,
} from '../src/upstreams/signal.js';
import { failOnViolations } from '../src/vitest.js';

const OWNER = '+4917600000002';
const JSON_HEADERS = { 'content-type': 'application/json' };

async function send(sim: SignalSim, body: unknown): Promise<Response> {
  return fetch(`${sim.url}/v2/send`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify(body),
  });
}

async function receive(sim: SignalSim, query = 'timeout=0'): Promise<SignalReceived[]> {
  const res = await fetch(`${sim.url}/v1/receive/${DEFAULT_SIGNAL_NUMBER}?${query}`);
  expect(res.status).toBe(200);
  return JSON.parse(await res.text()) as SignalReceived[];
}

/** A receive socket that keeps every pushed message. */
class ReceiveSocket {
  readonly received: SignalReceived[] = [];
  readonly closed: Promise<number>;
  private waiter: (() => void) | undefined;

  private constructor(
    readonly socket: WebSocket,
    private readonly sim: SignalSim,
  ) {
    socket.addEventListener('message', (event) => {
      this.received.push(JSON.parse(String(event.data)) as SignalReceived);
      this.waiter?.();
    });
    this.closed = new Promise((resolve) => {
      socket.addEventListener('close', (event) => resolve(event.code));
    });
  }

  static open(sim: SignalSim): Promise<ReceiveSocket> {
    const socket = new WebSocket(`${sim.wsUrl}/v1/receive/${DEFAULT_SIGNAL_NUMBER}`);
    return new Promise((resolve, reject) => {
      socket.addEventListener('open', () => resolve(new ReceiveSocket(socket, sim)), {
        once: true,
      });
      socket.addEventListener('error', () => reject(new Error('socket failed')), { once: true });
    });
  }

  /** Waits until `count` messages have arrived (at most 2 s). */
  async until(count: number): Promise<SignalReceived[]> {
    const deadline = Date.now() + 2000;
    while (this.received.length < count) {
      if (Date.now() > deadline)
        throw new Error(`only ${this.received.length} of ${count} messages`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50);
      });
    }
    return this.received;
  }

  /** Closes the socket and waits until the simulator has seen it go. */
  async close(): Promise<void> {
    this.socket.close();
    await this.closed;
    const deadline = Date.now() + 2000;
    while (this.sim.connections.length > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('signal-cli-rest-api simulator, normal mode', () => {
  let sim: SignalSim;
  beforeAll(async () => {
    sim = await startSignalSim();
  });
  afterAll(async () => {
    await sim.close();
  });
  failOnViolations(() => sim);

  it('describes itself: about, accounts and health', async () => {
    const about = (await (await fetch(`${sim.url}/v1/about`)).json()) as Record<string, unknown>;
    expect(about).toMatchObject({ mode: 'normal', versions: ['v1', 'v2'] });
    expect(await (await fetch(`${sim.url}/v1/accounts`)).json()).toEqual([DEFAULT_SIGNAL_NUMBER]);
    expect((await fetch(`${sim.url}/v1/health`)).status).toBe(204);
  });

  it('records a sent message and answers its timestamp as a string', async () => {
    const res = await send(sim, {
      number: DEFAULT_SIGNAL_NUMBER,
      recipients: [OWNER],
      message: 'Issue Detected: radarr uses 95% of its memory',
      base64_attachments: ['aGVsbG8='],
    });
    expect(res.status).toBe(201);
    const { timestamp } = (await res.json()) as { timestamp: string };
    expect(timestamp).toMatch(/^\d+$/);
    const sent = sim.state.sent.at(-1);
    expect(sent).toEqual({
      number: DEFAULT_SIGNAL_NUMBER,
      recipients: [OWNER],
      message: 'Issue Detected: radarr uses 95% of its memory',
      timestamp: Number(timestamp),
    });
    expect(Math.abs(Number(timestamp) - Date.now())).toBeLessThan(5000);

    const reply = await send(sim, {
      number: DEFAULT_SIGNAL_NUMBER,
      recipients: [OWNER],
      message: 'Approved.',
      quote_timestamp: Number(timestamp),
      quote_author: OWNER,
      quote_message: '1',
    });
    const second = (await reply.json()) as { timestamp: string };
    expect(Number(second.timestamp)).toBeGreaterThan(Number(timestamp));
    expect(sim.state.sent.at(-1)?.quote).toEqual({
      timestamp: Number(timestamp),
      author: OWNER,
      message: '1',
    });
  });

  it('refuses an empty recipient list and an unregistered sender as the real one does', async () => {
    const empty = await send(sim, { number: DEFAULT_SIGNAL_NUMBER, recipients: [], message: 'x' });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toMatchObject({ error: expect.stringContaining('recipient') });
    const stranger = await send(sim, { number: '+10000000000', recipients: [OWNER], message: 'x' });
    expect(stranger.status).toBe(400);
    expect(await stranger.json()).toMatchObject({ account: '+10000000000' });
  });

  it('returns received messages as a JSON array and drains the queue', async () => {
    sim.deliver({ from: OWNER, text: 'status' });
    sim.deliver({ from: OWNER, text: 'weekly' });
    const res = await fetch(`${sim.url}/v1/receive/${DEFAULT_SIGNAL_NUMBER}?timeout=0`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const first = JSON.parse(await res.text()) as SignalReceived[];
    expect(first.map((m) => m.envelope.dataMessage.message)).toEqual(['status', 'weekly']);
    expect(first[0]).toMatchObject({
      account: DEFAULT_SIGNAL_NUMBER,
      envelope: { source: OWNER, sourceNumber: OWNER, sourceDevice: 1 },
    });
    expect(first[0]?.envelope.timestamp).toBe(first[0]?.envelope.dataMessage.timestamp);
    expect(await receive(sim)).toEqual([]);
    expect(sim.state.queue).toEqual([]);
  });

  it('delivers quotes and reactions in signal-cli shape', async () => {
    const target = sim.state.sent[0]?.timestamp ?? 1;
    sim.deliver({
      from: OWNER,
      text: '1',
      quote: { timestamp: target, author: DEFAULT_SIGNAL_NUMBER },
    });
    sim.deliver({
      from: OWNER,
      reaction: { emoji: '👍', targetTimestamp: target, targetAuthor: DEFAULT_SIGNAL_NUMBER },
    });
    const [quoted, reacted] = await receive(sim);
    expect(quoted?.envelope.dataMessage).toMatchObject({
      message: '1',
      quote: { id: target, author: DEFAULT_SIGNAL_NUMBER, authorNumber: DEFAULT_SIGNAL_NUMBER },
    });
    expect(reacted?.envelope.dataMessage).toMatchObject({
      message: null,
      reaction: {
        emoji: '👍',
        targetAuthor: DEFAULT_SIGNAL_NUMBER,
        targetSentTimestamp: target,
        isRemove: false,
      },
    });
  });

  it('honours max_messages and waits up to timeout for a message', async () => {
    sim.deliver({ from: OWNER, text: 'a' });
    sim.deliver({ from: OWNER, text: 'b' });
    expect((await receive(sim, 'timeout=0&max_messages=1')).length).toBe(1);
    expect((await receive(sim, 'timeout=0')).length).toBe(1);

    const started = Date.now();
    const waiting = receive(sim, 'timeout=5');
    setTimeout(() => sim.deliver({ from: OWNER, text: 'late' }), 100);
    const late = await waiting;
    expect(late.map((m) => m.envelope.dataMessage.message)).toEqual(['late']);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('answers 400 for a non-numeric timeout and an unknown account', async () => {
    const bad = await fetch(`${sim.url}/v1/receive/${DEFAULT_SIGNAL_NUMBER}?timeout=soon`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: "Couldn't process request - timeout needs to be numeric!",
    });
    const unknown = await fetch(`${sim.url}/v1/receive/+10000000000?timeout=0`);
    expect(unknown.status).toBe(400);
  });

  it('misbehaves through the framework faults', async () => {
    sim.faults.inject({ kind: 'status', status: 503, match: { path: '/v2/send' }, times: 1 });
    const failed = await send(sim, {
      number: DEFAULT_SIGNAL_NUMBER,
      recipients: [OWNER],
      message: 'x',
    });
    expect(failed.status).toBe(503);
    sim.faults.inject({ kind: 'drop', match: { path: '/v1/receive/{number}' }, times: 1 });
    await expect(fetch(`${sim.url}/v1/receive/${DEFAULT_SIGNAL_NUMBER}`)).rejects.toThrow();
    sim.faults.inject({ kind: 'latency', ms: 150, match: { path: '/v1/about' }, times: 1 });
    const started = Date.now();
    expect((await fetch(`${sim.url}/v1/about`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(sim.state.sent.some((m) => m.message === 'x' && m.recipients[0] === OWNER)).toBe(false);
  });
});

describe('signal-cli-rest-api simulator, contract violations', () => {
  it('reports a send without recipients and answers 400', async () => {
    const sim = await startSignalSim();
    try {
      const res = await send(sim, { number: DEFAULT_SIGNAL_NUMBER, message: 'hello' });
      expect(res.status).toBe(400);
      expect(sim.state.sent).toEqual([]);
      expect(sim.violations).toHaveLength(1);
      expect(sim.violations[0]).toMatchObject({
        direction: 'request',
        method: 'POST',
        status: 400,
      });
      expect(sim.violations[0]?.message).toContain('recipients');
      expect(() => sim.assertNoViolations()).toThrow(/1 contract violation/);
    } finally {
      await sim.close();
    }
  });

  it('checks received messages against data.Message, in the list and on the socket', async () => {
    const polled = await startSignalSim();
    const pushed = await startSignalSim({ mode: 'json-rpc' });
    try {
      const bad = { emoji: '👍', targetTimestamp: 1.5, targetAuthor: OWNER };
      polled.deliver({ from: OWNER, reaction: bad });
      expect((await receive(polled)).length).toBe(1);
      expect(polled.violations[0]).toMatchObject({ direction: 'response', status: 200 });
      expect(polled.violations[0]?.message).toContain('targetSentTimestamp');

      const socket = await ReceiveSocket.open(pushed);
      pushed.deliver({ from: OWNER, reaction: bad });
      await socket.until(1);
      expect(pushed.violations[0]).toMatchObject({ direction: 'response', method: 'WS' });
      await socket.close();
    } finally {
      await Promise.all([polled.close(), pushed.close()]);
    }
  });

  it('reports a path the contract does not know', async () => {
    const sim = await startSignalSim();
    try {
      const res = await fetch(`${sim.url}/v3/send`, { method: 'POST' });
      expect(res.status).toBe(404);
      expect(sim.violations[0]).toMatchObject({ direction: 'request', path: '/v3/send' });
    } finally {
      await sim.close();
    }
  });
});

describe('signal-cli-rest-api simulator, json-rpc mode', () => {
  let sim: SignalSim;
  beforeAll(async () => {
    sim = await startSignalSim({ mode: 'json-rpc' });
  });
  afterAll(async () => {
    await sim.close();
  });
  failOnViolations(() => sim);

  it('says so in /v1/about and refuses a plain GET on the receive socket', async () => {
    const about = (await (await fetch(`${sim.url}/v1/about`)).json()) as { mode: string };
    expect(about.mode).toBe('json-rpc');
    const res = await fetch(`${sim.url}/v1/receive/${DEFAULT_SIGNAL_NUMBER}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: expect.stringContaining('websocket') });
  });

  it('pushes each message to every connected client', async () => {
    const [one, two] = await Promise.all([ReceiveSocket.open(sim), ReceiveSocket.open(sim)]);
    const pushed = sim.deliver({ from: OWNER, text: 'approve' });
    expect(await one.until(1)).toEqual([pushed]);
    expect(await two.until(1)).toEqual([pushed]);
    expect(pushed).toMatchObject({
      account: DEFAULT_SIGNAL_NUMBER,
      envelope: { sourceNumber: OWNER, dataMessage: { message: 'approve' } },
    });
    expect(sim.state.lost).toEqual([]);
    await Promise.all([one.close(), two.close()]);
  });

  it('pushes quotes and reactions', async () => {
    const socket = await ReceiveSocket.open(sim);
    sim.deliver({
      from: OWNER,
      text: '2',
      quote: { timestamp: 42, author: DEFAULT_SIGNAL_NUMBER, text: 'Solutions Found' },
    });
    sim.deliver({
      from: OWNER,
      reaction: { emoji: '👎', targetTimestamp: 42, targetAuthor: DEFAULT_SIGNAL_NUMBER },
    });
    const [quoted, reacted] = await socket.until(2);
    expect(quoted?.envelope.dataMessage.quote).toEqual({
      id: 42,
      author: DEFAULT_SIGNAL_NUMBER,
      authorNumber: DEFAULT_SIGNAL_NUMBER,
      text: 'Solutions Found',
    });
    expect(reacted?.envelope.dataMessage.reaction).toMatchObject({
      emoji: '👎',
      targetSentTimestamp: 42,
    });
    await socket.close();
  });

  it('loses messages delivered while no client is connected (upstream #834)', async () => {
    const before = sim.deliver({ from: OWNER, text: 'nobody listens' });
    expect(sim.state.lost).toContainEqual(before);

    const socket = await ReceiveSocket.open(sim);
    const seen = sim.deliver({ from: OWNER, text: 'first after connect' });
    await socket.until(1);

    expect(sim.disconnectAll()).toBe(1);
    expect(await socket.closed).toBe(1001);
    const gap = sim.deliver({ from: OWNER, text: 'during the gap' });

    const again = await ReceiveSocket.open(sim);
    const after = sim.deliver({ from: OWNER, text: 'after reconnect' });
    expect(await again.until(1)).toEqual([after]);
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(socket.received).toEqual([seen]);
    expect(again.received).toEqual([after]);
    expect(sim.state.lost).toEqual(expect.arrayContaining([before, gap]));
    expect(sim.state.lost).not.toContainEqual(seen);
    expect(sim.state.delivered).toEqual(expect.arrayContaining([before, seen, gap, after]));
    await again.close();
  });

  it('closes receive sockets on a ws-close fault', async () => {
    const socket = await ReceiveSocket.open(sim);
    sim.faults.inject({ kind: 'ws-close', code: 1011, times: 1 });
    expect(await socket.closed).toBe(1011);
    const lost = sim.deliver({ from: OWNER, text: 'cut off' });
    expect(sim.state.lost).toContainEqual(lost);
  });
});
