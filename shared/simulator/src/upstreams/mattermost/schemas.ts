// Own zod schemas for what the Mattermost OpenAPI subset does not describe or describes wrongly,
// taken from the written notes (specs/mattermost-bot.md): WebSocket requests, replies and events
// (§2), the interactive-button callback payload and the integration's answer (§3), and the
// UpdatePost body, whose `props` the spec types as a string although it is an object on the wire (§6).
// Why: the framework checks every message against these, as it checks REST against the spec.

import { z } from 'zod';

const seq = z.number().int().positive();

/** Client-to-server requests: `{seq, action, data}` with the documented actions only. */
export const incomingMessageSchema = z.discriminatedUnion('action', [
  z.object({
    seq,
    action: z.literal('authentication_challenge'),
    data: z.object({ token: z.string().min(1) }),
  }),
  z.object({
    seq,
    action: z.literal('user_typing'),
    data: z.object({ channel_id: z.string().min(1), parent_id: z.string().optional() }),
  }),
  z.object({
    seq,
    action: z.literal('get_statuses'),
    data: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({
    seq,
    action: z.literal('get_statuses_by_ids'),
    data: z.object({ user_ids: z.array(z.string()) }),
  }),
]);

const broadcastSchema = z.object({
  omit_users: z.record(z.string(), z.boolean()).nullable(),
  user_id: z.string(),
  channel_id: z.string(),
  team_id: z.string(),
  connection_id: z.string(),
  omit_connection_id: z.string(),
});

/** A JSON string holding a Post without any action `integration` (the double encoding of §2). */
const encodedPost = z.string().superRefine((text, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a JSON-encoded post' });
    return;
  }
  const post = z
    .looseObject({
      id: z.string().length(26),
      user_id: z.string(),
      channel_id: z.string(),
      message: z.string(),
      props: z.record(z.string(), z.unknown()),
    })
    .safeParse(parsed);
  if (!post.success) ctx.addIssue({ code: 'custom', message: 'is not a post' });
  else if (text.includes('"integration"'))
    ctx.addIssue({ code: 'custom', message: 'leaks an action integration' });
});

const event = <E extends string, D extends z.ZodType>(name: E, data: D) =>
  z.object({
    event: z.literal(name),
    data,
    broadcast: broadcastSchema,
    seq: z.number().int().min(0),
  });

export const postedEventSchema = event(
  'posted',
  z.object({
    post: encodedPost,
    channel_type: z.enum(['O', 'P', 'D', 'G']),
    channel_name: z.string(),
    channel_display_name: z.string(),
    sender_name: z.string().startsWith('@'),
    team_id: z.string(),
    set_online: z.boolean(),
    mentions: z.string().optional(),
    followers: z.string().optional(),
  }),
);

/** Server-to-client messages: replies to requests and the events the simulator sends. */
export const outgoingMessageSchema = z.union([
  z.object({ status: z.literal('OK'), seq_reply: seq, data: z.unknown().optional() }),
  z.object({
    status: z.literal('FAIL'),
    seq_reply: z.number().int(),
    error: z.object({ id: z.string(), message: z.string() }),
  }),
  event(
    'hello',
    z.object({
      server_version: z.string(),
      connection_id: z.string().min(1),
      server_hostname: z.string().optional(),
    }),
  ),
  postedEventSchema,
  event('post_edited', z.object({ post: encodedPost })),
  event('reaction_added', z.object({ reaction: z.string() })),
  event('typing', z.object({ parent_id: z.string(), user_id: z.string() })),
]);

/** What Mattermost POSTs to an action's `integration.url` (§3 step 2). */
export const actionCallbackPayloadSchema = z.strictObject({
  user_id: z.string(),
  user_name: z.string(),
  channel_id: z.string(),
  channel_name: z.string(),
  team_id: z.string(),
  team_domain: z.string(),
  post_id: z.string(),
  trigger_id: z.string(),
  type: z.enum(['button', 'select']),
  data_source: z.string(),
  context: z.record(z.string(), z.unknown()),
});

/** The integration's 200 answer (§3 step 3); an empty body is also allowed. */
export const actionCallbackResponseSchema = z.looseObject({
  update: z
    .looseObject({
      message: z.string().optional(),
      props: z.record(z.string(), z.unknown()).optional(),
    })
    .nullable()
    .optional(),
  ephemeral_text: z.string().optional(),
  skip_slack_parsing: z.boolean().optional(),
  error: z.object({ message: z.string() }).optional(),
});

/** The PUT /api/v4/posts/{post_id} body as the server reads it (`props` an object, §6). */
export const updatePostBodySchema = z.looseObject({
  id: z.string().min(1),
  message: z.string().optional(),
  props: z.record(z.string(), z.unknown()).optional(),
  is_pinned: z.boolean().optional(),
  has_reactions: z.boolean().optional(),
  file_ids: z.array(z.string()).optional(),
});

/** The optional DoPostAction body (`DoPostActionRequest`). */
export const doPostActionBodySchema = z
  .looseObject({ selected_option: z.string().optional(), cookie: z.string().optional() })
  .optional();
