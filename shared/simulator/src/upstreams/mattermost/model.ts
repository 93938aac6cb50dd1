// The state of the simulated Mattermost: one team, its users (a bot and two humans), channels
// with members, posts (kept whole, with the integration URL and context of their buttons),
// reactions, ephemeral posts and the log of button callbacks, plus the post JSON clients see.
// Why a module of its own: the REST routes, the WebSocket hub and the button click flow all work
// on this state, and the rules of what a client may see (integration stripped) live in one place.

import { randomBytes } from 'node:crypto';
import type { SimSocket } from '../../types.js';

export const DEFAULT_MM_TOKEN = 'sim-bot-token';
export const DEFAULT_MM_VERSION = '10.11.0';

/** Fixed IDs of the seeded team, users and channels (Mattermost IDs are 26 lowercase letters/digits). */
export const MM_SEED = {
  teamId: 't1'.repeat(13),
  botUserId: 'b0'.repeat(13),
  aliceId: 'a1'.repeat(13),
  bobId: 'b2'.repeat(13),
  townSquareId: 'c1'.repeat(13),
  approvalsChannelId: 'c2'.repeat(13),
} as const;

export type ChannelType = 'O' | 'P' | 'D' | 'G';

export interface MmUser {
  id: string;
  username: string;
  first_name: string;
  last_name: string;
  nickname: string;
  email: string;
  roles: string;
  locale: string;
  is_bot: boolean;
  create_at: number;
  update_at: number;
  delete_at: number;
}

export interface MmChannel {
  id: string;
  team_id: string;
  type: ChannelType;
  name: string;
  display_name: string;
  header: string;
  purpose: string;
  create_at: number;
  update_at: number;
  delete_at: number;
  last_post_at: number;
  total_msg_count: number;
  creator_id: string;
  /** User IDs; not part of the Channel JSON. */
  members: Set<string>;
}

/** A post as stored: `props` keeps every action's `integration` (clients never see it). */
export interface MmPost {
  id: string;
  create_at: number;
  update_at: number;
  edit_at: number;
  delete_at: number;
  is_pinned: boolean;
  has_reactions: boolean;
  user_id: string;
  channel_id: string;
  root_id: string;
  original_id: string;
  message: string;
  type: string;
  props: Record<string, unknown>;
  hashtags: string;
  pending_post_id: string;
  file_ids: string[];
}

export interface MmReaction {
  user_id: string;
  post_id: string;
  emoji_name: string;
  create_at: number;
}

/** An `ephemeral_text` answer of a button callback: shown only to the clicking user. */
export interface EphemeralPost {
  userId: string;
  channelId: string;
  rootId: string;
  message: string;
  createAt: number;
}

/** One interactive-button callback the simulator made (what was sent, what came back). */
export interface ActionCallback {
  postId: string;
  actionId: string;
  url: string;
  payload: Record<string, unknown>;
  /** Integration's HTTP status; 0 when it could not be reached (refused address, timeout, network). */
  status: number;
  body: unknown;
}

/** An authenticated (or not yet authenticated) WebSocket of the hub. */
export interface MmConnection {
  socket: SimSocket;
  userId: string | undefined;
  connectionId: string;
  /** Next event `seq` (0 for the `hello`). */
  seq: number;
}

export interface MattermostState {
  serverVersion: string;
  /** Set when the server starts (`http://127.0.0.1:PORT`). */
  siteUrl: string;
  team: { id: string; name: string; display_name: string };
  users: Map<string, MmUser>;
  /** Access token -> user ID (the bot's token, and any a test adds for humans). */
  tokens: Map<string, string>;
  botUserId: string;
  channels: Map<string, MmChannel>;
  posts: Map<string, MmPost>;
  reactions: MmReaction[];
  ephemeralPosts: EphemeralPost[];
  callbacks: ActionCallback[];
  /** ServiceSettings.AllowedUntrustedInternalConnections (hosts and CIDRs, space/comma separated). */
  allowedUntrustedInternalConnections: string;
  /** ServiceSettings.OutgoingIntegrationRequestsTimeout, in ms. */
  callbackTimeoutMs: number;
  /** How long a WebSocket may stay unauthenticated before it is dropped. */
  wsAuthTimeoutMs: number;
  /** Open WebSockets. */
  hub: Set<MmConnection>;
}

