// The WebSocket API of the simulated Mattermost (/api/v4/websocket, mattermost-bot.md §2):
// authentication by header at upgrade or by `authentication_challenge`, the `hello` event, the
// per-connection event `seq`, replies to requests, and the hub that sends `posted`,
// `post_edited` and `reaction_added` to the members of a channel.
// Why: the bot reads plain-text replies over this socket; its handshake, its double decoding of
// `data.post` and its reaction to dropped sockets must be proven against this behaviour.

import { SimSocketConnection } from '../../sim-socket.js';
import type { SimSocket } from '../../types.js';
import {
  newId,
  postJson,
  type MattermostState,
  type MmChannel,
  type MmConnection,
  type MmPost,
} from './model.js';

/** Resolves a token to a user ID (undefined for unknown tokens). */
export function userOfToken(state: MattermostState, token: string | undefined): string | undefined {
  return token === undefined ? undefined : state.tokens.get(token);
}

/**
 * The token of a request as the server reads it, in order: `MMAUTHTOKEN` cookie, `Authorization:
 * Bearer` (prefix any case), `Authorization: Token`, `access_token` query parameter.
 */
export function requestToken(
  headers: { authorization?: string; cookie?: string },
  query: URLSearchParams,
): string | undefined {
  const cookie = /(?:^|;\s*)MMAUTHTOKEN=([^;]+)/.exec(headers.cookie ?? '')?.[1];
  if (cookie) return cookie;
  const header = headers.authorization ?? '';
  const scheme = /^(bearer|token) (.+)$/i.exec(header);
  if (scheme?.[2]) return scheme[2];
  return query.get('access_token') ?? undefined;
}

function broadcast(channelId: string, userId = ''): Record<string, unknown> {
  return {
    omit_users: null,
    user_id: userId,
    channel_id: channelId,
    team_id: '',
    connection_id: '',
    omit_connection_id: '',
  };
}

function sendEvent(
  conn: MmConnection,
  event: string,
  data: Record<string, unknown>,
  cast: Record<string, unknown>,
): void {
  conn.socket.send({ event, data, broadcast: cast, seq: conn.seq });
  conn.seq += 1;
}

/** Sends an event to every authenticated connection of a member of `channel`; `data` may depend on the receiver. */
function publishToChannel(
  state: MattermostState,
  channel: MmChannel,
  event: string,
  data: (userId: string) => Record<string, unknown>,
): void {
  for (const conn of state.hub) {
    if (conn.userId === undefined || conn.socket.closed || !channel.members.has(conn.userId))
      continue;
    sendEvent(conn, event, data(conn.userId), broadcast(channel.id));
  }
}

/** The `posted` event for a new post (one copy per receiver: `mentions` only for the mentioned). */
export function publishPosted(state: MattermostState, post: MmPost, setOnline = true): void {
  const channel = state.channels.get(post.channel_id);
  const sender = state.users.get(post.user_id);
  if (!channel || !sender) return;
  const encoded = JSON.stringify(postJson(post));
  const displayName = channel.type === 'D' ? `@${sender.username}` : channel.display_name;
  publishToChannel(state, channel, 'posted', (receiverId) => {
    const receiver = state.users.get(receiverId);
    const mentioned =
      receiverId !== sender.id &&
      (channel.type === 'D' ||
        (receiver !== undefined && post.message.includes(`@${receiver.username}`)));
    return {
      channel_type: channel.type,
      channel_name: channel.name,
      channel_display_name: displayName,
      sender_name: `@${sender.username}`,
      team_id: channel.type === 'D' || channel.type === 'G' ? '' : channel.team_id,
      set_online: setOnline,
      post: encoded,
      ...(mentioned ? { mentions: JSON.stringify([receiverId]) } : {}),
    };
  });
}

export function publishPostEdited(state: MattermostState, post: MmPost): void {
  const channel = state.channels.get(post.channel_id);
  if (!channel) return;
  const encoded = JSON.stringify(postJson(post));
  publishToChannel(state, channel, 'post_edited', () => ({ post: encoded }));
}

