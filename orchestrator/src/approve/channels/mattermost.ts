// The Mattermost approval channel: a bot posts the gate's messages to one channel (with buttons
// when Mattermost can reach the orchestrator back), reads people's plain-text replies from the
// WebSocket API, and takes button clicks on POST /mattermost/actions (specs/mattermost-bot.md).
//
// Why the buttons are signed: Mattermost POSTs a click to our callback URL without credentials,
// and anyone who can reach the orchestrator can POST there too. Mattermost keeps a button's
// `integration.context` server-side (clients never see it), so a context carrying an HMAC over
// its command, proposal and nonce proves the click came through Mattermost from a post we made.
// A bad signature is answered 200 with an ephemeral "not valid" text (Mattermost shows any other
// status only as a generic error) and never reaches the inbox. The key is
// ORCH_MATTERMOST_ACTION_SECRET, or a random one per process: then buttons of posts made before a
// restart answer that they expired, and the person replies in text instead.
//
// Why the WebSocket reconnects and catches up: Mattermost keeps every post, so a reply written
// while the socket was down is fetched with `GET /channels/{id}/posts?since=` after reconnecting;
// each post is handled at most once per channel instance, one at a time, in order.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  ConfigError,
  envList,
  errorFields,
  secret,
  UpstreamClient,
  type Logger,
} from '@homelab/kit';
import { z } from 'zod';
import { envLongSecret } from '../../env.js';
import { readBytes, send as sendJson, TooLarge, type HttpRoute } from '../../http/server.js';
import type {
  ApprovalChannel,
  DecidedAbout,
  IncomingReply,
  OutgoingMessage,
  ReplyHandler,
  ReplyOutcome,
  SentMessage,
} from '../channel.js';

export const mattermostConfigShape = {
  ORCH_MATTERMOST_URL: z
    .url()
    .optional()
    .describe(
      'Mattermost server URL, e.g. https://chat.home.lan; the Mattermost approval channel is on when set',
    ),
  ORCH_MATTERMOST_TOKEN: secret('Access token of the Mattermost bot account')
    .optional()
    .describe(
      'Access token of the Mattermost bot account (Integrations > Bot Accounts); required with ORCH_MATTERMOST_URL',
    ),
  ORCH_MATTERMOST_CHANNEL_ID: z
    .string()
    .trim()
    .regex(/^[a-z0-9]{26}$/, 'expected a Mattermost channel id (26 lowercase letters and digits)')
    .optional()
    .describe(
      'Id of the channel the bot posts to and reads replies from (the bot must be a member); required with ORCH_MATTERMOST_URL',
    ),
  ORCH_MATTERMOST_APPROVERS: envList(
    'Mattermost user ids (comma-separated ids, not usernames) whose button clicks and replies count as decisions',
  ),
  ORCH_MATTERMOST_CALLBACK_URL: z
    .url()
    .optional()
    .describe(
      'The orchestrator base URL as the Mattermost server reaches it, e.g. http://orchestrator:3800 (allow its address in AllowedUntrustedInternalConnections); without it posts carry no buttons and people reply in text',
    ),
  ORCH_MATTERMOST_ACTION_SECRET: envLongSecret(
    'Key that signs the Mattermost button contexts',
    'Key that signs the Mattermost buttons (at least 16 characters); without it a random key per process is used and buttons of posts made before a restart answer that they expired',
  ),
};

export type MattermostConfig = z.output<z.ZodObject<typeof mattermostConfigShape>>;

/** Path of the button callback; the orchestrator's HTTP server routes it here. */
export const MATTERMOST_ACTIONS_PATH = '/mattermost/actions';

const REQUEST_TIMEOUT_MS = 15_000;
const MAX_CALLBACK_BYTES = 64 * 1024;
/** Mattermost drops an unauthenticated socket after about 5 s; we give up a little later. */
const AUTH_TIMEOUT_MS = 10_000;
const DEFAULT_RECONNECT_DELAYS_MS = [1_000, 2_000, 5_000, 15_000, 30_000];
/** A connection that stayed up this long starts the next reconnect from the beginning again. */
const STABLE_CONNECTION_MS = 10_000;
/** Posts this much older than the drop are fetched too: covers clock skew (duplicates are skipped). */
const CATCH_UP_MARGIN_MS = 30_000;
const REMEMBERED_POSTS = 2_000;

