// The Signal approval channel against the contract-checked signal-cli-rest-api simulator, in both
// receive modes: what it sends (and quotes), what replies, quotes and reactions become, answers
// going to the sender alone, the json-rpc gap of upstream issue #834 and recovery from it, failed
// polls, malformed messages skipped, upstream errors, close(), and its configuration.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, parseEnv } from '@homelab/kit';
import { DEFAULT_SIGNAL_NUMBER, startSignalSim, type SignalSim } from '@homelab/simulator';
import { failOnViolations } from '@homelab/simulator/vitest';
import { captureLog, eventually, type CapturedLog } from '@homelab/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { IncomingReply, ReplyOutcome } from '../src/approve/channel.js';
import {
  reactionCommand,
  SignalChannel,
  signalChannelFromConfig,
  signalConfigShape,
  type SignalChannelOptions,
  type SignalReceiveMode,
} from '../src/approve/channels/signal.js';

const BOT = DEFAULT_SIGNAL_NUMBER;
const OWNER = '+491701234567';
const PARTNER = '+491709876543';

/** A channel on `url` receiving into `replies`; `answer` decides each outcome. */
interface Listening {
  channel: SignalChannel;
  replies: IncomingReply[];
  gaps: number[];
  log: CapturedLog;
}

const open: SignalChannel[] = [];
const sims: SignalSim[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((channel) => channel.close()));
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

async function startSim(mode: SignalReceiveMode): Promise<SignalSim> {
  const sim = await startSignalSim({ mode });
  sims.push(sim);
  return sim;
}

function channelFor(
  url: string,
  mode: SignalReceiveMode,
  overrides: Partial<SignalChannelOptions> = {},
): { channel: SignalChannel; gaps: number[]; log: CapturedLog } {
  const log = captureLog();
  const gaps: number[] = [];
  const channel = new SignalChannel({
    url,
    number: BOT,
    recipients: [OWNER, PARTNER],
    mode,
    pollIntervalMs: 20,
    log: log.logger,
    onReconnect: (gapMs) => {
      gaps.push(gapMs);
      return Promise.resolve();
    },
    reconnectDelaysMs: [0, 50],
    ...overrides,
  });
  open.push(channel);
  return { channel, gaps, log };
}

async function listen(
  url: string,
  mode: SignalReceiveMode,
  answer: (reply: IncomingReply) => Promise<ReplyOutcome> | ReplyOutcome = () => ({
    outcome: 'ignored',
  }),
  overrides: Partial<SignalChannelOptions> = {},
): Promise<Listening> {
  const replies: IncomingReply[] = [];
  const { channel, gaps, log } = channelFor(url, mode, overrides);
  await channel.start(async (reply) => {
    replies.push(reply);
    return answer(reply);
  });
  return { channel, replies, gaps, log };
}

/** Waits (at most 5 s) until `read()` is acceptable, then asserts that it is. */
async function until(read: () => number, accept: (value: number) => boolean): Promise<void> {
  const value = await eventually(() => Promise.resolve(read()), accept, 5000, 10);
  expect(accept(value), `value ${value} not accepted in time`).toBe(true);
}

/** Waits until `list` holds at least `count` entries and returns it. */
async function atLeast<T>(list: T[], count: number): Promise<T[]> {
  await until(
    () => list.length,
    (length) => length >= count,
  );
  return list;
}

