// The simulated signal-cli-rest-api (bbernhard/signal-cli-rest-api, specs/signal-cli-rest-api-swagger.json):
// the bot's registered number sends with POST /v2/send, and the owner's phone is played by tests
// through `deliver()`. Why: approvals over Signal (issue 6) must be proven against both receive
// modes, including the json-rpc mode's known flaw (upstream issue #834): a message that arrives
// while no WebSocket client is connected is lost, so the orchestrator has to reconcile after a gap.
//
// Where the published contract is wrong or silent, and what the simulator does instead:
// - GET /v1/receive/{number} declares one `data.Message`, yet the real one answers a JSON array
//   of them, as text/plain (gin's c.String). The simulator does the same and checks the answer
//   with its own schema (`SimResponse.schema`) that validates every element against the spec's
//   own `#/definitions/data.Message`.
// - In json-rpc mode the same path is a WebSocket pushing one `data.Message` per text frame (the
//   JSON-RPC notification's params); the contract cannot describe that, so the frames are checked
//   with the same `data.Message` definition as the socket's `outgoing` schema. A plain GET there
//   fails the WebSocket handshake: the real one answers 400 with gorilla's error, as here.
// - POST /v2/send declares its 400 body as `api.SendMessageError` (`account` and `error`
//   required); the real one often leaves out `account`. The simulator always sends both.
// - GET /v1/health declares a string body for its 204; a 204 has none, and the simulator's empty
//   answer is checked with its own schema.
// - signal-cli writes `"message": null` in a data message without text (a reaction); the spec's
//   `receive.DataMessage.message` is a plain string, so that one null is allowed by the check.

import { z, type ZodType } from 'zod';
import { loadContract, type Contract } from '../contract.js';
import { startUpstream } from '../upstream.js';
import type { SimRequest, SimResponse, SimSocket, Upstream } from '../types.js';

export const SIGNAL_SPEC = 'signal-cli-rest-api-swagger.json';
export const DEFAULT_SIGNAL_NUMBER = '+4915100000001';
export const DEFAULT_SIGNAL_VERSION = '0.92';

/** `normal`: GET /v1/receive polls and drains a queue; `json-rpc`: it is a WebSocket. */
export type SignalMode = 'normal' | 'json-rpc';

/** A message the bot sent with POST /v2/send. */
export interface SentSignalMessage {
  number: string;
  recipients: string[];
  message: string;
  /** Milliseconds since the epoch; the API answers it as a string. Quotes and reactions name it. */
  timestamp: number;
  quote?: { timestamp: number; author?: string; message?: string };
}

export interface SignalQuote {
  id: number;
  author?: string;
  authorNumber?: string;
  text?: string;
}

export interface SignalReaction {
  emoji: string;
  targetAuthor: string;
  targetAuthorNumber: string;
  targetSentTimestamp: number;
  isRemove: boolean;
}

export interface SignalDataMessage {
  timestamp: number;
  message: string | null;
  expiresInSeconds: number;
  viewOnce: boolean;
  quote?: SignalQuote;
  reaction?: SignalReaction;
}

export interface SignalEnvelope {
  source: string;
  sourceNumber: string;
  sourceUuid: string;
  sourceName: string;
  sourceDevice: number;
  timestamp: number;
  serverReceivedTimestamp: number;
  serverDeliveredTimestamp: number;
  dataMessage: SignalDataMessage;
}

/** One received message as signal-cli-rest-api hands it out (`data.Message`). */
export interface SignalReceived {
  envelope: SignalEnvelope;
  account: string;
}

export interface SignalState {
  /** The bot's registered number (the only account). */
  number: string;
  mode: SignalMode;
  /** Every message sent with POST /v2/send, oldest first. */
  sent: SentSignalMessage[];
  /** Normal mode: received messages not fetched yet. */
  queue: SignalReceived[];
  /** Json-rpc mode: messages delivered while no client was connected (gone, as in #834). */
  lost: SignalReceived[];
  /** Every message passed to `deliver()`, oldest first. */
  delivered: SignalReceived[];
  /** The last timestamp handed out; timestamps are unique and increasing. */
  lastTimestamp: number;
}

/** What the owner's phone sends: text, optionally quoting a message, or a reaction to one. */
export interface SignalDelivery {
  from: string;
  text?: string;
  /** The quoted message: its timestamp and author (the bot's number for the bot's messages). */
  quote?: { timestamp: number; author: string; text?: string };
  reaction?: { emoji: string; targetTimestamp: number; targetAuthor: string; remove?: boolean };
  /** Profile name shown as `sourceName` (default: the number). */
  name?: string;
}