export const INVALID_BUTTON_TEXT =
  'This button is not valid (expired or forged); nothing was done.';
const FOREIGN_CHANNEL_TEXT =
  'This button does not belong to the approvals channel; nothing was done.';
const NOT_READY_TEXT =
  'The orchestrator is not taking decisions right now; nothing was done. Try again in a minute.';
const HANDLER_FAILED_TEXT =
  'The orchestrator could not handle this click (see its log); try again, or reply in the thread.';

const userSchema = z.object({ id: z.string().min(1) });

const postSchema = z.object({
  id: z.string().min(1),
  create_at: z.number(),
  user_id: z.string(),
  channel_id: z.string(),
  root_id: z.string().default(''),
  message: z.string(),
  type: z.string().default(''),
  props: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((props) => props ?? {}),
  is_pinned: z.boolean().optional(),
  has_reactions: z.boolean().optional(),
});
type Post = z.output<typeof postSchema>;

const postListSchema = z.object({
  order: z.array(z.string()),
  posts: z.record(z.string(), postSchema),
});

/** What Mattermost POSTs for a click (§3 step 2); only the fields we rely on. */
const actionCallbackSchema = z.object({
  user_id: z.string().min(1).max(64),
  post_id: z.string().min(1).max(64),
  channel_id: z.string().min(1).max(64),
  context: z.record(z.string(), z.unknown()),
});

/** The context we put on every button; anything else in a callback's context is ignored. */
const buttonContextSchema = z.object({
  command: z.string().min(1).max(200),
  proposal_id: z.number().int().positive().optional(),
  nonce: z.string().regex(/^[0-9a-f]{24}$/),
  sig: z.string().regex(/^[0-9a-f]{64}$/),
});
type ButtonContext = z.output<typeof buttonContextSchema>;

/** A WebSocket message: an event (`hello`, `posted`, ...) or a reply to one of our requests. */
const frameSchema = z.object({
  event: z.string().optional(),
  status: z.string().optional(),
  seq_reply: z.number().optional(),
  data: z.unknown().optional(),
});
const postedDataSchema = z.object({ post: z.string() });

export interface MattermostChannelOptions {
  /** Mattermost server URL (ORCH_MATTERMOST_URL). */
  url: string;
  /** The bot's access token; sent only in the Authorization header and the WebSocket challenge. */
  token: string;
  channelId: string;
  /** The orchestrator's base URL as Mattermost reaches it; without it posts carry no buttons. */
  callbackUrl?: string | undefined;
  /** Key that signs button contexts; a random one per instance when unset. */
  actionSecret?: string | undefined;
  log: Logger;
  /** Called after the WebSocket came back, with how long it was down. */
  onReconnect?: (gapMs: number) => Promise<void>;
  /** Waits between failed connection attempts (the last one repeats); the first retry is at once. Default 1, 2, 5, 15, 30 s. */
  reconnectDelaysMs?: readonly number[];
}

/** The string the button signature covers; JSON so no field can bleed into another. */
function canonicalButton(command: string, proposalId: number | undefined, nonce: string): string {
  return JSON.stringify(['mattermost-button-v1', command, proposalId ?? null, nonce]);
}

/** The message with a last line `Decision: <text>`, replacing one an earlier decision added. */
function withDecision(message: string, text: string): string {
  const kept = message.replace(/\n\nDecision: [^\n]*$/, '');
  return `${kept}\n\nDecision: ${text.replace(/\s+/g, ' ').trim()}`;
}

