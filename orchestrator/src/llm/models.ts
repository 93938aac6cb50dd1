// Which model answers each routing alias by default, and which provider serves it. The ids are
// current, generally available (not preview) models, checked on 2026-11-26:
// - Claude: https://platform.claude.com/docs/en/models/overview (Sonnet 5.5 and Opus 5.5 are the
//   current Sonnet and Opus; Sonnet 5 and Opus 5 are marked legacy).
// - Gemini: https://ai.google.dev/gemini-api/docs/models (Gemini 3.8 Flash stable; Gemini 4 Argon
//   stable, the successor of Gemini 3.1 Pro with tunable thinking, so it serves both the "pro" and
//   the "thinking" alias: there is no separate stable thinking model any more).
// With an OpenAI-compatible proxy (LiteLLM) configured, every alias goes through it under its own
// name, LiteLLM's `model_name`, and the proxy's model_list decides the real model. Config may
// override the model of any alias in both cases.
import type { ModelAlias } from '../plan/route.js';
import type { ProviderKind } from './provider.js';

export const DEFAULT_MODEL_IDS: Readonly<Record<ModelAlias, string>> = {
  'gemini-flash': 'gemini-3.8-flash',
  'gemini-pro': 'gemini-4-argon',
  'gemini-thinking': 'gemini-4-argon',
  'claude-sonnet': 'claude-sonnet-5-5',
  'claude-opus': 'claude-opus-5-5',
};

/** The provider that serves an alias when no proxy is configured. */
export const DIRECT_PROVIDERS: Readonly<Record<ModelAlias, Exclude<ProviderKind, 'openai'>>> = {
  'gemini-flash': 'gemini',
  'gemini-pro': 'gemini',
  'gemini-thinking': 'gemini',
  'claude-sonnet': 'anthropic',
  'claude-opus': 'anthropic',
};

export interface ModelSelection {
  /** True when an OpenAI-compatible proxy (LiteLLM) is configured: it serves every alias. */
  viaProxy: boolean;
  /** Model id per alias (the proxy's model name when viaProxy), replacing the default. */
  overrides?: Partial<Record<ModelAlias, string>>;
}

export interface ModelTarget {
  alias: ModelAlias;
  provider: ProviderKind;
  /** What goes into the request's `model`. */
  model: string;
}

/** The provider and model id that answer `alias`. */
export function resolveModel(alias: ModelAlias, selection: ModelSelection): ModelTarget {
  const override = selection.overrides?.[alias];
  if (selection.viaProxy) return { alias, provider: 'openai', model: override ?? alias };
  return { alias, provider: DIRECT_PROVIDERS[alias], model: override ?? DEFAULT_MODEL_IDS[alias] };
}
