// What the three model providers share, kept in one place so they behave alike: the default
// timeout, reading a tool call's arguments (an object, or an explanation the triage loop sends
// back to the model, never a throw), and the memory of tool-calling turns. Why that memory: a
// tool-calling answer must go back to the API as it came (Claude's thinking blocks and Gemini's
// thought signatures are signed, and a rebuilt turn is refused with a 400), while the neutral
// ModelMessage carries only text and calls. The provider keeps the wire turn, keyed by its call
// ids, and echoes it when the same calls come back in the next request.
import { z } from 'zod';
import type { ModelToolCall } from '../provider.js';

/** Per-call limit when none is configured: long enough for a thinking model's answer. */
export const DEFAULT_TIMEOUT_MS = 180_000;

/**
 * Loads an SDK and builds its client on first use, once (the SDKs cost memory, and a process
 * without that provider's key never needs them). A failed load is tried again on the next call.
 */
export function loadOnce<Loaded>(load: () => Promise<Loaded>): () => Promise<Loaded> {
  let loading: Promise<Loaded> | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
}

const jsonObject = z.record(z.string(), z.unknown());

function quoted(text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > 120 ? `${clean.slice(0, 120)}…` : clean;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string (${quoted(value)})`;
  return `a ${typeof value}`;
}

/**
 * A tool call whose arguments arrived as a value (Anthropic `input`, Gemini `args`). A missing
 * value is no arguments (Gemini omits `args` for a tool without parameters).
 */
export function toolCallWithArguments(id: string, name: string, value: unknown): ModelToolCall {
  if (value === undefined) return { id, name, arguments: {} };
  const parsed = jsonObject.safeParse(value);
  if (parsed.success) return { id, name, arguments: parsed.data };
  return {
    id,
    name,
    arguments: undefined,
    argumentsError: `The arguments for ${name} must be a JSON object, but were ${describeValue(value)}. Call ${name} again with a JSON object.`,
  };
}

/** A tool call whose arguments arrived as JSON text (OpenAI `function.arguments`). */
export function toolCallWithJsonArguments(id: string, name: string, text: string): ModelToolCall {
  if (text.trim() === '') return { id, name, arguments: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      id,
      name,
      arguments: undefined,
      argumentsError: `The arguments for ${name} were not valid JSON (${(error as Error).message}): ${quoted(text)}. Call ${name} again with a JSON object.`,
    };
  }
  return toolCallWithArguments(id, name, value);
}

/** True when `value` is a JSON object (what every API requires as a call's arguments). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return jsonObject.safeParse(value).success;
}

/**
 * The provider's wire form of recent tool-calling turns, keyed by their call ids, oldest
 * forgotten first. Bounded: a triage conversation is short, and a forgotten turn is rebuilt
 * from the neutral message (which older models accept).
 */
export class ToolTurnMemory<WireTurn> {
  private readonly turns = new Map<string, WireTurn>();

  constructor(private readonly capacity = 128) {}

  private static keyOf(calls: readonly Pick<ModelToolCall, 'id'>[]): string | undefined {
    return calls.length === 0 ? undefined : calls.map((call) => call.id).join('\n');
  }

  remember(calls: readonly Pick<ModelToolCall, 'id'>[], turn: WireTurn): void {
    const key = ToolTurnMemory.keyOf(calls);
    if (key === undefined) return;
    this.turns.delete(key);
    this.turns.set(key, turn);
    while (this.turns.size > this.capacity) {
      const oldest = this.turns.keys().next();
      if (oldest.done) break;
      this.turns.delete(oldest.value);
    }
  }

  recall(calls: readonly Pick<ModelToolCall, 'id'>[]): WireTurn | undefined {
    const key = ToolTurnMemory.keyOf(calls);
    return key === undefined ? undefined : this.turns.get(key);
  }
}
