// The Anthropic Messages API behind the ModelProvider seam, on the official @anthropic-ai/sdk
// (non-streaming `messages.create`). It translates the neutral conversation into Messages
// blocks (assistant text and tool_use, tool results as a user turn of tool_result blocks), reads
// the answer back through a zod guard, and maps every failure through errors.ts. The SDK is
// loaded on the first call, so a process without an Anthropic key never pays its memory.
import type Anthropic from '@anthropic-ai/sdk';
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
  isJsonObject,
  toolCallWithArguments,
} from './common.js';
import { malformedAnswer, sdkLoadError, stainlessCallError, type CallContext } from './errors.js';

export interface AnthropicProviderOptions {
  apiKey: string;
  /** Default: the SDK's (https://api.anthropic.com). */
  baseUrl?: string;
  /** Per-call limit in ms (default 180 s). */
  timeoutMs?: number;
  /** Retries inside the SDK (default 0: a failed call restarts the triage on the next model). */
  maxRetries?: number;
  /** Named in auth messages (default ORCH_ANTHROPIC_API_KEY). */
  credentialVariable?: string;
  /** Named in connection messages. */
  urlVariable?: string;
}

const DEFAULT_BASE_URL = 'https://api.anthropic.com';

const tokenCount = z.number().int().nonnegative();
const messageSchema = z.looseObject({
  content: z.array(z.looseObject({ type: z.string() })),
  stop_reason: z.string().nullable(),
  usage: z.looseObject({ input_tokens: tokenCount, output_tokens: tokenCount }),
});
const textBlockSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
const toolUseBlockSchema = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown(),
});

const STOP_REASONS: Record<string, ModelResponse['stopReason']> = {
  end_turn: 'end',
  stop_sequence: 'end',
  tool_use: 'tool_calls',
  max_tokens: 'max_tokens',
  model_context_window_exceeded: 'max_tokens',
};

type WireRole = 'user' | 'assistant';

function wireMessages(
  messages: readonly ModelMessage[],
  turns: ToolTurnMemory<Anthropic.ContentBlockParam[]>,
): Anthropic.MessageParam[] {
  const wire: Array<{ role: WireRole; content: Anthropic.ContentBlockParam[] }> = [];
  // Consecutive turns of one role are merged: tool results and a following user text are one turn.
  const append = (role: WireRole, blocks: Anthropic.ContentBlockParam[]): void => {
    if (blocks.length === 0) return;
    const last = wire.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else wire.push({ role, content: [...blocks] });
  };
  for (const message of messages) {
    if (message.role === 'user') {
      if (message.text !== '') append('user', [{ type: 'text', text: message.text }]);
    } else if (message.role === 'assistant') {
      append('assistant', turns.recall(message.toolCalls) ?? assistantBlocks(message));
    } else {
      append(
        'user',
        message.results.map((result) => ({
          type: 'tool_result',
          tool_use_id: result.id,
          content: result.text,
          is_error: result.isError,
        })),
      );
    }
  }
  return wire;
}

function assistantBlocks(
  message: Extract<ModelMessage, { role: 'assistant' }>,
): Anthropic.ContentBlockParam[] {
  const blocks: Anthropic.ContentBlockParam[] = [];
  if (message.text !== '') blocks.push({ type: 'text', text: message.text });
  for (const call of message.toolCalls) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.arguments ?? {} });
  }
  return blocks;
}

function wireTools(request: ModelRequest): Anthropic.Tool[] {
  return request.tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: { ...tool.inputSchema, type: 'object' },
  }));
}

/** The answer's blocks as they must be echoed: everything kept, tool input always an object. */
function echoBlocks(content: readonly Anthropic.ContentBlock[]): Anthropic.ContentBlockParam[] {
  return content.map((block) =>
    block.type === 'tool_use' && !isJsonObject(block.input) ? { ...block, input: {} } : block,
  );
}

export function createAnthropicProvider(options: AnthropicProviderOptions): ModelProvider {
  if (options.apiKey.trim() === '') {
    throw new ConfigError('The Anthropic provider needs an API key', {
      hint: `Set ${options.credentialVariable ?? 'ORCH_ANTHROPIC_API_KEY'}.`,
    });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const turns = new ToolTurnMemory<Anthropic.ContentBlockParam[]>();
  const connect = loadOnce(() =>
    import('@anthropic-ai/sdk').then((sdk) => ({
      sdk,
      client: new sdk.Anthropic({
        apiKey: options.apiKey,
        baseURL: options.baseUrl ?? DEFAULT_BASE_URL,
        timeout: timeoutMs,
        maxRetries: options.maxRetries ?? 0,
      }),
    })),
  );

  return {
    kind: 'anthropic',
    async complete(request: ModelRequest): Promise<ModelResponse> {
      const context: CallContext = {
        service: 'Anthropic',
        model: request.model,
        baseUrl: options.baseUrl ?? DEFAULT_BASE_URL,
        credentialVariable: options.credentialVariable ?? 'ORCH_ANTHROPIC_API_KEY',
        urlVariable: options.urlVariable,
        timeoutMs,
        apiKey: options.apiKey,
        signal: request.signal,
      };
      const { sdk, client } = await connect().catch((error: unknown) => {
        throw sdkLoadError(context, error);
      });
      const tools = wireTools(request);
      let answer: Anthropic.Message;
      try {
        answer = await client.messages.create(
          {
            model: request.model,
            max_tokens: request.maxOutputTokens,
            messages: wireMessages(request.messages, turns),
            ...(request.system === '' ? {} : { system: request.system }),
            ...(tools.length === 0 ? {} : { tools }),
          },
          { signal: request.signal },
        );
      } catch (error) {
        throw stainlessCallError(error, context, sdk);
      }

      const parsed = messageSchema.safeParse(answer);
      if (!parsed.success) throw malformedAnswer(context, parsed.error);
      const texts: string[] = [];
      const toolCalls: ModelToolCall[] = [];
      for (const block of parsed.data.content) {
        if (block.type === 'text') {
          const text = textBlockSchema.safeParse(block);
          if (!text.success) throw malformedAnswer(context, text.error);
          texts.push(text.data.text);
        } else if (block.type === 'tool_use') {
          const use = toolUseBlockSchema.safeParse(block);
          if (!use.success) throw malformedAnswer(context, use.error);
          toolCalls.push(toolCallWithArguments(use.data.id, use.data.name, use.data.input));
        }
      }
      turns.remember(toolCalls, echoBlocks(answer.content));
      return {
        text: texts.join(''),
        toolCalls,
        usage: {
          inputTokens: parsed.data.usage.input_tokens,
          outputTokens: parsed.data.usage.output_tokens,
        },
        stopReason: STOP_REASONS[parsed.data.stop_reason ?? ''] ?? 'other',
      };
    },
  };
}