export interface SignalSim extends Upstream<SignalState> {
  /**
   * A message from the owner's phone. Normal mode: queued for GET /v1/receive. Json-rpc mode:
   * pushed to every connected receive socket, or lost (recorded in `state.lost`) when none is.
   */
  deliver(delivery: SignalDelivery): SignalReceived;
  /** Closes every receive socket with `code` (default 1001, going away); returns how many. */
  disconnectAll(code?: number): number;
}

export interface SignalSimOptions {
  /** The bot's registered number (default {@link DEFAULT_SIGNAL_NUMBER}). */
  number?: string;
  mode?: SignalMode;
}

const sendOwnSchema = z.looseObject({
  recipients: z.array(z.string()),
  number: z.string(),
  message: z.string(),
  quote_timestamp: z.number().int().optional(),
  quote_author: z.string().optional(),
  quote_message: z.string().optional(),
});

const nullTextSchema = z.looseObject({
  envelope: z.looseObject({ dataMessage: z.looseObject({ message: z.null() }) }),
});

const BOOLEAN_QUERY = [
  'ignore_attachments',
  'ignore_stories',
  'ignore_avatars',
  'ignore_stickers',
  'send_read_receipts',
] as const;

const NOT_A_WEBSOCKET =
  "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header";

/** `value` without a null `envelope.dataMessage.message` (the spec does not allow null there). */
function withoutNullText(value: unknown): unknown {
  const parsed = nullTextSchema.safeParse(value);
  if (!parsed.success) return value;
  const { message: _text, ...dataMessage } = parsed.data.envelope.dataMessage;
  return { ...parsed.data, envelope: { ...parsed.data.envelope, dataMessage } };
}

/** A zod schema checking a value against `data.Message` of the published contract. */
function contractMessage(contract: Contract): ZodType {
  return z.unknown().superRefine((value, ctx) => {
    const checked = withoutNullText(value);
    for (const found of contract.checkSchema('#/definitions/data.Message', checked, 'message')) {
      ctx.addIssue({
        code: 'custom',
        message: found.message,
        path: found.instancePath.split('/').filter((part) => part !== ''),
      });
    }
  });
}

/** The normal-mode receive answer: text holding a JSON array of `data.Message`. */
function receiveListSchema(message: ZodType): ZodType {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `not JSON: ${(error as Error).message}` });
        return z.NEVER;
      }
    })
    .pipe(z.array(message));
}

function nextTimestamp(state: SignalState): number {
  state.lastTimestamp = Math.max(Date.now(), state.lastTimestamp + 1);
  return state.lastTimestamp;
}

function apiError(status: number, error: string): SimResponse {
  return { status, body: { error } };
}

/** Stable made-up ACI for a number, shaped like a UUID. */
function uuidOf(number: string): string {
  const digits = number.replace(/\D/g, '').padStart(32, '0').slice(-32);
  return `${digits.slice(0, 8)}-${digits.slice(8, 12)}-4${digits.slice(13, 16)}-8${digits.slice(17, 20)}-${digits.slice(20)}`;
}

export function createSignalState(options: SignalSimOptions = {}): SignalState {
  return {
    number: options.number ?? DEFAULT_SIGNAL_NUMBER,
    mode: options.mode ?? 'normal',
    sent: [],
    queue: [],
    lost: [],
    delivered: [],
    lastTimestamp: 0,
  };
}

/** Builds the envelope signal-cli writes for `delivery`, received now. */
export function signalEnvelope(state: SignalState, delivery: SignalDelivery): SignalReceived {
  const timestamp = nextTimestamp(state);
  const dataMessage: SignalDataMessage = {
    timestamp,
    message: delivery.text ?? null,
    expiresInSeconds: 0,
    viewOnce: false,
  };
  if (delivery.quote) {
    dataMessage.quote = {
      id: delivery.quote.timestamp,
      author: delivery.quote.author,
      authorNumber: delivery.quote.author,
      text: delivery.quote.text ?? '',
    };
  }
  if (delivery.reaction) {
    dataMessage.reaction = {
      emoji: delivery.reaction.emoji,
      targetAuthor: delivery.reaction.targetAuthor,
      targetAuthorNumber: delivery.reaction.targetAuthor,
      targetSentTimestamp: delivery.reaction.targetTimestamp,
      isRemove: delivery.reaction.remove ?? false,
    };
  }
  return {
    envelope: {
      source: delivery.from,
      sourceNumber: delivery.from,
      sourceUuid: uuidOf(delivery.from),
      sourceName: delivery.name ?? delivery.from,
      sourceDevice: 1,
      timestamp,
      serverReceivedTimestamp: timestamp,
      serverDeliveredTimestamp: timestamp,
      dataMessage,
    },
    account: state.number,
  };
}

