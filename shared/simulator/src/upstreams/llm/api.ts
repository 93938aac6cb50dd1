// What a simulated model API provides to `startModelSim`: its routes, how it checks the API key
// and how it refuses one, all in the provider's own wire shapes.
import type { RouteDefinition, SimRequest, SimResponse } from '../../types.js';
import type { ModelScript } from './script.js';

export type ModelKind = 'anthropic' | 'gemini' | 'openai';

export interface ModelSimState {
  readonly kind: ModelKind;
  readonly script: ModelScript;
  /** The API key every request must carry. */
  apiKey: string;
  /** Counter behind the generated ids (`msg_sim_1`, `toolu_sim_2`, ...). */
  ids: number;
}

export interface ModelApi {
  routes: Array<RouteDefinition<ModelSimState>>;
  auth: (req: SimRequest, state: ModelSimState) => boolean;
  unauthorized: (req: SimRequest, state: ModelSimState) => SimResponse;
}

export function nextId(state: ModelSimState, prefix: string): string {
  state.ids += 1;
  return `${prefix}${state.ids}`;
}

export function retryAfter(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { 'retry-after': String(seconds) };
}