function withoutButtons(props: Record<string, unknown>): Record<string, unknown> {
  const { attachments: _attachments, ...rest } = props;
  return rest;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export class MattermostChannel implements ApprovalChannel {
  readonly name = 'mattermost';
  /** POST /mattermost/actions: Mattermost's button callback. */
  readonly route: HttpRoute;

  private readonly client: UpstreamClient;
  private readonly baseUrl: string;
  private readonly actionsUrl: string | undefined;
  private readonly actionKey: Buffer;
  private readonly reconnectDelaysMs: readonly number[];
  private readonly log: Logger;
  private handler: ReplyHandler | undefined;
  private botUserId: string | undefined;
  private socket: WebSocket | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failedAttempts = 0;
  /** Since when events may have been missed (set while the socket is down). */
  private offlineSince: number | undefined;
  private closed = false;
  /** Posts handled or being handled, oldest first (bounded). */
  private readonly seen = new Set<string>();
  /** Incoming posts are handled one at a time, in arrival order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: MattermostChannelOptions) {
    this.log = options.log;
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.client = new UpstreamClient({
      service: 'Mattermost',
      baseUrl: this.baseUrl,
      pathPrefix: '/api/v4',
      headers: { authorization: `Bearer ${options.token}` },
      timeoutMs: REQUEST_TIMEOUT_MS,
      urlVariable: 'ORCH_MATTERMOST_URL',
      credentialVariable: 'ORCH_MATTERMOST_TOKEN',
    });
    this.actionsUrl = options.callbackUrl
      ? `${options.callbackUrl.replace(/\/+$/, '')}${MATTERMOST_ACTIONS_PATH}`
      : undefined;
    this.actionKey = options.actionSecret
      ? Buffer.from(options.actionSecret, 'utf8')
      : randomBytes(32);
    if (this.actionsUrl && !options.actionSecret)
      this.log.warn(
        'ORCH_MATTERMOST_ACTION_SECRET is unset: buttons are signed with a key of this process only, so buttons of posts made before a restart will answer that they expired',
      );
    this.reconnectDelaysMs =
      options.reconnectDelaysMs && options.reconnectDelaysMs.length > 0
        ? options.reconnectDelaysMs
        : DEFAULT_RECONNECT_DELAYS_MS;
    this.route = {
      prefix: MATTERMOST_ACTIONS_PATH,
      handle: (req, res) => this.handleAction(req, res),
    };
  }

  async send(message: OutgoingMessage): Promise<SentMessage> {
    const props = this.buttons(message);
    const rootId = message.inReplyTo ? await this.threadRoot(message.inReplyTo) : undefined;
    const post = await this.createPost({
      message: message.text,
      ...(rootId ? { root_id: rootId } : {}),
      ...(props ? { props } : {}),
    });
    return { externalId: post.id };
  }

  async decided(about: DecidedAbout, text: string, sent: readonly string[]): Promise<void> {
    await Promise.all(
      sent.map(async (postId) => {
        try {
          const post = await this.getPost(postId);
          await this.client.put(`/posts/${encodeURIComponent(postId)}`, {
            body: {
              id: post.id,
              message: withDecision(post.message, text),
              props: withoutButtons(post.props),
              ...(post.is_pinned === undefined ? {} : { is_pinned: post.is_pinned }),
              ...(post.has_reactions === undefined ? {} : { has_reactions: post.has_reactions }),
            },
            schema: postSchema,
          });
        } catch (error) {
          this.log.warn('could not show a decision on a Mattermost post', {
            ...about,
            postId,
            ...errorFields(error),
          });
        }
      }),
    );
  }

  async start(handler: ReplyHandler): Promise<void> {
    if (this.closed) throw new Error('the Mattermost channel was closed');
    this.handler = handler;
    const me = await this.client.get('/users/me', { schema: userSchema });
    this.botUserId = me.id;
    const startedAt = Date.now();
    if (!(await this.connect())) {
      this.offlineSince ??= startedAt;
      this.log.warn('Mattermost WebSocket not connected yet; retrying in the background');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      const closed = new Promise<void>((resolve) =>
        socket.addEventListener('close', () => resolve(), { once: true }),
      );
      socket.close(1000);
      await closed;
    }
    await this.queue;
  }

  /** Attachments with one signed button per action, or undefined when buttons are off. */
  private buttons(message: OutgoingMessage): Record<string, unknown> | undefined {
    const actions = message.actions ?? [];
    if (!this.actionsUrl || actions.length === 0) return undefined;
    return {
      attachments: [
        {
          actions: actions.map((action, index) => ({
            id: `action${index}`,
            name: action.label,
            type: 'button',
            integration: {
              url: this.actionsUrl,
              context: this.signedContext(action.command, message.proposalId),
            },
          })),
        },
      ],
    };
  }

  private signedContext(command: string, proposalId: number | undefined): ButtonContext {
    const nonce = randomBytes(12).toString('hex');
    return {
      command,
      ...(proposalId === undefined ? {} : { proposal_id: proposalId }),
      nonce,
      sig: this.signature(command, proposalId, nonce).toString('hex'),
    };
  }

  private signature(command: string, proposalId: number | undefined, nonce: string): Buffer {
    return createHmac('sha256', this.actionKey)
      .update(canonicalButton(command, proposalId, nonce))
      .digest();
  }

  /** The button's context when its signature is ours, else undefined. */
  private verifiedButton(context: Record<string, unknown>): ButtonContext | undefined {
    const parsed = buttonContextSchema.safeParse(context);
    if (!parsed.success) return undefined;
    const { command, proposal_id: proposalId, nonce, sig } = parsed.data;
    const expected = this.signature(command, proposalId, nonce);
    return timingSafeEqual(Buffer.from(sig, 'hex'), expected) ? parsed.data : undefined;
  }

  private createPost(fields: {
    message: string;
    root_id?: string;
    props?: Record<string, unknown>;
  }): Promise<Post> {
    return this.client.post('/posts', {
      body: { channel_id: this.options.channelId, ...fields },
      schema: postSchema,
    });
  }

  /** The handler's outcome, or undefined after logging its failure. */
  private async ask(
    handler: ReplyHandler,
    reply: IncomingReply,
    postId: string,
  ): Promise<ReplyOutcome | undefined> {
    try {
      return await handler(reply);
    } catch (error) {
      this.log.error('handling a Mattermost reply or click failed', {
        postId,
        ...errorFields(error),
      });
      return undefined;
    }
  }

  private getPost(postId: string): Promise<Post> {
    return this.client.get(`/posts/${encodeURIComponent(postId)}`, { schema: postSchema });
  }

  /** Mattermost threads are flat: a reply to a reply goes under the thread's root. */
  private async threadRoot(postId: string): Promise<string | undefined> {
    try {
      const post = await this.getPost(postId);
      return post.root_id || post.id;
    } catch (error) {
      this.log.warn('the Mattermost post to reply to is unavailable; posting in the channel', {
        postId,
        ...errorFields(error),
      });
      return undefined;
    }
  }

  private async handleAction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== MATTERMOST_ACTIONS_PATH) return sendJson(res, 404, { error: `no route ${path}` });
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
    let bytes: Buffer;
    try {
      bytes = await readBytes(req, MAX_CALLBACK_BYTES);
    } catch (error) {
      if (error instanceof TooLarge)
        return sendJson(res, 413, { error: `body larger than ${MAX_CALLBACK_BYTES} bytes` });
      throw error;
    }
    const parsed = actionCallbackSchema.safeParse(parseJson(bytes.toString('utf8')));
    if (!parsed.success) {
      this.log.warn('refused a request that is not a Mattermost button callback', {
        problems: parsed.error.issues.slice(0, 5).map((issue) => issue.message),
      });
      return sendJson(res, 400, { error: 'not a Mattermost interactive button callback' });
    }
    const callback = parsed.data;
    const button = this.verifiedButton(callback.context);
    if (!button) {
      this.log.warn('refused a Mattermost button with a missing or wrong signature', {
        userId: callback.user_id,
        postId: callback.post_id,
      });
      return sendJson(res, 200, { ephemeral_text: INVALID_BUTTON_TEXT });
    }
    if (callback.channel_id !== this.options.channelId) {
      this.log.warn('refused a Mattermost button from another channel', {
        userId: callback.user_id,
        postId: callback.post_id,
        channelId: callback.channel_id,
      });
      return sendJson(res, 200, { ephemeral_text: FOREIGN_CHANNEL_TEXT });
    }
    const handler = this.handler;
    if (!handler || this.closed) return sendJson(res, 200, { ephemeral_text: NOT_READY_TEXT });
    const reply: IncomingReply = {
      channel: this.name,
      sender: callback.user_id,
      text: button.command,
      replyTo: callback.post_id,
      ...(button.proposal_id === undefined ? {} : { proposalId: button.proposal_id }),
    };
    const outcome = await this.ask(handler, reply, callback.post_id);
    if (!outcome) return sendJson(res, 200, { ephemeral_text: HANDLER_FAILED_TEXT });
    const update =
      outcome.outcome === 'done' ? await this.decidedUpdate(callback.post_id, outcome) : undefined;
    sendJson(res, 200, {
      ...(update ? { update } : {}),
      ...(outcome.text ? { ephemeral_text: outcome.text } : {}),
    });
  }

  /**
   * The clicked post rewritten by Mattermost: its message with the decision, its buttons gone.
   * `update` replaces the whole message, so the current one is read first; when that fails the
   * post stays as it is (decided() edits it later) rather than losing its text.
   */
  private async decidedUpdate(
    postId: string,
    outcome: ReplyOutcome,
  ): Promise<{ message: string; props: Record<string, unknown> } | undefined> {
    try {
      const post = await this.getPost(postId);
      return {
        message: withDecision(post.message, outcome.text ?? 'done'),
        props: withoutButtons(post.props),
      };
    } catch (error) {
      this.log.warn('could not read the clicked Mattermost post; its buttons stay for now', {
        postId,
        ...errorFields(error),
      });
      return undefined;
    }
  }

  /** One connection attempt: resolves true once authenticated, false when it closed before. */
  private connect(): Promise<boolean> {
    const wsUrl = `${this.baseUrl.replace(/^http/, 'ws')}/api/v4/websocket`;
    return new Promise((resolve) => {
      const socket = new WebSocket(wsUrl);
      this.socket = socket;
      let connectedAt: number | undefined;
      const authTimer = setTimeout(() => {
        if (connectedAt === undefined) socket.close();
      }, AUTH_TIMEOUT_MS);
      socket.addEventListener('open', () => {
        socket.send(
          JSON.stringify({
            seq: 1,
            action: 'authentication_challenge',
            data: { token: this.options.token },
          }),
        );
      });
      socket.addEventListener('message', (event) => {
        const frame = frameSchema.safeParse(
          typeof event.data === 'string' ? parseJson(event.data) : undefined,
        );
        if (!frame.success) {
          this.log.warn('skipped a malformed Mattermost WebSocket message');
          return;
        }
        if (frame.data.event === 'hello' && connectedAt === undefined) {
          connectedAt = Date.now();
          clearTimeout(authTimer);
          this.connected();
          resolve(true);
        } else if (frame.data.status === 'FAIL') {
          this.log.warn('Mattermost refused a WebSocket request', { seq: frame.data.seq_reply });
        } else if (frame.data.event === 'posted' && connectedAt !== undefined) {
          this.received(frame.data.data);
        }
      });
      socket.addEventListener('close', (event) => {
        clearTimeout(authTimer);
        if (this.socket === socket) this.socket = undefined;
        resolve(false);
        this.disconnected(connectedAt, event.code);
      });
    });
  }

  private connected(): void {
    const since = this.offlineSince;
    this.offlineSince = undefined;
    if (since === undefined) return;
    const gapMs = Date.now() - since;
    this.log.info('Mattermost WebSocket reconnected', { gapMs });
    this.enqueue(() => this.catchUp(since - CATCH_UP_MARGIN_MS, gapMs));
  }

  /**
   * Schedules the next attempt: at once after a connection that had stayed up, then with the
   * configured delays, so a server that accepts and drops at once is not hammered.
   */
  private disconnected(connectedAt: number | undefined, code: number): void {
    if (this.closed) return;
    const now = Date.now();
    if (connectedAt !== undefined) {
      this.offlineSince = now;
      if (now - connectedAt >= STABLE_CONNECTION_MS) this.failedAttempts = 0;
    }
    const delays = this.reconnectDelaysMs;
    const delay =
      this.failedAttempts === 0
        ? 0
        : (delays[Math.min(this.failedAttempts - 1, delays.length - 1)] ?? 0);
    this.failedAttempts += 1;
    this.log.warn(
      connectedAt === undefined
        ? 'Mattermost WebSocket connection failed; retrying'
        : 'Mattermost WebSocket dropped; reconnecting',
      { code, attempt: this.failedAttempts, delayMs: delay },
    );
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (!this.closed) void this.connect();
    }, delay);
  }

  /** A `posted` event: its post is a JSON string (§2) and is validated before it is queued. */
  private received(data: unknown): void {
    const envelope = postedDataSchema.safeParse(data);
    const post = envelope.success ? postSchema.safeParse(parseJson(envelope.data.post)) : undefined;
    if (!post?.success) {
      this.log.warn('skipped a malformed Mattermost posted event');
      return;
    }
    this.enqueue(() => this.handlePost(post.data));
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue
      .then(task)
      .catch((error: unknown) =>
        this.log.error('handling a Mattermost event failed', errorFields(error)),
      );
  }

  /** Posts of the channel written while the socket was down (Mattermost kept them). */
  private async catchUp(since: number, gapMs: number): Promise<void> {
    if (this.options.onReconnect)
      await this.options
        .onReconnect(gapMs)
        .catch((error: unknown) =>
          this.log.warn('the Mattermost reconnect hook failed', errorFields(error)),
        );
    let missed: Post[];
    try {
      const list = await this.client.get(
        `/channels/${encodeURIComponent(this.options.channelId)}/posts`,
        { query: { since }, schema: postListSchema },
      );
      missed = Object.values(list.posts)
        .filter((post) => post.create_at >= since)
        .sort((a, b) => a.create_at - b.create_at);
    } catch (error) {
      this.log.warn('could not fetch the Mattermost posts missed while disconnected', {
        since,
        ...errorFields(error),
      });
      return;
    }
    for (const post of missed) await this.handlePost(post);
  }

  private remember(postId: string): boolean {
    if (this.seen.has(postId)) return false;
    this.seen.add(postId);
    if (this.seen.size > REMEMBERED_POSTS) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }

  /** A person's post in the channel goes to the handler; its answer goes into the thread. */
  private async handlePost(post: Post): Promise<void> {
    const handler = this.handler;
    if (this.closed || !handler) return;
    if (post.channel_id !== this.options.channelId || post.user_id === this.botUserId) return;
    if (post.type !== '' || post.message.trim() === '' || !this.remember(post.id)) return;
    const reply: IncomingReply = {
      channel: this.name,
      sender: post.user_id,
      text: post.message,
      messageId: post.id,
      ...(post.root_id ? { replyTo: post.root_id } : {}),
    };
    const outcome = await this.ask(handler, reply, post.id);
    if (!outcome?.text) return;
    try {
      await this.createPost({ message: outcome.text, root_id: post.root_id || post.id });
    } catch (error) {
      this.log.warn('could not answer a Mattermost reply', {
        postId: post.id,
        ...errorFields(error),
      });
    }
  }
}

