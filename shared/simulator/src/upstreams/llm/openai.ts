// The simulated OpenAI-compatible chat API (POST /v1/chat/completions) as a LiteLLM proxy serves
// it, wire compatible with the official `openai` client: function calling with `tool_calls`
// whose `arguments` are a JSON string; errors are `{error: {message, type, param, code}}`.
import { z } from 'zod';
import type { SimResponse } from '../../types.js';
import { nextId, retryAfter, type ModelApi } from './api.js';
import {
  MALFORMED_TOOL_ARGS,
  NO_SCRIPTED_REPLY,
  countTokens,
  defaultMessage,
  toolCallsOf,
} from './script.js';

const textContent = z.union([
  z.string(),
  z.array(z.looseObject({ type: z.literal('text'), text: z.string() })),
]);
const toolCall = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});

export const openAiRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z
    .array(
      z.discriminatedUnion('role', [
        z.looseObject({ role: z.enum(['system', 'developer']), content: textContent }),
        z.looseObject({ role: z.literal('user'), content: textContent }),
        z.looseObject({
          role: z.literal('assistant'),
          content: textContent.nullable().optional(),
          tool_calls: z.array(toolCall).optional(),
        }),
        z.looseObject({
          role: z.literal('tool'),
          tool_call_id: z.string().min(1),
          content: textContent,
        }),
      ]),
    )
    .min(1),
  tools: z
    .array(
      z.looseObject({
        type: z.literal('function'),
        function: z.looseObject({
          name: z.string().min(1),
          description: z.string().optional(),
          parameters: z.looseObject({}).optional(),
        }),
      }),
    )
    .optional(),
  stream: z.literal(false).optional(),
});

export const openAiResponseSchema = z.strictObject({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.strictObject({
      index: z.number().int(),
      message: z.strictObject({
        role: z.literal('assistant'),
        content: z.string().nullable(),
        tool_calls: z
          .array(
            z.strictObject({
              id: z.string(),
              type: z.literal('function'),
              function: z.strictObject({ name: z.string(), arguments: z.string() }),
            }),
          )
          .optional(),
      }),
      finish_reason: z.enum(['stop', 'tool_calls', 'length']),
    }),
  ),
  usage: z.strictObject({
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    total_tokens: z.number().int(),
  }),
});

type Completion = z.infer<typeof openAiResponseSchema>;

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_denied_error',
  429: 'rate_limit_error',
  500: 'internal_server_error',
  503: 'service_unavailable_error',
  529: 'service_unavailable_error',
};

export function openAiError(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): SimResponse {
  return {
    status,
    body: {
      error: {
        message,
        type: ERROR_TYPES[status] ?? 'api_error',
        param: null,
        code: String(status),
      },
    },
    headers,
  };
}

export const openAiApi: ModelApi = {
  auth: (req, state) => req.headers.authorization === `Bearer ${state.apiKey}`,
  unauthorized: () => openAiError(401, 'Authentication Error, Invalid proxy server token passed.'),
  routes: [
    {
      method: 'POST',
      path: '/v1/chat/completions',
      request: openAiRequestSchema,
      response: openAiResponseSchema,
      handler: (req, state) => {
        const body = openAiRequestSchema.parse(req.body);
        const turn = state.script.next();
        if (!turn) return openAiError(500, NO_SCRIPTED_REPLY);
        if (turn.kind === 'fail') {
          const { status, message, retryAfterSeconds } = turn.failure;
          return openAiError(
            status,
            message ?? defaultMessage(status),
            retryAfter(retryAfterSeconds),
          );
        }
        const reply = turn.reply;
        const calls = reply.empty
          ? []
          : toolCallsOf(reply, (call) => ({
              id: call.id ?? nextId(state, 'call_sim_'),
              type: 'function' as const,
              function: {
                name: call.name,
                arguments: reply.malformedToolArgs
                  ? MALFORMED_TOOL_ARGS
                  : JSON.stringify(call.args ?? {}),
              },
            }));
        const text = reply.empty ? null : (reply.text ?? null);
        const message: Completion['choices'][number]['message'] = {
          role: 'assistant',
          content: text,
        };
        if (calls.length > 0) message.tool_calls = calls;
        const prompt = countTokens(body);
        const completion = countTokens(text ?? '') + (calls.length > 0 ? countTokens(calls) : 0);
        const result: Completion = {
          id: nextId(state, 'chatcmpl-sim-'),
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [
            {
              index: 0,
              message,
              finish_reason: reply.truncated ? 'length' : calls.length > 0 ? 'tool_calls' : 'stop',
            },
          ],
          usage: {
            prompt_tokens: prompt,
            completion_tokens: completion,
            total_tokens: prompt + completion,
          },
        };
        return { status: 200, body: result };
      },
    },
  ],
};
