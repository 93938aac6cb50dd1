// An OpenAI-compatible chat completions API (a LiteLLM proxy in front of Gemini and Claude)
// behind the ModelProvider seam, on the official `openai` SDK. Tool-call arguments arrive as JSON
// text: text that is not a JSON object becomes a call with `argumentsError` (the triage loop
// answers the model with it) rather than a failure. The SDK is loaded on the first call.
import type OpenAI from 'openai';
import { ConfigError } from '@homelab/kit';
import { z } from 'zod';
import type {
  ModelMessage,
  ModelProvider,
  ModelRequest,
  ModelResponse,
  ModelToolCall,
} from '../provider.js';
import {
  DEFAULT_TIMEOUT_MS,
  ToolTurnMemory,
  loadOnce,
  toolCallWithJsonArguments,
} from './common.js';
import { malformedAnswer, sdkLoadError, stainlessCallError, type CallContext } from './errors.js';

export interface OpenAiCompatibleProviderOptions {
  apiKey: string;
  /** The proxy's API root, e.g. http://litellm:4000/v1. */
  baseUrl: string;
  /** Per-call limit in ms (default 180 s). */
  timeoutMs?: number;
  /** Retries inside the SDK (default 0: a failed call restarts the triage on the next model). */
  maxRetries?: number;
  /** As a person knows the proxy (default "LiteLLM proxy"). */
  service?: string;
  /** Named in auth messages (default ORCH_LITELLM_API_KEY). */
  credentialVariable?: string;
  /** Named in connection messages. */
  urlVariable?: string;
}

const tokenCount = z.number().int().nonnegative();
// Only function tools are offered, so a call of any other type is not an answer we can use.
const toolCallSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});
const choiceSchema = z.looseObject({
  message: z.looseObject({
    content: z.string().nullable().optional(),
    tool_calls: z.array(toolCallSchema).nullable().optional(),
  }),
  finish_reason: z.string().nullable(),
});
const completionSchema = z.looseObject({
  choices: z.tuple([choiceSchema], choiceSchema),
  usage: z
    .looseObject({ prompt_tokens: tokenCount, completion_tokens: tokenCount })
    .nullable()
    .optional(),
});

const FINISH_REASONS: Record<string, ModelResponse['stopReason']> = {
  stop: 'end',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  length: 'max_tokens',
};

/** The assistant message to echo: its raw tool calls, which may carry proxy-specific fields. */
type AssistantTurn = OpenAI.ChatCompletionAssistantMessageParam;

function assistantMessage(message: Extract<ModelMessage, { role: 'assistant' }>): AssistantTurn {
  return {
    role: 'assistant',
    content: message.text === '' ? null : message.text,
    ...(message.toolCalls.length === 0
      ? {}
      : {
          tool_calls: message.toolCalls.map((call) => ({
            id: call.id,
            type: 'function' as const,
            function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) },
          })),
        }),
  };
}

function wireMessages(
  request: ModelRequest,
  turns: ToolTurnMemory<AssistantTurn>,
): OpenAI.ChatCompletionMessageParam[] {
  const wire: OpenAI.ChatCompletionMessageParam[] = [];
  if (request.system !== '') wire.push({ role: 'system', content: request.system });
  for (const message of request.messages) {
    if (message.role === 'user') {
      wire.push({ role: 'user', content: message.text });
    } else if (message.role === 'assistant') {
      wire.push(turns.recall(message.toolCalls) ?? assistantMessage(message));
    } else {
      // A tool message has no error flag: the text says it.
      for (const result of message.results) {
        wire.push({
          role: 'tool',
          tool_call_id: result.id,
          content: result.isError ? `Error: ${result.text}` : result.text,
        });
      }
    }
  }
  return wire;
}

function wireTools(request: ModelRequest): OpenAI.ChatCompletionFunctionTool[] {
  return request.tools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
  }));
}

export function createOpenAiCompatibleProvider(
  options: OpenAiCompatibleProviderOptions,
): ModelProvider {
  const credentialVariable = options.credentialVariable ?? 'ORCH_LITELLM_API_KEY';
  if (options.apiKey.trim() === '') {
    throw new ConfigError('The OpenAI-compatible provider needs an API key', {
      hint: `Set ${credentialVariable} (the proxy's master or virtual key).`,
    });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const turns = new ToolTurnMemory<AssistantTurn>();
  const connect = loadOnce(() =>
    import('openai').then((sdk) => ({
      sdk,
      client: new sdk.OpenAI({
        apiKey: options.apiKey,
        baseURL: options.baseUrl,
        timeout: timeoutMs,
        maxRetries: options.maxRetries ?? 0,
      }),
    })),
  );

  return {
    kind: 'openai',
    async complete(request: ModelRequest): Promise<ModelResponse> {
      const context: CallContext = {
        service: options.service ?? 'LiteLLM proxy',
        model: request.model,
        baseUrl: options.baseUrl,
        credentialVariable,
        urlVariable: options.urlVariable,
        timeoutMs,
        apiKey: options.apiKey,
        signal: request.signal,
      };
      const { sdk, client } = await connect().catch((error: unknown) => {
        throw sdkLoadError(context, error);
      });
      const tools = wireTools(request);
      let answer: OpenAI.ChatCompletion;
      try {
        answer = await client.chat.completions.create(
          {
            model: request.model,
            messages: wireMessages(request, turns),
            max_tokens: request.maxOutputTokens,
            ...(tools.length === 0 ? {} : { tools }),
          },
          { signal: request.signal },
        );
      } catch (error) {
        throw stainlessCallError(error, context, sdk);
      }

      const parsed = completionSchema.safeParse(answer);
      if (!parsed.success) throw malformedAnswer(context, parsed.error);
      const [choice] = parsed.data.choices;
      const rawCalls = choice.message.tool_calls ?? [];
      const toolCalls: ModelToolCall[] = rawCalls.map((call) =>
        toolCallWithJsonArguments(call.id, call.function.name, call.function.arguments),
      );
      if (rawCalls.length > 0) {
        turns.remember(toolCalls, {
          role: 'assistant',
          content: choice.message.content ?? null,
          // Echoed as received (a proxy may carry provider data on them), arguments made valid JSON.
          tool_calls: rawCalls.map((call, index) => ({
            ...call,
            function: {
              ...call.function,
              arguments: toolCalls[index]?.arguments === undefined ? '{}' : call.function.arguments,
            },
          })),
        });
      }
      return {
        text: choice.message.content ?? '',
        toolCalls,
        usage: {
          inputTokens: parsed.data.usage?.prompt_tokens ?? 0,
          outputTokens: parsed.data.usage?.completion_tokens ?? 0,
        },
        stopReason: FINISH_REASONS[choice.finish_reason ?? ''] ?? 'other',
      };
    },
  };
}