/** A whole number of a query parameter, its default when absent, or undefined when not numeric. */
function integerQuery(req: SimRequest, name: string, fallback: number): number | undefined {
  const raw = req.query.get(name);
  if (raw === null) return fallback;
  return /^-?\d+$/.test(raw) ? Number(raw) : undefined;
}

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export async function startSignalSim(options: SignalSimOptions = {}): Promise<SignalSim> {
  const contract = await loadContract(SIGNAL_SPEC);
  const state = createSignalState(options);
  const message = contractMessage(contract);
  const receiveList = receiveListSchema(message);
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  const nextDelivery = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });

  const receiveHttp = async (req: SimRequest, s: SignalState): Promise<SimResponse> => {
    if (s.mode === 'json-rpc') return apiError(400, NOT_A_WEBSOCKET);
    const timeout = integerQuery(req, 'timeout', 1);
    if (timeout === undefined)
      return apiError(400, "Couldn't process request - timeout needs to be numeric!");
    const maxMessages = integerQuery(req, 'max_messages', -1);
    if (maxMessages === undefined)
      return apiError(400, "Couldn't process request - max_messages needs to be numeric!");
    for (const name of BOOLEAN_QUERY) {
      const value = req.query.get(name);
      if (value !== null && value !== 'true' && value !== 'false')
        return apiError(
          400,
          `Couldn't process request - ${name} parameter needs to be either 'true' or 'false'`,
        );
    }
    if (req.params.number !== s.number) return apiError(400, 'Specified account does not exist');
    if (s.queue.length === 0 && timeout > 0) await nextDelivery(timeout * 1000);
    const taken = s.queue.splice(0, maxMessages > 0 ? maxMessages : s.queue.length);
    return {
      status: 200,
      raw: JSON.stringify(taken),
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      schema: receiveList,
    };
  };

  const upstream = await startUpstream<SignalState>({
    name: 'signal-cli-rest-api',
    contract,
    state,
    routes: [
      {
        method: 'GET',
        path: '/v1/about',
        handler: (_req, s) => ({
          status: 200,
          body: {
            versions: ['v1', 'v2'],
            build: 2,
            mode: s.mode,
            version: DEFAULT_SIGNAL_VERSION,
            capabilities: { 'v2/send': ['quotes', 'mentions'] },
          },
        }),
      },
      {
        method: 'GET',
        path: '/v1/accounts',
        handler: (_req, s) => ({ status: 200, body: [s.number] }),
      },
      {
        method: 'GET',
        path: '/v1/health',
        handler: () => ({ status: 204, schema: z.undefined() }),
      },
      {
        method: 'POST',
        path: '/v2/send',
        request: sendOwnSchema,
        handler: (req, s) => {
          const body = sendOwnSchema.parse(req.body);
          if (body.recipients.length === 0)
            return {
              status: 400,
              body: {
                error: "Couldn't process request - please provide at least one recipient",
                account: body.number,
              },
            };
          if (body.number !== s.number)
            return {
              status: 400,
              body: { error: `User ${body.number} is not registered.`, account: body.number },
            };
          const sent: SentSignalMessage = {
            number: body.number,
            recipients: body.recipients,
            message: body.message,
            timestamp: nextTimestamp(s),
          };
          if (body.quote_timestamp !== undefined)
            sent.quote = {
              timestamp: body.quote_timestamp,
              ...(body.quote_author === undefined ? {} : { author: body.quote_author }),
              ...(body.quote_message === undefined ? {} : { message: body.quote_message }),
            };
          s.sent.push(sent);
          return { status: 201, body: { timestamp: String(sent.timestamp) } };
        },
      },
      { method: 'GET', path: '/v1/receive/{number}', handler: receiveHttp },
    ],
    websocket:
      state.mode === 'json-rpc'
        ? [{ path: '/v1/receive/{number}', onConnection: () => undefined, outgoing: message }]
        : [],
  });

  const receivePath = `/v1/receive/${state.number}`;
  const receiveSockets = (): SimSocket[] =>
    upstream.connections.filter(
      (connection) => decodedPath(connection.request.path) === receivePath,
    );
  const closeFramework = upstream.close.bind(upstream);

  return Object.assign(upstream, {
    deliver: (delivery: SignalDelivery): SignalReceived => {
      const received = signalEnvelope(state, delivery);
      state.delivered.push(received);
      if (state.mode === 'normal') {
        state.queue.push(received);
        wake();
        return received;
      }
      const sockets = receiveSockets();
      if (sockets.length === 0) state.lost.push(received);
      for (const socket of sockets) socket.send(received);
      return received;
    },
    disconnectAll: (code = 1001): number => {
      const open = [...upstream.connections];
      for (const connection of open) connection.close(code);
      return open.length;
    },
    close: (): Promise<void> => {
      wake();
      return closeFramework();
    },
  });
}
