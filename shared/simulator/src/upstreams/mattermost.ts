// The simulated Mattermost, bot subset (specs/mattermost-v4-bot-subset.openapi.json plus the
// written notes specs/mattermost-bot.md): bot token auth, users, channels (DMs included), posts
// with interactive buttons, post updates, reactions, the WebSocket API with `posted` events, and
// helpers that act as the humans (post a reply, click a button). REST is checked against the
// OpenAPI subset; what only the notes describe is checked against own zod schemas
// (mattermost/schemas.ts): WebSocket messages (route `incoming`/`outgoing`), the button callback
// payload and the integration's answer (recorded as violations), and the UpdatePost body, whose
// `props` the spec wrongly types as a string (route `requestBodies`). Errors the spec leaves out
// (e.g. GetPost 404) are checked against its `AppError` schema (`undeclaredErrors`).
// Why: two-way Mattermost approvals (issue 6) must be proven without a real Mattermost.

import { loadContract } from '../contract.js';
import { specPath } from '../spec-path.js';
import { startUpstream } from '../upstream.js';
import type { RouteDefinition, SimRequest, SimResponse, Upstream } from '../types.js';
import { createViolation } from '../violations.js';
import { performAction, type ClickResult } from './mattermost/actions.js';
import { appError } from './mattermost/errors.js';
import {
  addPost,
  channelJson,
  createMattermostState,
  ensureDirectChannel,
  newId,
  postActions,
  postJson,
  type MattermostState,
  type MattermostStateOptions,
  type MmPost,
} from './mattermost/model.js';
import {
  doPostActionBodySchema,
  incomingMessageSchema,
  outgoingMessageSchema,
  updatePostBodySchema,
} from './mattermost/schemas.js';
import {
  publishPostEdited,
  publishPosted,
  publishReactionAdded,
  requestToken,
  serveConnection,
  userOfToken,
} from './mattermost/websocket.js';

/** POST /api/v4/reactions answers 201 as the spec declares (the real server answers 200, §6). */
export interface MattermostSimOptions extends MattermostStateOptions {
  state?: MattermostState;
}

export interface MattermostSim extends Upstream<MattermostState> {
  /** A human posts (and every member's WebSocket gets `posted`); returns the stored post. */
  userPosts(input: { userId: string; channelId: string; message: string; rootId?: string }): MmPost;
  /** A human clicks a button: the integration is called and its answer applied. */
  clickButton(input: {
    postId: string;
    actionId: string;
    userId: string;
    selectedOption?: string;
  }): Promise<ClickResult>;
  /** Closes every open WebSocket (default 1001, going away); returns how many were closed. */
  disconnectAll(code?: number): number;
}

const SPEC = 'mattermost-v4-bot-subset.openapi.json';

const forbidden = (): SimResponse =>
  appError(
    403,
    'api.context.permissions.app_error',
    'You do not have the appropriate permissions.',
  );
const notFound = (what: string): SimResponse =>
  appError(404, `app.${what}.get.app_error`, `Unable to find the ${what}.`);
const badRequest = (id: string, message: string): SimResponse => appError(400, id, message);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function callerOf(req: SimRequest, state: MattermostState): string {
  const token = requestToken(
    { authorization: req.headers.authorization, cookie: req.headers.cookie },
    req.query,
  );
  const userId = userOfToken(state, token);
  if (userId === undefined) throw new Error('route reached without an authenticated caller');
  return userId;
}

/** Missing action IDs are filled with a random one (`GenerateActionIds`). */
function fillActionIds(props: Record<string, unknown>): void {
  for (const action of postActions(props)) {
    if (typeof action.id !== 'string' || action.id === '') action.id = newId();
  }
}

function visiblePost(
  req: SimRequest,
  state: MattermostState,
): { post: MmPost; userId: string } | SimResponse {
  const userId = callerOf(req, state);
  const post = state.posts.get(req.params.post_id ?? '');
  if (!post || post.delete_at !== 0) return notFound('post');
  if (!state.channels.get(post.channel_id)?.members.has(userId)) return forbidden();
  return { post, userId };
}

function createPost(req: SimRequest, state: MattermostState): SimResponse {
  const userId = callerOf(req, state);
  const body = req.body as Record<string, unknown>;
  const channel = state.channels.get(String(body.channel_id));
  if (!channel || !channel.members.has(userId)) return forbidden();
  const rootId = typeof body.root_id === 'string' ? body.root_id : '';
  if (rootId !== '' && state.posts.get(rootId)?.channel_id !== channel.id)
    return badRequest('api.post.create_post.root_id.app_error', 'Invalid RootId parameter.');
  const props = isRecord(body.props) ? structuredClone(body.props) : {};
  fillActionIds(props);
  const post = addPost(state, {
    user_id: userId,
    channel_id: channel.id,
    message: String(body.message),
    root_id: rootId,
    props,
    file_ids: Array.isArray(body.file_ids) ? body.file_ids.map(String) : [],
    pending_post_id: typeof body.pending_post_id === 'string' ? body.pending_post_id : '',
  });
  publishPosted(state, post, req.query.get('set_online') !== 'false');
  return { status: 201, body: postJson(post) };
}