/** The channel when ORCH_MATTERMOST_URL is set; a clear error when it is set without its partners. */
export function mattermostChannelFromConfig(
  config: MattermostConfig,
  log: Logger,
  options: Pick<MattermostChannelOptions, 'onReconnect' | 'reconnectDelaysMs'> = {},
): MattermostChannel | undefined {
  const url = config.ORCH_MATTERMOST_URL;
  if (url === undefined) return undefined;
  const token = config.ORCH_MATTERMOST_TOKEN;
  const channelId = config.ORCH_MATTERMOST_CHANNEL_ID;
  if (token === undefined)
    throw new ConfigError(
      'ORCH_MATTERMOST_URL is set but ORCH_MATTERMOST_TOKEN is not: set it to the bot account access token',
    );
  if (channelId === undefined)
    throw new ConfigError(
      'ORCH_MATTERMOST_URL is set but ORCH_MATTERMOST_CHANNEL_ID is not: set it to the id of the channel the bot posts to',
    );
  const channelLog = log.child({ channel: 'mattermost' });
  if (config.ORCH_MATTERMOST_APPROVERS.length === 0)
    channelLog.warn(
      'ORCH_MATTERMOST_APPROVERS is empty: every Mattermost click and reply will be refused',
    );
  if (config.ORCH_MATTERMOST_CALLBACK_URL === undefined)
    channelLog.info(
      'ORCH_MATTERMOST_CALLBACK_URL is unset: Mattermost posts carry no buttons; people reply in text',
    );
  return new MattermostChannel({
    url,
    token,
    channelId,
    callbackUrl: config.ORCH_MATTERMOST_CALLBACK_URL,
    actionSecret: config.ORCH_MATTERMOST_ACTION_SECRET,
    log: channelLog,
    ...options,
  });
}
