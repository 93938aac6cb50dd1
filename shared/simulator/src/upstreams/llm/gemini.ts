// The simulated Gemini API (POST /v1beta/models/{model}:generateContent, and /v1/... which
// `@google/genai` 3.x calls by default), wire compatible with
// the official `@google/genai` client: shapes follow
// https://ai.google.dev/api/generate-content, errors are `{error: {code, message, status}}`.
// The path's `:generateContent` is a literal colon, which the `{param}` templates allow.
import { z } from 'zod';
import type { SimRequest, SimResponse } from '../../types.js';
import { retryAfter, type ModelApi } from './api.js';
import {
  MALFORMED_TOOL_ARGS,
  NO_SCRIPTED_REPLY,
  countTokens,
  defaultMessage,
  toolCallsOf,
} from './script.js';

const part = z.union([
  z.looseObject({ text: z.string() }),
  z.looseObject({
    functionCall: z.looseObject({ name: z.string().min(1), args: z.unknown().optional() }),
  }),
  z.looseObject({
    functionResponse: z.looseObject({
      name: z.string().min(1),
      response: z.record(z.string(), z.unknown()),
    }),
  }),
]);
const content = z.looseObject({
  role: z.enum(['user', 'model']).optional(),
  parts: z.array(part),
});

export const geminiRequestSchema = z.looseObject({
  contents: z.array(content).min(1),
  systemInstruction: content.optional(),
  tools: z
    .array(
      z.looseObject({
        functionDeclarations: z
          .array(
            z.looseObject({
              name: z.string().min(1),
              description: z.string().optional(),
              parameters: z.looseObject({}).optional(),
              parametersJsonSchema: z.unknown().optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
  generationConfig: z.looseObject({}).optional(),
});

const responsePart = z.union([
  z.strictObject({ text: z.string() }),
  z.strictObject({ functionCall: z.strictObject({ name: z.string(), args: z.unknown() }) }),
]);

export const geminiResponseSchema = z.strictObject({
  candidates: z.array(
    z.strictObject({
      content: z.strictObject({ role: z.literal('model'), parts: z.array(responsePart) }),
      finishReason: z.enum(['STOP', 'MAX_TOKENS']),
      index: z.number().int(),
    }),
  ),
  usageMetadata: z.strictObject({
    promptTokenCount: z.number().int(),
    candidatesTokenCount: z.number().int(),
    totalTokenCount: z.number().int(),
  }),
  modelVersion: z.string(),
  responseId: z.string(),
});

const STATUSES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  529: 'UNAVAILABLE',
};

export function geminiError(
  code: number,
  message: string,
  headers: Record<string, string> = {},
): SimResponse {
  return {
    status: code,
    body: { error: { code, message, status: STATUSES[code] ?? 'UNKNOWN' } },
    headers,
  };
}

function apiKeyOf(req: SimRequest): string | undefined {
  const header = req.headers['x-goog-api-key'];
  return typeof header === 'string' ? header : (req.query.get('key') ?? undefined);
}

export const geminiApi: ModelApi = {
  auth: (req, state) => apiKeyOf(req) === state.apiKey,
  // As the real API: a wrong key is 400 INVALID_ARGUMENT, a missing one 403 PERMISSION_DENIED.
  unauthorized: (req) =>
    apiKeyOf(req) === undefined
      ? geminiError(
          403,
          "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        )
      : geminiError(400, 'API key not valid. Please pass a valid API key.'),
  routes: ['/v1beta', '/v1'].map((version) => ({
    method: 'POST',
    path: `${version}/models/{model}:generateContent`,
    request: geminiRequestSchema,
    response: geminiResponseSchema,
    handler: (req, state) => {
      const turn = state.script.next();
      if (!turn) return geminiError(500, NO_SCRIPTED_REPLY);
      if (turn.kind === 'fail') {
        const { status, message, retryAfterSeconds } = turn.failure;
        return geminiError(
          status,
          message ?? defaultMessage(status),
          retryAfter(retryAfterSeconds),
        );
      }
      const reply = turn.reply;
      const parts: Array<z.infer<typeof responsePart>> = [];
      if (!reply.empty) {
        if (reply.text !== undefined) parts.push({ text: reply.text });
        parts.push(
          ...toolCallsOf(reply, (call) => ({
            functionCall: {
              name: call.name,
              args: reply.malformedToolArgs ? MALFORMED_TOOL_ARGS : (call.args ?? {}),
            },
          })),
        );
      }
      const promptTokenCount = countTokens(req.body);
      const candidatesTokenCount = countTokens(parts);
      state.ids += 1;
      return {
        status: 200,
        body: {
          candidates: [
            {
              content: { role: 'model', parts },
              finishReason: reply.truncated ? 'MAX_TOKENS' : 'STOP',
              index: 0,
            },
          ],
          usageMetadata: {
            promptTokenCount,
            candidatesTokenCount,
            totalTokenCount: promptTokenCount + candidatesTokenCount,
          },
          modelVersion: req.params.model ?? '',
          responseId: `resp_sim_${state.ids}`,
        },
      };
    },
  })),
};
