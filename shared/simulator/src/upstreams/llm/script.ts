// The script a test writes for a simulated model API: the next turns the model answers with,
// failures to answer with, and every request body the simulator received. Why one design for
// Anthropic, Gemini and OpenAI: tests of the orchestrator script "the model" once and run against
// whichever provider, so each simulator only translates a scripted turn into its own wire shape.

/** A tool (function) call the model makes. `args` is sent as given (an object, normally). */
export interface ScriptedToolCall {
  name: string;
  args?: Record<string, unknown>;
  /** Wire id of the call (Anthropic `tool_use.id`, OpenAI `tool_calls[].id`); generated when absent. */
  id?: string;
}

export interface ScriptedReply {
  /** Text the model answers with (before any tool calls). */
  text?: string;
  toolCalls?: ScriptedToolCall[];
  /** No content at all: Anthropic `content: []`, Gemini a candidate without parts, OpenAI `content: null`. */
  empty?: boolean;
  /**
   * Tool arguments that are broken on the wire: OpenAI `arguments` that are not valid JSON,
   * Anthropic `input` / Gemini `args` that are a string instead of an object. Without
   * `toolCalls`, one call to `tool` is made.
   */
  malformedToolArgs?: boolean;
  /** The answer stopped at the token limit (`max_tokens` / `MAX_TOKENS` / `length`). */
  truncated?: boolean;
}

/** Statuses a scripted failure may use: 529 is Anthropic's "overloaded". */
export type ScriptedFailureStatus = 400 | 401 | 403 | 429 | 500 | 503 | 529;

export interface ScriptedFailure {
  status: ScriptedFailureStatus;
  /** Error message (a default per status when absent). */
  message?: string;
  /** Sent as a `Retry-After` header. */
  retryAfterSeconds?: number;
}

export type ScriptedTurn =
  { kind: 'reply'; reply: ScriptedReply } | { kind: 'fail'; failure: ScriptedFailure };

/** The text an empty script answers with (status 500, in the provider's error shape). */
export const NO_SCRIPTED_REPLY =
  'model simulator: no scripted reply left (push one with script.reply() or script.fail())';

/** Broken tool arguments: valid JSON for no one. */
export const MALFORMED_TOOL_ARGS = '{"query": "unterminated';

export class ModelScript {
  private readonly turns: ScriptedTurn[] = [];
  /** Every request body the simulator got (after auth was checked, refused ones included), oldest first. */
  readonly received: unknown[] = [];

  /** Queues the model's next answer. */
  reply(reply: ScriptedReply): this {
    this.turns.push({ kind: 'reply', reply });
    return this;
  }

  /** Queues an error answer for the next request. */
  fail(failure: ScriptedFailure): this {
    this.turns.push({ kind: 'fail', failure });
    return this;
  }

  /** Scripted turns not yet consumed. */
  get pending(): number {
    return this.turns.length;
  }

  /** True when `needle` occurs anywhere in a received body (e.g. a canary secret). */
  sawText(needle: string): boolean {
    return this.received.some((body) => JSON.stringify(body).includes(needle));
  }

  /** Drops the queued turns and the received bodies. */
  clear(): void {
    this.turns.length = 0;
    this.received.length = 0;
  }

  /** Takes the next turn (used by the simulators). */
  next(): ScriptedTurn | undefined {
    return this.turns.shift();
  }
}

/** Deterministic token count: characters / 4, rounded up. */
export function countTokens(value: unknown): number {
  if (value === undefined) return 0;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return Math.ceil(text.length / 4);
}

/** Maps the tool calls of a reply (one call to `tool` when only `malformedToolArgs` is set) to wire calls. */
export function toolCallsOf<T>(
  reply: ScriptedReply,
  wire: (call: ScriptedToolCall, index: number) => T,
): T[] {
  const calls = reply.toolCalls ?? (reply.malformedToolArgs ? [{ name: 'tool' }] : []);
  return calls.map(wire);
}

/** Default error messages by status. */
export function defaultMessage(status: number): string {
  switch (status) {
    case 400:
      return 'simulated invalid request';
    case 401:
      return 'simulated: invalid API key';
    case 403:
      return 'simulated: permission denied';
    case 429:
      return 'simulated: rate limit exceeded';
    case 529:
      return 'simulated: overloaded';
    case 503:
      return 'simulated: service unavailable';
    default:
      return 'simulated internal error';
  }
}
