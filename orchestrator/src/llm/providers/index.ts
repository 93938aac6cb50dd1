// The model providers behind the seam in ../provider.ts, and one factory so the orchestrator's
// wiring picks a provider by kind (llm/models.ts says which kind serves an alias). Importing this
// module loads no SDK: each provider loads its own on its first call.
import type { ModelProvider, ProviderKind } from '../provider.js';
import { createAnthropicProvider, type AnthropicProviderOptions } from './anthropic.js';
import {
  createGeminiProvider,
  geminiParameterSchema,
  type GeminiProviderOptions,
} from './gemini.js';
import { createOpenAiCompatibleProvider, type OpenAiCompatibleProviderOptions } from './openai.js';

export {
  createAnthropicProvider,
  createGeminiProvider,
  createOpenAiCompatibleProvider,
  geminiParameterSchema,
};
export type { AnthropicProviderOptions, GeminiProviderOptions, OpenAiCompatibleProviderOptions };
export { DEFAULT_TIMEOUT_MS } from './common.js';
export { retryAfterSeconds } from './errors.js';

export interface ProviderOptionsByKind {
  anthropic: AnthropicProviderOptions;
  gemini: GeminiProviderOptions;
  openai: OpenAiCompatibleProviderOptions;
}

const FACTORIES: { [K in ProviderKind]: (options: ProviderOptionsByKind[K]) => ModelProvider } = {
  anthropic: createAnthropicProvider,
  gemini: createGeminiProvider,
  openai: createOpenAiCompatibleProvider,
};

/** The provider of `kind`, configured by `options`. */
export function createProvider<K extends ProviderKind>(
  kind: K,
  options: ProviderOptionsByKind[K],
): ModelProvider {
  const factory: (options: ProviderOptionsByKind[K]) => ModelProvider = FACTORIES[kind];
  return factory(options);
}
