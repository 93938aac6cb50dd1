// The Gemini API behind the ModelProvider seam, on the official @google/genai
// (`models.generateContent`). Model turns are role 'model' with functionCall parts, tool results
// go back as functionResponse parts in a 'user' turn, and call ids are generated where Gemini
// gives none. Tool schemas are sent as `parametersJsonSchema` without the keys Gemini refuses.
// The SDK is loaded on the first call; its errors carry no headers, so each call records the
// Retry-After header through its own fetch.
import { randomUUID } from 'node:crypto';
import type { Content, FunctionDeclaration, Part } from '@google/genai';
import type * as GeminiSdk from '@google/genai';
import { ConfigError } from '@homelab/kit';
import { z } from 'zod';
import type {
  ModelMessage,
  ModelProvider,
  ModelRequest,
  ModelResponse,
  ModelToolCall,
  ModelToolResult,
} from '../provider.js';
import {
  DEFAULT_TIMEOUT_MS,
  ToolTurnMemory,
  loadOnce,
  isJsonObject,
  toolCallWithArguments,
} from './common.js';
import { geminiCallError, malformedAnswer, sdkLoadError, type CallContext } from './errors.js';

export interface GeminiProviderOptions {
  apiKey: string;
  /** Default: the SDK's (https://generativelanguage.googleapis.com). */
  baseUrl?: string;
  /** Per-call limit in ms (default 180 s). */
  timeoutMs?: number;
  /** Named in auth messages (default ORCH_GEMINI_API_KEY). */
  credentialVariable?: string;
  /** Named in connection messages. */
  urlVariable?: string;
}

const DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com';

/** Prefix of the ids generated for calls Gemini sent without one (never sent to Gemini). */
const GENERATED_ID_PREFIX = 'gemini-call-';

const tokenCount = z.number().int().nonnegative();
const partSchema = z.looseObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  functionCall: z
    .looseObject({ id: z.string().optional(), name: z.string().min(1), args: z.unknown() })
    .optional(),
});
const responseSchema = z.looseObject({
  candidates: z
    .array(
      z.looseObject({
        content: z.looseObject({ parts: z.array(partSchema).optional() }).optional(),
        finishReason: z.string().optional(),
      }),
    )
    .optional(),
  // Zero counts are omitted on the wire (proto3 JSON), so every count is optional.
  usageMetadata: z
    .looseObject({
      promptTokenCount: tokenCount.optional(),
      candidatesTokenCount: tokenCount.optional(),
      thoughtsTokenCount: tokenCount.optional(),
    })
    .optional(),
});

/** JSON Schema keys Gemini refuses in `parametersJsonSchema` (MCP servers send `$schema`). */
const REFUSED_SCHEMA_KEYS = new Set(['$schema']);
/** Keys whose value is one schema, and keys whose value maps names (or indexes) to schemas. */
const SUBSCHEMA_KEYS = new Set(['items', 'additionalProperties', 'not', 'if', 'then', 'else']);
const SUBSCHEMA_COLLECTION_KEYS = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'anyOf',
  'oneOf',
  'allOf',
  'prefixItems',
]);

/** The schema without the keys Gemini refuses, at every level where a schema may appear. */
export function geminiParameterSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(geminiParameterSchema);
  if (!isJsonObject(schema)) return schema;
  const cleaned: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (REFUSED_SCHEMA_KEYS.has(key)) continue;
    if (SUBSCHEMA_KEYS.has(key)) cleaned[key] = geminiParameterSchema(value);
    else if (SUBSCHEMA_COLLECTION_KEYS.has(key))
      cleaned[key] = Array.isArray(value)
        ? value.map(geminiParameterSchema)
        : isJsonObject(value)
          ? Object.fromEntries(
              Object.entries(value).map(([name, sub]) => [name, geminiParameterSchema(sub)]),
            )
          : value;
    else cleaned[key] = value;
  }
  return cleaned;
}

function wireId(id: string): { id?: string } {
  return id.startsWith(GENERATED_ID_PREFIX) ? {} : { id };
}

function functionResponsePart(result: ModelToolResult): Part {
  return {
    functionResponse: {
      ...wireId(result.id),
      name: result.name,
      response: result.isError ? { error: result.text } : { output: result.text },
    },
  };
}

function modelParts(message: Extract<ModelMessage, { role: 'assistant' }>): Part[] {
  const parts: Part[] = [];
  if (message.text !== '') parts.push({ text: message.text });
  for (const call of message.toolCalls) {
    parts.push({
      functionCall: { ...wireId(call.id), name: call.name, args: call.arguments ?? {} },
    });
  }
  return parts;
}

