// The Signal approval channel, on signal-cli-rest-api (../shared/specs/signal-cli-rest-api-swagger.json):
// the seed's messages go out with POST /v2/send, and the owner answers from the phone by typing
// ("1", "approve", "p17 snooze 2h"), by quoting one of the agent's messages, or by reacting to it
// (👍 approve, 👎 ignore, 1️⃣..9️⃣ a solution, 💤 snooze 1h). Why a module of its own: everything
// the upstream sends is hostile until validated here, and its receive side is fragile in ways the
// inbox must not have to know about.
//
// Receiving follows the container's MODE. `json-rpc` is a WebSocket on /v1/receive/{number};
// a message that arrives while no socket is connected is lost for good (upstream issue #834), so
// the channel reconnects at once, then with growing delays, and after a gap calls `onReconnect`
// so the caller can tell the owner what may have been missed. `normal` polls GET
// /v1/receive/{number}, which answers a JSON array as text/plain; signal-cli keeps messages until
// they are fetched, so a failed poll only delays them, and recovery is reported the same way.
//
// Decisions:
// - The channel does not judge senders: every well-formed reply goes to the handler, whose inbox
//   holds the allow-list (ORCH_SIGNAL_APPROVERS). Only the bot's own messages are dropped here.
// - The handler's answer goes to the sender alone, quoting their message (for a reaction: the
//   message reacted to), never to every recipient.
// - `inReplyTo` of a message to send is either one of this channel's ids (a bare timestamp of a
//   message the bot sent) or an incoming reply's `messageId` (`<sender>:<timestamp>`); anything
//   else is sent without a quote.
// - close() never cuts a receive poll short (signal-cli hands each message out once): it waits for
//   the poll in flight, handles what it brought, and only then resolves; after that no handler runs.
// - Logs never hold a message body, and phone numbers in them (also inside upstream error texts)
//   are cut to their last two digits.
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, envList, UpstreamClient, UpstreamError, type Logger } from '@homelab/kit';
import { z } from 'zod';
import { envDuration } from '../../env.js';
import type {
  ApprovalChannel,
  IncomingReply,
  OutgoingMessage,
  ReplyHandler,
  ReplyOutcome,
  SentMessage,
} from '../channel.js';

const SERVICE = 'signal-cli-rest-api';
const REQUEST_TIMEOUT_MS = 15_000;
/** A run of receive failures is logged when it starts, then at most this often, and when it ends. */
const FAILURE_LOG_EVERY_MS = 60_000;
/** A socket that stayed open this long starts the next reconnect from the first delay again. */
const STABLE_CONNECTION_MS = 10_000;
const SOCKET_CLOSE_WAIT_MS = 2_000;
const QUOTED_TEXT_LIMIT = 200;
const MAX_TEXT_LENGTH = 65_536;

export const DEFAULT_RECONNECT_DELAYS_MS: readonly number[] = [0, 1000, 2000, 5000, 10_000, 30_000];

const E164 = /^\+[1-9][0-9]{6,14}$/;
const GROUP_ID = /^group\.[A-Za-z0-9+/=_-]+$/;
const ACCOUNT_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER_IN_TEXT = /\+[0-9]{6,15}/g;
/** Emoji presentation selector and the five skin tones: 👍🏽 and 2️⃣ mean what 👍 and 2⃣ mean. */
const VARIATION_AND_SKIN_TONE = /\uFE0F|\u{1F3FB}|\u{1F3FC}|\u{1F3FD}|\u{1F3FE}|\u{1F3FF}/gu;

export const SIGNAL_RECEIVE_MODES = ['json-rpc', 'normal'] as const;
export type SignalReceiveMode = (typeof SIGNAL_RECEIVE_MODES)[number];

const e164Number = z
  .string()
  .trim()
  .regex(E164, 'expected a phone number in E.164 form, such as +4915112345678');

/** A comma-separated variable whose every entry must satisfy `entry`. */
function addressList(description: string, entry: z.ZodType<string, string>) {
  return envList(description).pipe(z.array(entry)).describe(description);
}

