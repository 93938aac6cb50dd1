// Simulated model APIs (Anthropic Messages, Gemini generateContent, an OpenAI-compatible LiteLLM
// proxy) that the orchestrator reaches through the real official SDKs. Each test scripts the
// model's next turns (`script.reply`, `script.fail`) and reads what the model was sent
// (`script.received`), e.g. to prove a canary secret never left the orchestrator.
import { startUpstream } from '../upstream.js';
import type { Upstream } from '../types.js';
import { anthropicApi } from './llm/anthropic.js';
import type { ModelApi, ModelKind, ModelSimState } from './llm/api.js';
import { geminiApi } from './llm/gemini.js';
import { openAiApi } from './llm/openai.js';
import { ModelScript } from './llm/script.js';

export type { ModelKind, ModelSimState } from './llm/api.js';
export {
  MALFORMED_TOOL_ARGS,
  ModelScript,
  NO_SCRIPTED_REPLY,
  countTokens,
  type ScriptedFailure,
  type ScriptedFailureStatus,
  type ScriptedReply,
  type ScriptedToolCall,
  type ScriptedTurn,
} from './llm/script.js';

export const DEFAULT_MODEL_API_KEY = 'sim-model-key';

export interface ModelSimOptions {
  kind: ModelKind;
  /** The key every request must carry (default `sim-model-key`). */
  apiKey?: string;
}

export interface ModelSim extends Upstream<ModelSimState> {
  readonly kind: ModelKind;
  readonly script: ModelScript;
}

const APIS: Record<ModelKind, ModelApi> = {
  anthropic: anthropicApi,
  gemini: geminiApi,
  openai: openAiApi,
};

/**
 * Starts a simulated model API on 127.0.0.1. Point the SDK's base URL at `sim.url`
 * (Anthropic `baseURL`, Gemini `httpOptions.baseUrl`, OpenAI `baseURL: sim.url + '/v1'`).
 */
export async function startModelSim(options: ModelSimOptions): Promise<ModelSim> {
  const api = APIS[options.kind];
  const script = new ModelScript();
  const state: ModelSimState = {
    kind: options.kind,
    script,
    apiKey: options.apiKey ?? DEFAULT_MODEL_API_KEY,
    ids: 0,
  };
  const upstream = await startUpstream<ModelSimState>({
    name: `${options.kind}-model`,
    state,
    // Runs once for every request not replaced by a fault: the one place that sees every body.
    auth: (req) => {
      if (req.body !== undefined) script.received.push(req.body);
      return api.auth(req, state);
    },
    unauthorized: (req) => api.unauthorized(req, state),
    routes: api.routes,
  });
  return Object.assign(upstream, { kind: options.kind, script });
}