export interface MattermostStateOptions {
  token?: string;
  version?: string;
  /** Default: loopback (`127.0.0.0/8 ::1/128 localhost`), so test callbacks on 127.0.0.1 are allowed. */
  allowedUntrustedInternalConnections?: string;
  callbackTimeoutMs?: number;
  wsAuthTimeoutMs?: number;
}

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh 26-character ID, like Mattermost's `model.NewId`. */
export function newId(): string {
  return [...randomBytes(26)].map((byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');
}

function user(id: string, username: string, isBot: boolean, now: number): MmUser {
  return {
    id,
    username,
    first_name: isBot ? '' : username[0]?.toUpperCase() + username.slice(1),
    last_name: '',
    nickname: '',
    email: `${username}@home.lan`,
    roles: 'system_user',
    locale: 'en',
    is_bot: isBot,
    create_at: now,
    update_at: now,
    delete_at: 0,
  };
}

function channel(
  fields: Pick<MmChannel, 'id' | 'team_id' | 'type' | 'name' | 'display_name' | 'creator_id'>,
  members: string[],
  now: number,
): MmChannel {
  return {
    ...fields,
    header: '',
    purpose: '',
    create_at: now,
    update_at: now,
    delete_at: 0,
    last_post_at: 0,
    total_msg_count: 0,
    members: new Set(members),
  };
}

/** A team `home` with the bot `homelab-bot`, `alice` and `bob`, `town-square` (all) and private `homelab-approvals` (bot, alice). */
export function createMattermostState(options: MattermostStateOptions = {}): MattermostState {
  const now = Date.now();
  const { teamId, botUserId, aliceId, bobId, townSquareId, approvalsChannelId } = MM_SEED;
  const users = [
    user(botUserId, 'homelab-bot', true, now),
    user(aliceId, 'alice', false, now),
    user(bobId, 'bob', false, now),
  ];
  const channels = [
    channel(
      {
        id: townSquareId,
        team_id: teamId,
        type: 'O',
        name: 'town-square',
        display_name: 'Town Square',
        creator_id: '',
      },
      [botUserId, aliceId, bobId],
      now,
    ),
    channel(
      {
        id: approvalsChannelId,
        team_id: teamId,
        type: 'P',
        name: 'homelab-approvals',
        display_name: 'Homelab approvals',
        creator_id: aliceId,
      },
      [botUserId, aliceId],
      now,
    ),
  ];
  return {
    serverVersion: options.version ?? DEFAULT_MM_VERSION,
    siteUrl: '',
    team: { id: teamId, name: 'home', display_name: 'Home' },
    users: new Map(users.map((found) => [found.id, found])),
    tokens: new Map([[options.token ?? DEFAULT_MM_TOKEN, botUserId]]),
    botUserId,
    channels: new Map(channels.map((found) => [found.id, found])),
    posts: new Map(),
    reactions: [],
    ephemeralPosts: [],
    callbacks: [],
    allowedUntrustedInternalConnections:
      options.allowedUntrustedInternalConnections ?? '127.0.0.0/8 ::1/128 localhost',
    callbackTimeoutMs: options.callbackTimeoutMs ?? 30_000,
    wsAuthTimeoutMs: options.wsAuthTimeoutMs ?? 5_000,
    hub: new Set(),
  };
}

/** The DM channel name: both user IDs sorted and joined by `__` (`model.GetDMNameFromIds`). */
export function directChannelName(a: string, b: string): string {
  return [a, b].sort().join('__');
}

/** The DM channel between two users, created when missing. */
export function ensureDirectChannel(state: MattermostState, a: string, b: string): MmChannel {
  const name = directChannelName(a, b);
  const existing = [...state.channels.values()].find(
    (found) => found.type === 'D' && found.name === name,
  );
  if (existing) return existing;
  const created = channel(
    { id: newId(), team_id: '', type: 'D', name, display_name: '', creator_id: a },
    [a, b],
    Date.now(),
  );
  state.channels.set(created.id, created);
  return created;
}

export function channelJson(found: MmChannel): Record<string, unknown> {
  const { members: _members, ...json } = found;
  return json;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The attachments' actions of a post's props (stored copies; mutate with care). */
export function postActions(props: Record<string, unknown>): Array<Record<string, unknown>> {
  const attachments = Array.isArray(props.attachments) ? props.attachments : [];
  return attachments.flatMap((attachment: unknown) =>
    isRecord(attachment) && Array.isArray(attachment.actions)
      ? attachment.actions.filter(isRecord)
      : [],
  );
}

/** The post as clients see it over REST and WebSocket: every action's `integration` removed. */
export function postJson(post: MmPost): Record<string, unknown> {
  const props = structuredClone(post.props);
  for (const action of postActions(props)) delete action.integration;
  return {
    ...post,
    props,
    reply_count: 0,
    last_reply_at: 0,
    participants: null,
    metadata: {},
  };
}

export function addPost(
  state: MattermostState,
  fields: Pick<MmPost, 'user_id' | 'channel_id' | 'message'> &
    Partial<Pick<MmPost, 'root_id' | 'props' | 'file_ids' | 'pending_post_id'>>,
): MmPost {
  const now = Date.now();
  const post: MmPost = {
    id: newId(),
    create_at: now,
    update_at: now,
    edit_at: 0,
    delete_at: 0,
    is_pinned: false,
    has_reactions: false,
    user_id: fields.user_id,
    channel_id: fields.channel_id,
    root_id: fields.root_id ?? '',
    original_id: '',
    message: fields.message,
    type: '',
    props: fields.props ?? {},
    hashtags: '',
    pending_post_id: fields.pending_post_id ?? '',
    file_ids: fields.file_ids ?? [],
  };
  state.posts.set(post.id, post);
  const target = state.channels.get(post.channel_id);
  if (target) {
    target.last_post_at = now;
    target.total_msg_count += 1;
  }
  return post;
}