/** PUT: omitted fields are cleared (use /patch for partial edits, which the subset leaves out). */
function updatePost(req: SimRequest, state: MattermostState): SimResponse {
  const found = visiblePost(req, state);
  if (!('post' in found)) return found;
  const { post, userId } = found;
  const body = updatePostBodySchema.parse(req.body);
  if (body.id !== post.id)
    return badRequest(
      'api.context.invalid_body_param.app_error',
      'Invalid or missing id in request body.',
    );
  if (post.user_id !== userId) return forbidden();
  const now = Date.now();
  post.message = body.message ?? '';
  post.props = body.props ? structuredClone(body.props) : {};
  fillActionIds(post.props);
  post.is_pinned = body.is_pinned ?? false;
  post.file_ids = body.file_ids ?? [];
  post.edit_at = now;
  post.update_at = now;
  publishPostEdited(state, post);
  return { status: 200, body: postJson(post) };
}

function postsForChannel(req: SimRequest, state: MattermostState): SimResponse {
  const userId = callerOf(req, state);
  const channel = state.channels.get(req.params.channel_id ?? '');
  if (!channel || !channel.members.has(userId)) return forbidden();
  const since = Number(req.query.get('since') ?? '0');
  const page = Math.max(0, Number(req.query.get('page') ?? '0'));
  const perPage = Math.min(200, Math.max(1, Number(req.query.get('per_page') ?? '60')));
  const newestFirst = [...state.posts.values()]
    .filter((post) => post.channel_id === channel.id && post.delete_at === 0)
    .sort((a, b) => b.create_at - a.create_at);
  const selected =
    since > 0
      ? newestFirst.filter((post) => post.update_at > since)
      : newestFirst.slice(page * perPage, (page + 1) * perPage);
  return {
    status: 200,
    body: {
      order: selected.map((post) => post.id),
      posts: Object.fromEntries(selected.map((post) => [post.id, postJson(post)])),
      next_post_id: '',
      prev_post_id: '',
      has_next: since > 0 ? false : newestFirst.length > (page + 1) * perPage,
    },
  };
}

function routes(click: MattermostSim['clickButton']): Array<RouteDefinition<MattermostState>> {
  return [
    {
      method: 'GET',
      path: '/api/v4/users/{user_id}',
      handler: (req, s) => {
        const id = req.params.user_id === 'me' ? callerOf(req, s) : (req.params.user_id ?? '');
        const found = s.users.get(id);
        return found ? { status: 200, body: found } : notFound('user');
      },
    },
    {
      method: 'GET',
      path: '/api/v4/users/username/{username}',
      handler: (req, s) => {
        const found = [...s.users.values()].find((u) => u.username === req.params.username);
        return found ? { status: 200, body: found } : notFound('user');
      },
    },
    {
      method: 'GET',
      path: '/api/v4/channels/{channel_id}',
      handler: (req, s) => {
        const found = s.channels.get(req.params.channel_id ?? '');
        if (!found) return notFound('channel');
        if (!found.members.has(callerOf(req, s)) && found.type !== 'O') return forbidden();
        return { status: 200, body: channelJson(found) };
      },
    },
    {
      method: 'POST',
      path: '/api/v4/channels/direct',
      handler: (req, s) => {
        const ids = (req.body as unknown[]).map(String);
        const [a, b] = ids;
        if (a === undefined || b === undefined || !s.users.has(a) || !s.users.has(b))
          return badRequest(
            'api.context.invalid_body_param.app_error',
            'Invalid or missing user_ids in request body.',
          );
        if (!ids.includes(callerOf(req, s))) return forbidden();
        return { status: 201, body: channelJson(ensureDirectChannel(s, a, b)) };
      },
    },
    {
      method: 'GET',
      path: '/api/v4/channels/{channel_id}/posts',
      handler: postsForChannel,
    },
    { method: 'POST', path: '/api/v4/posts', handler: createPost },
    {
      method: 'GET',
      path: '/api/v4/posts/{post_id}',
      handler: (req, s) => {
        const found = visiblePost(req, s);
        return 'post' in found ? { status: 200, body: postJson(found.post) } : found;
      },
    },
    {
      method: 'PUT',
      path: '/api/v4/posts/{post_id}',
      requestBodies: { 'application/json': updatePostBodySchema },
      handler: updatePost,
    },
    {
      method: 'POST',
      path: '/api/v4/posts/{post_id}/actions/{action_id}',
      request: doPostActionBodySchema,
      handler: async (req, s) => {
        const body = isRecord(req.body) ? req.body : {};
        const { answer } = await click({
          postId: req.params.post_id ?? '',
          actionId: req.params.action_id ?? '',
          userId: callerOf(req, s),
          ...(typeof body.selected_option === 'string'
            ? { selectedOption: body.selected_option }
            : {}),
        });
        return { status: answer.status, body: answer.body };
      },
    },
    {
      method: 'POST',
      path: '/api/v4/reactions',
      handler: (req, s) => {
        const userId = callerOf(req, s);
        const body = req.body as Record<string, unknown>;
        if (body.user_id !== userId) return forbidden();
        const post = s.posts.get(String(body.post_id));
        if (!post || typeof body.emoji_name !== 'string' || body.emoji_name === '')
          return badRequest('api.context.invalid_body_param.app_error', 'Invalid reaction.');
        if (!s.channels.get(post.channel_id)?.members.has(userId)) return forbidden();
        const reaction = {
          user_id: userId,
          post_id: post.id,
          emoji_name: body.emoji_name,
          create_at: Date.now(),
        };
        s.reactions.push(reaction);
        post.has_reactions = true;
        publishReactionAdded(s, post, reaction);
        return { status: 201, body: reaction };
      },
    },
  ];
}

