// The seam between the triage loop and a model API. Each provider (Gemini, Anthropic, an
// OpenAI-compatible LiteLLM proxy) translates one neutral request into its SDK's call and the
// answer back, and maps every failure to a ModelCallError whose kind decides what the triage does
// (a quota, outage, refusal or empty answer restarts the triage on the next model; nothing is
// ever continued across providers). Providers are reached only through llm/gateway.ts, which
// anonymizes everything before it leaves (privacy/).

export type ProviderKind = 'gemini' | 'anthropic' | 'openai';

/** A tool the model may call, with its JSON Schema (as MCP tools/list gives it). */
export interface ModelToolSpec {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

export interface ModelToolCall {
  /** The wire id of the call (generated when the API has none, e.g. Gemini). */
  id: string;
  name: string;
  /** The parsed arguments; undefined when the model sent arguments that are not a JSON object. */
  arguments: Record<string, unknown> | undefined;
  /** Why the arguments could not be used (set exactly when `arguments` is undefined). */
  argumentsError?: string;
}

export interface ModelToolResult {
  /** The id of the call this answers. */
  id: string;
  name: string;
  text: string;
  isError: boolean;
}

export type ModelMessage =
  | { role: 'user'; text: string }
  | { role: 'assistant'; text: string; toolCalls: ModelToolCall[] }
  | { role: 'tool'; results: ModelToolResult[] };

export interface ModelRequest {
  /** The provider's model id (e.g. "gemini-2.5-flash"), or the alias for a LiteLLM proxy. */
  model: string;
  system: string;
  messages: ModelMessage[];
  tools: ModelToolSpec[];
  maxOutputTokens: number;
  signal?: AbortSignal;
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ModelResponse {
  /** The answer's text ('' when it only called tools). */
  text: string;
  toolCalls: ModelToolCall[];
  usage: ModelUsage;
  stopReason: 'end' | 'tool_calls' | 'max_tokens' | 'other';
}

export type ModelFailureKind =
  /** 429, quota or rate limit. */
  | 'quota'
  /** 401/403: the key is wrong or lacks access. */
  | 'auth'
  /** 5xx, 529 overloaded, connection refused or dropped, timeout. */
  | 'unavailable'
  /** 400: the request was refused (too long, bad schema). */
  | 'bad_request'
  /** The answer could not be understood. */
  | 'malformed';

export class ModelCallError extends Error {
  constructor(
    readonly kind: ModelFailureKind,
    message: string,
    readonly status?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }
}

export interface ModelProvider {
  readonly kind: ProviderKind;
  /** One model turn. Throws ModelCallError for every failure (never a raw SDK error). */
  complete(request: ModelRequest): Promise<ModelResponse>;
}