/** A stand-in signal-cli-rest-api on 127.0.0.1 answering receive polls with `bodies` in turn. */
async function receiveServer(bodies: string[]): Promise<string> {
  const server = createServer((req, res) => {
    const body = req.url?.startsWith(`/v1/receive/${BOT}`) ? (bodies.shift() ?? '[]') : '';
    res.writeHead(body === '' ? 404 : 200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('SignalChannel.send', () => {
  let sim: SignalSim | undefined;
  failOnViolations(() => sim);

  it('sends the text to every recipient and returns its timestamp as the id', async () => {
    sim = await startSim('normal');
    const { channel } = channelFor(sim.url, 'normal');
    const sent = await channel.send({ kind: 'issue_detected', text: 'Issue Detected: radarr' });
    expect(sent.externalId).toMatch(/^[0-9]+$/);
    expect(sim.state.sent).toEqual([
      {
        number: BOT,
        recipients: [OWNER, PARTNER],
        message: 'Issue Detected: radarr',
        timestamp: Number(sent.externalId),
      },
    ]);
  });

  it("quotes the message it replies to: the bot's own by id, a person's by message id", async () => {
    sim = await startSim('normal');
    const { channel } = channelFor(sim.url, 'normal');
    const first = await channel.send({ kind: 'solutions', text: 'Solutions Found' });
    await channel.send({ kind: 'reply', text: 'Still waiting', inReplyTo: first.externalId });
    await channel.send({ kind: 'reply', text: 'Noted', inReplyTo: `${OWNER}:1700000000123` });
    await channel.send({ kind: 'reply', text: 'Unquoted', inReplyTo: 'post-abc' });
    expect(sim.state.sent.map((message) => message.quote)).toEqual([
      undefined,
      { timestamp: Number(first.externalId), author: BOT },
      { timestamp: 1700000000123, author: OWNER },
      undefined,
    ]);
  });

  it('fails with the status and upstream error text, the numbers masked', async () => {
    sim = await startSim('normal');
    sim.faults.inject({ kind: 'status', status: 503, match: { path: '/v2/send' }, times: 1 });
    const { channel } = channelFor(sim.url, 'normal');
    await expect(channel.send({ kind: 'notice', text: 'x' })).rejects.toThrow(
      /signal-cli-rest-api: failed with 503 on POST \/v2\/send/,
    );

    const stranger = channelFor(sim.url, 'normal', { number: '+10000000099' }).channel;
    const refused = await stranger.send({ kind: 'notice', text: 'x' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    const message = (refused as Error).message;
    expect(message).toMatch(/rejected POST \/v2\/send with 400.*is not registered/);
    expect(message).toContain('+…99');
    expect(message).not.toContain('+10000000099');
    expect(message).not.toContain(OWNER);
    expect(sim.state.sent).toEqual([]);
  });

  it('fails clearly when the upstream cannot be reached', async () => {
    const url = await receiveServer([]);
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const { channel } = channelFor(url, 'normal');
    await expect(channel.send({ kind: 'notice', text: 'x' })).rejects.toThrow(
      /signal-cli-rest-api: cannot be reached \(ORCH_SIGNAL_URL=.*\): connection refused/,
    );
  });
});

describe.each(['json-rpc', 'normal'] as const)('SignalChannel receiving in %s mode', (mode) => {
  let sim: SignalSim | undefined;
  failOnViolations(() => sim);

  it('hands a plain text reply on untouched, with sender and message id', async () => {
    sim = await startSim(mode);
    const { replies } = await listen(sim.url, mode);
    const delivered = sim.deliver({ from: OWNER, text: 'p17 approve' });
    expect(await atLeast(replies, 1)).toEqual([
      {
        channel: 'signal',
        sender: OWNER,
        text: 'p17 approve',
        messageId: `${OWNER}:${delivered.envelope.timestamp}`,
      },
    ]);
  });

  it('reads a quote as the message answered', async () => {
    sim = await startSim(mode);
    const { channel, replies } = await listen(sim.url, mode);
    const { externalId } = await channel.send({ kind: 'solutions', text: 'Solutions Found' });
    sim.deliver({ from: OWNER, text: '1', quote: { timestamp: Number(externalId), author: BOT } });
    const [reply] = await atLeast(replies, 1);
    expect(reply).toMatchObject({ sender: OWNER, text: '1', replyTo: externalId });
  });

  it('turns reactions into commands on the message reacted to and ignores the rest', async () => {
    sim = await startSim(mode);
    const { channel, replies } = await listen(sim.url, mode);
    const { externalId } = await channel.send({ kind: 'solutions', text: 'Solutions Found' });
    const target = Number(externalId);
    const react = (emoji: string, extra: { remove?: boolean; targetAuthor?: string } = {}) =>
      sim?.deliver({
        from: OWNER,
        reaction: { emoji, targetTimestamp: target, targetAuthor: BOT, ...extra },
      });
    react('2️⃣');
    react('👍');
    react('❤️');
    react('👎', { remove: true });
    react('👍', { targetAuthor: PARTNER });
    sim.deliver({ from: BOT, text: 'approve' });
    sim.deliver({ from: OWNER });
    react('👎');
    react('💤');
    react('7\u20E3');
    react('👍🏽');
    sim.deliver({ from: OWNER, text: 'done' });
    await atLeast(replies, 7);
    expect(replies.map((reply) => [reply.text, reply.replyTo])).toEqual([
      ['2', externalId],
      ['approve', externalId],
      ['ignore', externalId],
      ['snooze 1h', externalId],
      ['7', externalId],
      ['approve', externalId],
      ['done', undefined],
    ]);
  });

  it("sends the handler's answer to the sender alone, quoting their message", async () => {
    sim = await startSim(mode);
    const { replies } = await listen(sim.url, mode, (reply) =>
      reply.text === 'status' ? { outcome: 'help' } : { outcome: 'done', text: 'Approved p17.' },
    );
    sim.deliver({ from: PARTNER, text: 'status' });
    const delivered = sim.deliver({ from: OWNER, text: 'p17 approve' });
    await atLeast(replies, 2);
    await atLeast(sim.state.sent, 1);
    expect(sim.state.sent).toEqual([
      {
        number: BOT,
        recipients: [OWNER],
        message: 'Approved p17.',
        timestamp: expect.any(Number) as number,
        quote: { timestamp: delivered.envelope.timestamp, author: OWNER, message: 'p17 approve' },
      },
    ]);
  });

  it('handles replies one at a time in order and survives a failing handler', async () => {
    sim = await startSim(mode);
    const events: string[] = [];
    const { replies, log } = await listen(sim.url, mode, async (reply) => {
      events.push(`start ${reply.text}`);
      await new Promise((resolve) => setTimeout(resolve, reply.text === 'one' ? 60 : 1));
      events.push(`end ${reply.text}`);
      if (reply.text === 'two') throw new Error(`inbox down for ${OWNER}`);
      return { outcome: 'ignored' };
    });
    for (const text of ['one', 'two', 'three']) sim.deliver({ from: OWNER, text });
    await atLeast(replies, 3);
    await until(
      () => events.length,
      (count) => count >= 6,
    );
    expect(events).toEqual([
      'start one',
      'end one',
      'start two',
      'end two',
      'start three',
      'end three',
    ]);
    const logged = log.lines.join('\n');
    expect(logged).toContain('handling a Signal reply failed');
    expect(logged).not.toContain(OWNER);
  });

  it('stops on close: no more handler calls, start again refused', async () => {
    sim = await startSim(mode);
    const { channel, replies } = await listen(sim.url, mode);
    await expect(channel.start(() => Promise.resolve({ outcome: 'ignored' }))).rejects.toThrow(
      /start was called twice/,
    );
    sim.deliver({ from: OWNER, text: 'before' });
    await atLeast(replies, 1);
    await channel.close();
    const requests = sim.requests.length;
    await until(
      () => sim?.connections.length ?? 0,
      (count) => count === 0,
    );
    const late = sim.deliver({ from: OWNER, text: 'after close' });
    // Nothing can be awaited for something that must not happen; give a reconnect or poll time.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(replies.map((reply) => reply.text)).toEqual(['before']);
    expect(sim.connections).toEqual([]);
    expect(sim.requests.length).toBe(requests);
    if (mode === 'json-rpc') expect(sim.state.lost).toEqual([late]);
    else expect(sim.state.queue).toEqual([late]);
    await expect(channel.start(() => Promise.resolve({ outcome: 'ignored' }))).rejects.toThrow(
      /closed/,
    );
  });
});

describe('SignalChannel in json-rpc mode', () => {
  let sim: SignalSim | undefined;
  failOnViolations(() => sim);

  it('reconnects by itself after a disconnect and reports the gap in which messages were lost', async () => {
    sim = await startSim('json-rpc');
    const { replies, gaps, log } = await listen(sim.url, 'json-rpc', undefined, {
      reconnectDelaysMs: [100],
    });
    sim.deliver({ from: OWNER, text: 'before' });
    await atLeast(replies, 1);

    expect(sim.disconnectAll()).toBe(1);
    const lost = sim.deliver({ from: OWNER, text: 'during the gap' });
    expect(sim.state.lost).toEqual([lost]);

    await atLeast(gaps, 1);
    await until(
      () => sim?.connections.length ?? 0,
      (count) => count === 1,
    );
    sim.deliver({ from: OWNER, text: 'after reconnect' });
    await atLeast(replies, 2);
    expect(replies.map((reply) => reply.text)).toEqual(['before', 'after reconnect']);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toBeGreaterThanOrEqual(90);
    expect(log.lines.join('\n')).toMatch(/receive socket closed \(close code 1001\)/);
  });

  it('keeps trying while the upstream refuses the socket, then reports the whole gap', async () => {
    sim = await startSim('json-rpc');
    sim.faults.inject({ kind: 'status', status: 503, match: { path: '/v1/receive/{number}' } });
    const { replies, gaps, log } = await listen(sim.url, 'json-rpc', undefined, {
      reconnectDelaysMs: [0, 20],
    });
    await until(
      () => sim?.requests.length ?? 0,
      (count) => count >= 3,
    );
    expect(gaps).toEqual([]);
    sim.faults.clear();
    await atLeast(gaps, 1);
    await until(
      () => sim?.connections.length ?? 0,
      (count) => count === 1,
    );
    sim.deliver({ from: OWNER, text: 'hello again' });
    expect((await atLeast(replies, 1)).map((reply) => reply.text)).toEqual(['hello again']);
    const warnings = log.lines.filter((line) => line.includes('Signal receiving failed'));
    expect(warnings).toHaveLength(1);
  });

  it('skips frames that are not JSON or not a message and handles the next one', async () => {
    const local = await startSim('json-rpc');
    const { replies, log } = await listen(local.url, 'json-rpc');
    const [socket] = local.connections;
    socket?.send('not json at all');
    socket?.send({
      envelope: { source: OWNER, timestamp: 'soon', dataMessage: { message: 'secret plan' } },
    });
    local.deliver({ from: OWNER, text: 'approve' });
    expect((await atLeast(replies, 1)).map((reply) => reply.text)).toEqual(['approve']);
    const logged = log.lines.join('\n');
    expect(logged).toContain('skipped a Signal frame that is not JSON');
    expect(logged).toContain('skipped a Signal message that is not in the expected shape');
    expect(logged).not.toContain('secret plan');
    expect(local.violations.length).toBeGreaterThan(0);
  });
});

describe('SignalChannel in normal mode', () => {
  let sim: SignalSim | undefined;
  failOnViolations(() => sim);

  it('receives at its next poll what arrived while nobody polled', async () => {
    sim = await startSim('normal');
    sim.deliver({ from: OWNER, text: 'first' });
    sim.deliver({ from: PARTNER, text: 'second' });
    const { replies } = await listen(sim.url, 'normal');
    expect((await atLeast(replies, 2)).map((reply) => [reply.sender, reply.text])).toEqual([
      [OWNER, 'first'],
      [PARTNER, 'second'],
    ]);
    expect(sim.state.queue).toEqual([]);
  });

  it('keeps polling through failures, logs them once, and reports the gap on recovery', async () => {
    sim = await startSim('normal');
    const { replies, gaps, log } = await listen(sim.url, 'normal');
    sim.faults.inject({ kind: 'status', status: 502, match: { path: '/v1/receive/{number}' } });
    await until(
      () => sim?.requests.filter((request) => request.status === 502).length ?? 0,
      (count) => count >= 3,
    );
    const waiting = sim.deliver({ from: OWNER, text: 'sent while down' });
    expect(sim.state.queue).toEqual([waiting]);
    sim.faults.clear();
    expect((await atLeast(replies, 1)).map((reply) => reply.text)).toEqual(['sent while down']);
    await atLeast(gaps, 1);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toBeGreaterThan(0);
    const warnings = log.lines.filter((line) => line.includes('Signal receiving failed'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('502');
    expect(warnings[0]).not.toContain(BOT);
  });

  it('skips malformed messages and bodies and handles the next valid one', async () => {
    const valid = {
      envelope: {
        source: OWNER,
        sourceNumber: OWNER,
        timestamp: 1_700_000_000_500,
        dataMessage: { timestamp: 1_700_000_000_500, message: 'ignore' },
      },
      account: BOT,
    };
    const url = await receiveServer([
      JSON.stringify([
        {
          envelope: {
            sourceNumber: OWNER,
            timestamp: 1.5,
            dataMessage: { message: 'secret plan' },
          },
        },
        { envelope: { timestamp: 1_700_000_000_400, dataMessage: { message: 'no sender' } } },
        'a string',
        valid,
      ]),
      '{"truncated": [',
      JSON.stringify({ not: 'a list' }),
      JSON.stringify([{ ...valid, envelope: { ...valid.envelope, timestamp: 1_700_000_000_600 } }]),
    ]);
    const { replies, gaps, log } = await listen(url, 'normal');
    await atLeast(replies, 2);
    expect(replies.map((reply) => reply.messageId)).toEqual([
      `${OWNER}:1700000000500`,
      `${OWNER}:1700000000600`,
    ]);
    await atLeast(gaps, 1);
    const logged = log.lines.join('\n');
    expect(logged.match(/not in the expected shape/g)).toHaveLength(3);
    expect(logged).toContain('not JSON');
    expect(logged).not.toContain('secret plan');
    expect(logged).not.toContain(OWNER);
  });
});

describe('reactionCommand', () => {
  it('maps the approval emojis, with or without presentation selector and skin tone', () => {
    expect(reactionCommand('👍')).toBe('approve');
    expect(reactionCommand('👍🏿')).toBe('approve');
    expect(reactionCommand('👎')).toBe('ignore');
    expect(reactionCommand('💤')).toBe('snooze 1h');
    expect(reactionCommand('1️⃣')).toBe('1');
    expect(reactionCommand('9\u20E3')).toBe('9');
    expect(reactionCommand('0️⃣')).toBeUndefined();
    expect(reactionCommand('🔟')).toBeUndefined();
    expect(reactionCommand('❤️')).toBeUndefined();
    expect(reactionCommand('2')).toBeUndefined();
  });
});

describe('Signal configuration', () => {
  it('has defaults: json-rpc, a 5 s poll, empty lists, the channel off', () => {
    const { data } = parseEnv(signalConfigShape, {});
    expect(data).toEqual({
      ORCH_SIGNAL_RECIPIENTS: [],
      ORCH_SIGNAL_APPROVERS: [],
      ORCH_SIGNAL_RECEIVE_MODE: 'json-rpc',
      ORCH_SIGNAL_POLL_INTERVAL: 5000,
    });
    expect(signalChannelFromConfig(data, captureLog().logger)).toBeUndefined();
    for (const schema of Object.values(signalConfigShape))
      expect(schema.description ?? '').not.toBe('');
  });

  it('reads every variable and builds the channel', () => {
    const { data } = parseEnv(signalConfigShape, {
      ORCH_SIGNAL_URL: 'http://signal-cli-rest-api:8080',
      ORCH_SIGNAL_NUMBER: BOT,
      ORCH_SIGNAL_RECIPIENTS: `${OWNER}, group.dGVzdGdyb3Vw`,
      ORCH_SIGNAL_APPROVERS: `${OWNER},0f5e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b`,
      ORCH_SIGNAL_RECEIVE_MODE: 'normal',
      ORCH_SIGNAL_POLL_INTERVAL: '30s',
    });
    expect(data).toMatchObject({
      ORCH_SIGNAL_RECIPIENTS: [OWNER, 'group.dGVzdGdyb3Vw'],
      ORCH_SIGNAL_APPROVERS: [OWNER, '0f5e1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b'],
      ORCH_SIGNAL_RECEIVE_MODE: 'normal',
      ORCH_SIGNAL_POLL_INTERVAL: 30_000,
    });
    const channel = signalChannelFromConfig(data, captureLog().logger);
    expect(channel).toBeInstanceOf(SignalChannel);
    expect(channel?.name).toBe('signal');
  });

  it('names every bad variable', () => {
    expect(() =>
      parseEnv(signalConfigShape, {
        ORCH_SIGNAL_URL: 'ftp://signal',
        ORCH_SIGNAL_NUMBER: '01701234567',
        ORCH_SIGNAL_RECIPIENTS: `${OWNER},friends`,
        ORCH_SIGNAL_APPROVERS: 'everyone',
        ORCH_SIGNAL_RECEIVE_MODE: 'native',
        ORCH_SIGNAL_POLL_INTERVAL: '10ms',
      }),
    ).toThrow(
      /ORCH_SIGNAL_URL[\s\S]*ORCH_SIGNAL_NUMBER: expected a phone number in E\.164[\s\S]*ORCH_SIGNAL_RECIPIENTS[\s\S]*ORCH_SIGNAL_APPROVERS[\s\S]*ORCH_SIGNAL_RECEIVE_MODE: expected json-rpc or normal[\s\S]*ORCH_SIGNAL_POLL_INTERVAL/,
    );
  });

  it('refuses a URL without the number or recipients, naming what is missing', () => {
    const { data } = parseEnv(signalConfigShape, { ORCH_SIGNAL_URL: 'http://signal:8080' });
    const log = captureLog();
    expect(() => signalChannelFromConfig(data, log.logger)).toThrow(ConfigError);
    expect(() => signalChannelFromConfig(data, log.logger)).toThrow(
      /ORCH_SIGNAL_NUMBER .* and ORCH_SIGNAL_RECIPIENTS .* must be set/,
    );
    expect(() => signalChannelFromConfig({ ...data, ORCH_SIGNAL_NUMBER: BOT }, log.logger)).toThrow(
      /ORCH_SIGNAL_URL is set, so ORCH_SIGNAL_RECIPIENTS/,
    );
    const channel = signalChannelFromConfig(
      { ...data, ORCH_SIGNAL_NUMBER: BOT, ORCH_SIGNAL_RECIPIENTS: [OWNER] },
      log.logger,
    );
    expect(channel).toBeInstanceOf(SignalChannel);
    expect(log.lines.join('\n')).toContain('ORCH_SIGNAL_APPROVERS is empty');
  });
});