/** Starts the simulated Mattermost on 127.0.0.1 (free port); the bot token defaults to `sim-bot-token`. */
export async function startMattermostSim(
  options: MattermostSimOptions = {},
): Promise<MattermostSim> {
  const contract = await loadContract(specPath(SPEC));
  const state = options.state ?? createMattermostState(options);
  const holder: { upstream?: Upstream<MattermostState> } = {};
  const clickButton: MattermostSim['clickButton'] = async (input) => {
    const { response, integration } = await performAction(
      state,
      input,
      (direction, url, status, issues) => {
        holder.upstream?.violations.push(
          createViolation({
            upstream: 'mattermost',
            direction,
            method: 'POST',
            path: url,
            operation: 'interactive button callback (mattermost-bot.md §3)',
            status,
            issues,
          }),
        );
      },
    );
    return {
      answer: { status: response.status, body: response.body },
      ...(integration ? { integration } : {}),
    };
  };
  const upstream = await startUpstream<MattermostState>({
    name: 'mattermost',
    contract,
    state,
    auth: (req) =>
      userOfToken(
        state,
        requestToken(
          { authorization: req.headers.authorization, cookie: req.headers.cookie },
          req.query,
        ),
      ) !== undefined,
    unauthorized: () =>
      appError(
        401,
        'api.context.session_expired.app_error',
        'Invalid or expired session, please login again.',
      ),
    undeclaredErrors: { $ref: '#/components/schemas/AppError' },
    routes: routes(clickButton),
    websocket: ['/api/v4/websocket', '/api/v4/websocket/'].map((path) => ({
      path,
      incoming: incomingMessageSchema,
      outgoing: outgoingMessageSchema,
      onConnection: serveConnection,
    })),
  });
  holder.upstream = upstream;
  state.siteUrl = upstream.url;
  return Object.assign(upstream, {
    userPosts: (input: { userId: string; channelId: string; message: string; rootId?: string }) => {
      const channel = state.channels.get(input.channelId);
      if (!channel) throw new Error(`no channel ${input.channelId}`);
      if (!channel.members.has(input.userId))
        throw new Error(`user ${input.userId} is not a member of ${channel.name}`);
      const post = addPost(state, {
        user_id: input.userId,
        channel_id: channel.id,
        message: input.message,
        root_id: input.rootId ?? '',
      });
      publishPosted(state, post);
      return post;
    },
    clickButton,
    disconnectAll: (code = 1001): number => {
      const open = [...upstream.connections];
      for (const connection of open) connection.close(code);
      return open.length;
    },
  });
}

export {
  DEFAULT_MM_TOKEN,
  DEFAULT_MM_VERSION,
  MM_SEED,
  createMattermostState,
  directChannelName,
  ensureDirectChannel,
  type ActionCallback,
  type ChannelType,
  type EphemeralPost,
  type MattermostState,
  type MattermostStateOptions,
  type MmChannel,
  type MmPost,
  type MmReaction,
  type MmUser,
} from './mattermost/model.js';
export type { ClickResult } from './mattermost/actions.js';