export const signalConfigShape = {
  ORCH_SIGNAL_URL: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
    .optional()
    .describe(
      'Base URL of signal-cli-rest-api, e.g. http://signal-cli-rest-api:8080; the Signal channel is on when set',
    ),
  ORCH_SIGNAL_NUMBER: e164Number
    .optional()
    .describe(
      "The bot's account number registered in signal-cli-rest-api (E.164, e.g. +4915112345678)",
    ),
  ORCH_SIGNAL_RECIPIENTS: addressList(
    'Where approval messages go (comma-separated): phone numbers in E.164 form or group ids (group.…)',
    z
      .string()
      .refine(
        (value) => E164.test(value) || GROUP_ID.test(value),
        'expected a phone number in E.164 form or a group id starting with group.',
      ),
  ),
  ORCH_SIGNAL_APPROVERS: addressList(
    'Phone numbers (E.164) or Signal account UUIDs whose replies count, comma-separated; nobody else is obeyed',
    z
      .string()
      .refine(
        (value) => E164.test(value) || ACCOUNT_UUID.test(value),
        'expected a phone number in E.164 form or a Signal account UUID',
      ),
  ),
  ORCH_SIGNAL_RECEIVE_MODE: z
    .enum(SIGNAL_RECEIVE_MODES, { error: 'expected json-rpc or normal' })
    .default('json-rpc')
    .describe(
      "How replies are received; must match signal-cli-rest-api's MODE: json-rpc (a WebSocket) or normal (polling)",
    ),
  ORCH_SIGNAL_POLL_INTERVAL: envDuration(
    'Pause between two receive polls (ORCH_SIGNAL_RECEIVE_MODE=normal only)',
    '5s',
  ),
};

export type SignalConfig = z.output<z.ZodObject<typeof signalConfigShape>>;

export interface SignalChannelOptions {
  /** Base URL of signal-cli-rest-api. */
  url: string;
  /** The bot's registered number (E.164). */
  number: string;
  /** Numbers or group ids every message goes to. */
  recipients: readonly string[];
  mode: SignalReceiveMode;
  /** Normal mode: pause between two polls. */
  pollIntervalMs: number;
  log: Logger;
  /** Receiving works again after a gap of `gapMs` in which messages may have been missed. */
  onReconnect?: (gapMs: number) => Promise<void>;
  /** Json-rpc mode: waits before each reconnect attempt; the last one repeats. */
  reconnectDelaysMs?: readonly number[];
}

/**
 * The Signal channel when ORCH_SIGNAL_URL is set, else undefined. Throws a ConfigError naming the
 * variables that must come with the URL.
 */
export function signalChannelFromConfig(
  config: SignalConfig,
  log: Logger,
  options: Pick<SignalChannelOptions, 'onReconnect' | 'reconnectDelaysMs'> = {},
): SignalChannel | undefined {
  if (config.ORCH_SIGNAL_URL === undefined) return undefined;
  const number = config.ORCH_SIGNAL_NUMBER;
  const recipients = config.ORCH_SIGNAL_RECIPIENTS;
  if (number === undefined || recipients.length === 0) {
    const missing = [
      ...(number === undefined ? ["ORCH_SIGNAL_NUMBER (the bot's registered number)"] : []),
      ...(recipients.length === 0 ? ['ORCH_SIGNAL_RECIPIENTS (who its messages go to)'] : []),
    ];
    throw new ConfigError(`ORCH_SIGNAL_URL is set, so ${missing.join(' and ')} must be set too`, {
      hint: 'Set them, or unset ORCH_SIGNAL_URL to turn the Signal channel off.',
    });
  }
  if (config.ORCH_SIGNAL_APPROVERS.length === 0)
    log.warn('ORCH_SIGNAL_APPROVERS is empty: no reply over Signal will be obeyed');
  return new SignalChannel({
    url: config.ORCH_SIGNAL_URL,
    number,
    recipients,
    mode: config.ORCH_SIGNAL_RECEIVE_MODE,
    pollIntervalMs: config.ORCH_SIGNAL_POLL_INTERVAL,
    log,
    ...options,
  });
}

const sendResponseSchema = z.object({ timestamp: z.string().regex(/^[0-9]{1,16}$/) });

const timestampSchema = z.number().int().positive();