function wireContents(messages: readonly ModelMessage[], turns: ToolTurnMemory<Part[]>): Content[] {
  const contents: Array<{ role: 'user' | 'model'; parts: Part[] }> = [];
  // Consecutive turns of one role are merged: function responses and a following user text are one turn.
  const append = (role: 'user' | 'model', parts: Part[]): void => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts: [...parts] });
  };
  for (const message of messages) {
    if (message.role === 'user') {
      if (message.text !== '') append('user', [{ text: message.text }]);
    } else if (message.role === 'assistant') {
      append('model', turns.recall(message.toolCalls) ?? modelParts(message));
    } else {
      append('user', message.results.map(functionResponsePart));
    }
  }
  return contents;
}

function functionDeclarations(request: ModelRequest): FunctionDeclaration[] {
  return request.tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    parametersJsonSchema: geminiParameterSchema(tool.inputSchema),
  }));
}

/** The answer's parts as they must be echoed: thought signatures kept, args always an object. */
function echoParts(parts: readonly Part[]): Part[] {
  return parts.map((part) =>
    part.functionCall && !isJsonObject(part.functionCall.args ?? {})
      ? { ...part, functionCall: { ...part.functionCall, args: {} } }
      : part,
  );
}

function stopReason(
  finishReason: string | undefined,
  toolCalls: readonly ModelToolCall[],
): ModelResponse['stopReason'] {
  if (finishReason === 'MAX_TOKENS') return 'max_tokens';
  if (finishReason === undefined || finishReason === 'STOP')
    return toolCalls.length > 0 ? 'tool_calls' : 'end';
  return 'other';
}

export function createGeminiProvider(options: GeminiProviderOptions): ModelProvider {
  if (options.apiKey.trim() === '') {
    throw new ConfigError('The Gemini provider needs an API key', {
      hint: `Set ${options.credentialVariable ?? 'ORCH_GEMINI_API_KEY'}.`,
    });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const turns = new ToolTurnMemory<Part[]>();
  const connect = loadOnce(() =>
    import('@google/genai').then((sdk) => ({
      sdk,
      client: new sdk.GoogleGenAI({
        apiKey: options.apiKey,
        // The Gemini Developer API, whatever GOOGLE_GENAI_USE_VERTEXAI says.
        enterprise: false,
        httpOptions: { baseUrl: options.baseUrl ?? DEFAULT_BASE_URL, timeout: timeoutMs },
      }),
    })),
  );

  return {
    kind: 'gemini',
    async complete(request: ModelRequest): Promise<ModelResponse> {
      const context: CallContext = {
        service: 'Gemini',
        model: request.model,
        baseUrl: options.baseUrl ?? DEFAULT_BASE_URL,
        credentialVariable: options.credentialVariable ?? 'ORCH_GEMINI_API_KEY',
        urlVariable: options.urlVariable,
        timeoutMs,
        apiKey: options.apiKey,
        signal: request.signal,
      };
      const { sdk, client } = await connect().catch((error: unknown) => {
        throw sdkLoadError(context, error);
      });
      let retryAfterHeader: string | null = null;
      const fetchRecordingRetryAfter = async (
        ...args: Parameters<typeof fetch>
      ): Promise<Response> => {
        const response = await fetch(...args);
        if (!response.ok) retryAfterHeader = response.headers.get('retry-after');
        return response;
      };
      const declarations = functionDeclarations(request);
      let answer: GeminiSdk.GenerateContentResponse;
      try {
        answer = await client.models.generateContent({
          model: request.model,
          contents: wireContents(request.messages, turns),
          config: {
            ...(request.system === '' ? {} : { systemInstruction: request.system }),
            ...(declarations.length === 0
              ? {}
              : { tools: [{ functionDeclarations: declarations }] }),
            maxOutputTokens: request.maxOutputTokens,
            abortSignal: request.signal,
            httpOptions: { fetch: fetchRecordingRetryAfter },
          },
        });
      } catch (error) {
        throw geminiCallError(error, context, sdk, retryAfterHeader);
      }

      const parsed = responseSchema.safeParse(answer);
      if (!parsed.success) throw malformedAnswer(context, parsed.error);
      const candidate = parsed.data.candidates?.[0];
      const texts: string[] = [];
      const toolCalls: ModelToolCall[] = [];
      for (const part of candidate?.content?.parts ?? []) {
        if (part.functionCall) {
          const { id, name, args } = part.functionCall;
          toolCalls.push(
            toolCallWithArguments(id ?? `${GENERATED_ID_PREFIX}${randomUUID()}`, name, args),
          );
        } else if (part.text !== undefined && part.thought !== true) {
          texts.push(part.text);
        }
      }
      turns.remember(toolCalls, echoParts(answer.candidates?.[0]?.content?.parts ?? []));
      const usage = parsed.data.usageMetadata;
      return {
        text: texts.join(''),
        toolCalls,
        usage: {
          inputTokens: usage?.promptTokenCount ?? 0,
          // Thinking tokens are billed as output.
          outputTokens: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0),
        },
        stopReason: candidate ? stopReason(candidate.finishReason, toolCalls) : 'other',
      };
    },
  };
}