export function publishReactionAdded(
  state: MattermostState,
  post: MmPost,
  reaction: Record<string, unknown>,
): void {
  const channel = state.channels.get(post.channel_id);
  if (!channel) return;
  const encoded = JSON.stringify(reaction);
  publishToChannel(state, channel, 'reaction_added', () => ({ reaction: encoded }));
}

/** Closes the TCP connection without a close frame (gorilla's `Conn.Close`; the client sees 1006). */
function drop(socket: SimSocket): void {
  if (socket instanceof SimSocketConnection) socket.disconnect(undefined);
  else socket.close(1008);
}

function fail(socket: SimSocket, seq: number, id: string, message: string): void {
  socket.send({ status: 'FAIL', seq_reply: seq, error: { id, message } });
}

function authenticate(state: MattermostState, conn: MmConnection, userId: string): void {
  conn.userId = userId;
  sendEvent(
    conn,
    'hello',
    {
      server_version: state.serverVersion,
      connection_id: conn.connectionId,
      server_hostname: 'mattermost-sim',
    },
    broadcast('', userId),
  );
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function handleRequest(state: MattermostState, conn: MmConnection, message: unknown): void {
  const { socket } = conn;
  if (!isRecord(message)) return;
  const seq = typeof message.seq === 'number' ? message.seq : 0;
  const data = isRecord(message.data) ? message.data : {};
  if (message.action === 'authentication_challenge') {
    const userId = userOfToken(state, typeof data.token === 'string' ? data.token : undefined);
    if (userId === undefined) {
      drop(socket);
      return;
    }
    socket.send({ status: 'OK', seq_reply: seq });
    if (conn.userId === undefined) authenticate(state, conn, userId);
    return;
  }
  if (seq <= 0) {
    fail(
      socket,
      seq,
      'api.web_socket_router.bad_seq.app_error',
      'Invalid sequence for WebSocket message.',
    );
    return;
  }
  if (conn.userId === undefined) {
    fail(socket, seq, 'api.web_socket_router.not_authenticated.app_error', 'Not authenticated.');
    return;
  }
  switch (message.action) {
    case 'user_typing': {
      socket.send({ status: 'OK', seq_reply: seq });
      return;
    }
    case 'get_statuses': {
      const statuses = Object.fromEntries([...state.users.keys()].map((id) => [id, 'online']));
      socket.send({ status: 'OK', seq_reply: seq, data: statuses });
      return;
    }
    case 'get_statuses_by_ids': {
      const ids = Array.isArray(data.user_ids) ? data.user_ids.map(String) : [];
      const statuses = Object.fromEntries(
        ids.filter((id) => state.users.has(id)).map((id) => [id, 'online']),
      );
      socket.send({ status: 'OK', seq_reply: seq, data: statuses });
      return;
    }
    default:
      fail(
        socket,
        seq,
        'api.web_socket_router.bad_action.app_error',
        'Invalid action for WebSocket message.',
      );
  }
}

/** Serves one WebSocket: header auth at upgrade, else a challenge within `wsAuthTimeoutMs`. */
export function serveConnection(socket: SimSocket, state: MattermostState): void {
  const conn: MmConnection = { socket, userId: undefined, connectionId: newId(), seq: 0 };
  state.hub.add(conn);
  socket.onClose(() => state.hub.delete(conn));
  const headerUser = userOfToken(
    state,
    requestToken(
      {
        authorization: socket.request.headers.authorization,
        cookie: socket.request.headers.cookie,
      },
      socket.request.query,
    ),
  );
  if (headerUser !== undefined) authenticate(state, conn, headerUser);
  else {
    const timer = setTimeout(() => {
      if (conn.userId === undefined) drop(socket);
    }, state.wsAuthTimeoutMs);
    timer.unref();
    socket.onClose(() => clearTimeout(timer));
  }
  socket.onMessage((message) => handleRequest(state, conn, message));
}
