// The simulated Anthropic Messages API (POST /v1/messages, JSON or `stream: true` SSE), wire
// compatible with the official `@anthropic-ai/sdk`: request and response shapes follow
// https://docs.anthropic.com/en/api/messages, errors are `{type: 'error', error: {type, message}}`.
import { z } from 'zod';
import type { SimRequest, SimResponse } from '../../types.js';
import { nextId, retryAfter, type ModelApi, type ModelSimState } from './api.js';
import {
  MALFORMED_TOOL_ARGS,
  NO_SCRIPTED_REPLY,
  countTokens,
  defaultMessage,
  toolCallsOf,
  type ScriptedReply,
} from './script.js';

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });
const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown(),
});
const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(textBlock)]).optional(),
  is_error: z.boolean().optional(),
});
const contentBlock = z.discriminatedUnion('type', [textBlock, toolUseBlock, toolResultBlock]);

export const anthropicRequestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['user', 'assistant']),
        content: z.union([z.string(), z.array(contentBlock)]),
      }),
    )
    .min(1),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  tools: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        description: z.string().optional(),
        input_schema: z.looseObject({ type: z.literal('object') }),
      }),
    )
    .optional(),
  tool_choice: z.looseObject({ type: z.enum(['auto', 'any', 'tool', 'none']) }).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().optional(),
});

export const anthropicResponseSchema = z.strictObject({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(
    z.union([
      z.strictObject({ type: z.literal('text'), text: z.string() }),
      z.strictObject({
        type: z.literal('tool_use'),
        id: z.string(),
        name: z.string(),
        input: z.unknown(),
      }),
    ]),
  ),
  stop_reason: z.enum(['end_turn', 'tool_use', 'max_tokens']),
  stop_sequence: z.null(),
  usage: z.strictObject({ input_tokens: z.number().int(), output_tokens: z.number().int() }),
});

type AnthropicMessage = z.infer<typeof anthropicResponseSchema>;

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'api_error',
  529: 'overloaded_error',
};

export function anthropicError(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): SimResponse {
  return {
    status,
    body: { type: 'error', error: { type: ERROR_TYPES[status] ?? 'api_error', message } },
    headers: { 'request-id': `req_sim_${status}`, ...headers },
  };
}

function message(
  reply: ScriptedReply,
  body: z.infer<typeof anthropicRequestSchema>,
  state: ModelSimState,
): AnthropicMessage {
  const content: AnthropicMessage['content'] = [];
  if (!reply.empty) {
    if (reply.text !== undefined) content.push({ type: 'text', text: reply.text });
    content.push(
      ...toolCallsOf(reply, (call) => ({
        type: 'tool_use' as const,
        id: call.id ?? nextId(state, 'toolu_sim_'),
        name: call.name,
        input: reply.malformedToolArgs ? MALFORMED_TOOL_ARGS : (call.args ?? {}),
      })),
    );
  }
  const hasTools = content.some((block) => block.type === 'tool_use');
  return {
    id: nextId(state, 'msg_sim_'),
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: reply.truncated ? 'max_tokens' : hasTools ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: countTokens(body), output_tokens: countTokens(content) },
  };
}

/** The message as the SSE events the streaming API sends. */
function sse(msg: AnthropicMessage): string {
  const events: Array<[string, unknown]> = [
    [
      'message_start',
      {
        type: 'message_start',
        message: {
          ...msg,
          content: [],
          stop_reason: null,
          usage: { ...msg.usage, output_tokens: 0 },
        },
      },
    ],
  ];
  msg.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(
        [
          'content_block_start',
          { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
        ],
        [
          'content_block_delta',
          { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } },
        ],
      );
    } else {
      events.push(
        [
          'content_block_start',
          {
            type: 'content_block_start',
            index,
            content_block: { ...block, input: {} },
          },
        ],
        [
          'content_block_delta',
          {
            type: 'content_block_delta',
            index,
            delta: {
              type: 'input_json_delta',
              partial_json:
                typeof block.input === 'string' ? block.input : JSON.stringify(block.input),
            },
          },
        ],
      );
    }
    events.push(['content_block_stop', { type: 'content_block_stop', index }]);
  });
  events.push(
    [
      'message_delta',
      {
        type: 'message_delta',
        delta: { stop_reason: msg.stop_reason, stop_sequence: null },
        usage: { output_tokens: msg.usage.output_tokens },
      },
    ],
    ['message_stop', { type: 'message_stop' }],
  );
  return events
    .map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    .join('');
}

export const anthropicApi: ModelApi = {
  // `x-api-key` as documented; SDK 1.x sends the key as `Authorization: Bearer`.
  auth: (req: SimRequest, state) =>
    req.headers['x-api-key'] === state.apiKey ||
    req.headers.authorization === `Bearer ${state.apiKey}`,
  unauthorized: () => anthropicError(401, 'invalid x-api-key'),
  routes: [
    {
      method: 'POST',
      path: '/v1/messages',
      request: anthropicRequestSchema,
      response: anthropicResponseSchema,
      handler: (req, state) => {
        if (typeof req.headers['anthropic-version'] !== 'string')
          return anthropicError(400, 'anthropic-version: header is required');
        const body = anthropicRequestSchema.parse(req.body);
        const turn = state.script.next();
        if (!turn) return anthropicError(500, NO_SCRIPTED_REPLY);
        if (turn.kind === 'fail') {
          const { status, message: text, retryAfterSeconds } = turn.failure;
          return anthropicError(
            status,
            text ?? defaultMessage(status),
            retryAfter(retryAfterSeconds),
          );
        }
        const msg = message(turn.reply, body, state);
        if (body.stream)
          return {
            status: 200,
            raw: sse(msg),
            headers: { 'content-type': 'text/event-stream; charset=utf-8' },
            schema: z.string(),
          };
        return { status: 200, body: msg };
      },
    },
  ],
};