/** The part of signal-cli's `data.Message` the channel reads; everything else is dropped. */
const receivedSchema = z.object({
  envelope: z
    .object({
      source: z.string().min(1).nullish(),
      sourceNumber: z.string().min(1).nullish(),
      timestamp: timestampSchema,
      dataMessage: z
        .object({
          message: z.string().max(MAX_TEXT_LENGTH).nullish(),
          quote: z.object({ id: timestampSchema }).nullish(),
          reaction: z
            .object({
              emoji: z.string().min(1).max(64),
              targetAuthorNumber: z.string().nullish(),
              targetSentTimestamp: timestampSchema,
              isRemove: z.boolean().nullish(),
            })
            .nullish(),
        })
        .nullish(),
    })
    .refine((envelope) => (envelope.sourceNumber ?? envelope.source) != null, {
      message: 'no sender',
      path: ['source'],
    }),
});

type Received = z.output<typeof receivedSchema>;

/** The message a Signal reply quotes: its timestamp and author. */
interface Quote {
  timestamp: number;
  author: string;
  text?: string;
}

/** A reply for the handler, and the message the answer to it should quote. */
interface Incoming {
  reply: IncomingReply;
  answerQuote: Quote;
}

/** The command a reaction stands for, or undefined for an emoji that means nothing here. */
export function reactionCommand(emoji: string): string | undefined {
  const bare = emoji.replace(VARIATION_AND_SKIN_TONE, '');
  if (bare === '👍') return 'approve';
  if (bare === '👎') return 'ignore';
  if (bare === '💤') return 'snooze 1h';
  return /^([1-9])\u20E3$/.exec(bare)?.[1];
}

/** `text` with every phone number in it cut to its last two digits. */
function maskNumbers(text: string): string {
  return text.replace(NUMBER_IN_TEXT, (found) => `+…${found.slice(-2)}`);
}

function errorText(error: unknown): string {
  return maskNumbers(error instanceof Error ? error.message : String(error));
}

/** An UpstreamError again, with the phone numbers in its text (the account, a recipient) masked. */
function withNumbersMasked(error: unknown): unknown {
  if (!(error instanceof UpstreamError)) return error;
  const prefix = `${SERVICE}: `;
  const message = error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
  return new UpstreamError(SERVICE, maskNumbers(message), {
    status: error.status,
    retryable: error.retryable,
    hint: error.hint,
  });
}

/** Logs a run of failures at its start and then at most once a minute; tells how long it lasted. */
class FailureRun {
  private since: number | undefined;
  private count = 0;
  private lastLogged = 0;

  constructor(private readonly log: Logger) {}

  failed(reason: string): void {
    const now = Date.now();
    this.since ??= now;
    this.count += 1;
    if (this.count > 1 && now - this.lastLogged < FAILURE_LOG_EVERY_MS) return;
    this.lastLogged = now;
    this.log.warn('Signal receiving failed; retrying', {
      reason: maskNumbers(reason),
      failures: this.count,
    });
  }

  /** Ends a run: how long it lasted, or undefined when nothing was failing. */
  recovered(): number | undefined {
    if (this.since === undefined) return undefined;
    const gapMs = Date.now() - this.since;
    this.log.info('Signal receiving works again', { gapMs, failures: this.count });
    this.since = undefined;
    this.count = 0;
    return gapMs;
  }
}

export class SignalChannel implements ApprovalChannel {
  readonly name = 'signal';
  private readonly client: UpstreamClient;
  private readonly log: Logger;
  private readonly reconnectDelaysMs: readonly number[];
  private readonly failures: FailureRun;
  private readonly stopping = new AbortController();
  private handler: ReplyHandler | undefined;
  /** close() was called: no new poll, no reconnect. */
  private closed = false;
  /** close() has stopped receiving: what arrives now is dropped. */
  private stopped = false;
  /** Replies are handled one at a time, in arrival order, on this chain. */
  private replies: Promise<void> = Promise.resolve();
  private readonly notices = new Set<Promise<void>>();
  private polling: Promise<void> | undefined;
  private socket: WebSocket | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempt = 0;

  constructor(private readonly options: SignalChannelOptions) {
    if (!E164.test(options.number))
      throw new Error("the Signal channel's own number must be in E.164 form");
    if (options.recipients.length === 0)
      throw new Error('the Signal channel needs at least one recipient');
    this.log = options.log.child({ channel: 'signal' });
    this.failures = new FailureRun(this.log);
    this.reconnectDelaysMs =
      options.reconnectDelaysMs && options.reconnectDelaysMs.length > 0
        ? options.reconnectDelaysMs
        : DEFAULT_RECONNECT_DELAYS_MS;
    this.client = new UpstreamClient({
      service: SERVICE,
      baseUrl: options.url,
      timeoutMs: REQUEST_TIMEOUT_MS,
      urlVariable: 'ORCH_SIGNAL_URL',
    });
  }

  async send(message: OutgoingMessage): Promise<SentMessage> {
    return this.deliver(message.text, this.options.recipients, this.quoteOf(message.inReplyTo));
  }

  async start(handler: ReplyHandler): Promise<void> {
    if (this.closed) throw new Error('the Signal channel is closed');
    if (this.handler)
      throw new Error('the Signal channel is already receiving (start was called twice)');
    this.handler = handler;
    this.log.info('Signal channel receiving', { mode: this.options.mode });
    if (this.options.mode === 'normal') {
      this.polling = this.pollUntilClosed();
      return;
    }
    await this.connect();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopping.abort();
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) await closeSocket(socket);
    await this.polling;
    this.stopped = true;
    await this.replies;
    await Promise.all(this.notices);
  }

  /** POST /v2/send to `recipients`, quoting `quote` when given; the sent message's timestamp. */
  private async deliver(
    text: string,
    recipients: readonly string[],
    quote: Quote | undefined,
  ): Promise<SentMessage> {
    const body = {
      message: text,
      number: this.options.number,
      recipients,
      ...(quote === undefined
        ? {}
        : {
            quote_timestamp: quote.timestamp,
            quote_author: quote.author,
            ...(quote.text === undefined
              ? {}
              : { quote_message: [...quote.text].slice(0, QUOTED_TEXT_LIMIT).join('') }),
          }),
    };
    try {
      const sent = await this.client.post('/v2/send', { body, schema: sendResponseSchema });
      return { externalId: sent.timestamp };
    } catch (error) {
      throw withNumbersMasked(error);
    }
  }

  /** The quote for an `inReplyTo`: a bare timestamp is the bot's own message, `<sender>:<ts>` theirs. */
  private quoteOf(inReplyTo: string | undefined): Quote | undefined {
    if (inReplyTo === undefined) return undefined;
    const found = /^(?:(.+):)?([1-9][0-9]{0,15})$/.exec(inReplyTo);
    const timestamp = Number(found?.[2]);
    if (!found || !Number.isSafeInteger(timestamp)) return undefined;
    const author = found[1] ?? this.options.number;
    if (!E164.test(author) && !ACCOUNT_UUID.test(author)) return undefined;
    return { timestamp, author };
  }

  private async pollUntilClosed(): Promise<void> {
    while (!this.closed) {
      await this.pollOnce();
      try {
        await sleep(this.options.pollIntervalMs, undefined, { signal: this.stopping.signal });
      } catch {
        return;
      }
    }
  }

  /**
   * One GET /v1/receive. Never aborted, not even by close(): signal-cli hands out each message once,
   * so a poll cut short would lose what it had already taken.
   */
  private async pollOnce(): Promise<void> {
    let body: unknown;
    try {
      body = await this.client.get<unknown>(`/v1/receive/${this.options.number}`, {
        query: { ignore_attachments: true, ignore_stories: true },
      });
    } catch (error) {
      this.failures.failed(errorText(error));
      return;
    }
    if (!Array.isArray(body)) {
      this.failures.failed(
        typeof body === 'string'
          ? `the receive answer is not JSON (${body.length} characters)`
          : 'the receive answer is not a JSON list',
      );
      return;
    }
    this.reportRecovery();
    for (const item of body) this.accept(item);
  }

  /** Opens the receive socket; settles once it is open or has failed (it then keeps trying). */
  private connect(): Promise<void> {
    return new Promise((settled) => {
      const url = `${this.options.url.replace(/\/+$/, '').replace(/^http/i, 'ws')}/v1/receive/${this.options.number}`;
      let socket: WebSocket;
      try {
        socket = new WebSocket(url);
      } catch (error) {
        this.failures.failed(errorText(error));
        this.scheduleReconnect();
        settled();
        return;
      }
      this.socket = socket;
      let openedAt: number | undefined;
      socket.addEventListener('open', () => {
        settled();
        if (this.closed) return;
        openedAt = Date.now();
        this.reportRecovery();
      });
      socket.addEventListener('message', (event) => {
        this.receiveFrame(event.data);
      });
      socket.addEventListener('close', (event) => {
        settled();
        if (this.socket !== socket || this.closed) return;
        this.socket = undefined;
        if (openedAt !== undefined && Date.now() - openedAt >= STABLE_CONNECTION_MS)
          this.reconnectAttempt = 0;
        this.failures.failed(
          openedAt === undefined
            ? `could not open the receive socket (close code ${event.code})`
            : `the receive socket closed (close code ${event.code})`,
        );
        this.scheduleReconnect();
      });
    });
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    const delays = this.reconnectDelaysMs;
    const delayMs = delays[Math.min(this.reconnectAttempt, delays.length - 1)] ?? 0;
    this.reconnectAttempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.closed) void this.connect();
    }, delayMs);
  }

  /** After a failed stretch, tells `onReconnect` how long receiving was off. */
  private reportRecovery(): void {
    const gapMs = this.failures.recovered();
    const onReconnect = this.options.onReconnect;
    if (gapMs === undefined || onReconnect === undefined) return;
    const notice: Promise<void> = Promise.resolve()
      .then(() => onReconnect(gapMs))
      .catch((error: unknown) => {
        this.log.error('the reconnect handler failed', { error: errorText(error) });
      })
      .finally(() => this.notices.delete(notice));
    this.notices.add(notice);
  }

  private receiveFrame(data: unknown): void {
    if (typeof data !== 'string') {
      this.log.warn('skipped a Signal frame that is not text');
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      this.log.warn('skipped a Signal frame that is not JSON', { length: data.length });
      return;
    }
    this.accept(value);
  }

  /** Validates one received message and queues it for the handler when it is a reply. */
  private accept(value: unknown): void {
    if (this.stopped) return;
    const parsed = receivedSchema.safeParse(value);
    if (!parsed.success) {
      this.log.warn('skipped a Signal message that is not in the expected shape', {
        problems: parsed.error.issues
          .slice(0, 5)
          .map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.code}`),
      });
      return;
    }
    const incoming = this.toIncoming(parsed.data);
    if (!incoming) return;
    this.log.debug('Signal reply received', {
      from: maskNumbers(incoming.reply.sender),
      replyTo: incoming.reply.replyTo,
    });
    this.replies = this.replies.then(() => this.handle(incoming));
  }

  /** What a received message means to the inbox, or undefined when it means nothing. */
  private toIncoming(received: Received): Incoming | undefined {
    const { envelope } = received;
    const sender = envelope.sourceNumber ?? envelope.source;
    const data = envelope.dataMessage;
    if (!sender || !data || sender === this.options.number) return undefined;
    const messageId = `${sender}:${envelope.timestamp}`;
    const reaction = data.reaction;
    if (reaction) {
      const command = reactionCommand(reaction.emoji);
      const author = reaction.targetAuthorNumber ?? this.options.number;
      if (reaction.isRemove === true || command === undefined || author !== this.options.number)
        return undefined;
      return {
        reply: {
          channel: this.name,
          sender,
          text: command,
          messageId,
          replyTo: String(reaction.targetSentTimestamp),
        },
        answerQuote: { timestamp: reaction.targetSentTimestamp, author },
      };
    }
    const text = data.message;
    if (typeof text !== 'string' || text.trim() === '') return undefined;
    return {
      reply: {
        channel: this.name,
        sender,
        text,
        messageId,
        ...(data.quote ? { replyTo: String(data.quote.id) } : {}),
      },
      answerQuote: { timestamp: envelope.timestamp, author: sender, text },
    };
  }

  /** Runs the handler on one reply and sends its answer to the sender alone. */
  private async handle(incoming: Incoming): Promise<void> {
    const handler = this.handler;
    if (!handler) return;
    let outcome: ReplyOutcome;
    try {
      outcome = await handler(incoming.reply);
    } catch (error) {
      this.log.error('handling a Signal reply failed', { error: errorText(error) });
      return;
    }
    if (!outcome.text) return;
    try {
      await this.deliver(outcome.text, [incoming.reply.sender], incoming.answerQuote);
    } catch (error) {
      this.log.error('could not answer a Signal reply', { error: errorText(error) });
    }
  }
}

/** Closes `socket` and waits (briefly) until it is closed. */
function closeSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, SOCKET_CLOSE_WAIT_MS);
    socket.addEventListener(
      'close',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
    socket.close(1000);
  });
}
