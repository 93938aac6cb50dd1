// The only way out to a cloud model. Every request passes through the triage's Anonymizer here —
// system prompt, messages, tool results, tool descriptions, even the arguments of earlier tool
// calls — so no other module can leak a secret by building a prompt carelessly; tool-call
// arguments coming back are mapped to the real values before anything runs them. A never-send
// match throws before any network request. Each call is written to the ledger (tokens, cost,
// outcome, what was redacted) so quotas hold across restarts.
import type { Logger } from '@homelab/kit';
import type { Db } from '../store/database.js';
import type { Anonymizer } from '../privacy/anonymizer.js';
import { emptyRedactionReport, type RedactionReport } from '../privacy/anonymizer.js';
import type { ModelAlias } from '../plan/route.js';
import type { CallCost } from './pricing.js';
import {
  ModelCallError,
  type ModelProvider,
  type ModelRequest,
  type ModelResponse,
  type ModelUsage,
} from './provider.js';
import {
  modelOrder,
  quotaState,
  recordLlmCall,
  type QuotaConfig,
  type QuotaState,
} from './quota.js';

/** Which provider and model id answer for an alias. */
export interface ModelRoute {
  alias: ModelAlias;
  model: string;
  provider: ModelProvider;
}

export interface ModelGatewayOptions {
  quotas: QuotaConfig;
  /** The cost of one call (llm/pricing.ts costUsd, with the configured overrides). */
  price: (model: string, usage: ModelUsage) => CallCost;
  log: Logger;
  /** Told once a day per alias when its use passes the quota's alert threshold (alert_at). */
  onQuotaWarning?: (state: QuotaState) => void;
}

export interface GatewayReply {
  response: ModelResponse;
  redactions: RedactionReport;
}

export class ModelGateway {
  private readonly routes = new Map<ModelAlias, ModelRoute>();
  /** `<alias> <day>` already warned about. */
  private readonly warned = new Set<string>();

  constructor(
    private readonly db: Db,
    routes: readonly ModelRoute[],
    private readonly options: ModelGatewayOptions,
  ) {
    for (const route of routes) this.routes.set(route.alias, route);
  }

  /** False when no model is configured at all: triage by model is off. */
  get enabled(): boolean {
    return this.routes.size > 0;
  }

  get configuredAliases(): ModelAlias[] {
    return [...this.routes.keys()];
  }

  /**
   * The aliases to try, in order: the routed one and its fallback chain (modelOrder), then any
   * other configured alias as a last resort; only configured ones, each once, none exhausted.
   */
  order(routed: ModelAlias, failed: readonly ModelAlias[], now = new Date()): ModelAlias[] {
    const { quotas } = this.options;
    const extra = this.configuredAliases.filter(
      (alias) => !failed.includes(alias) && !quotaState(this.db, alias, quotas, now).exhausted,
    );
    return [...new Set([...modelOrder(this.db, routed, quotas, failed, now), ...extra])].filter(
      (alias) => this.routes.has(alias),
    );
  }

  private warnNearQuota(alias: ModelAlias, now = new Date()): void {
    const state = quotaState(this.db, alias, this.options.quotas, now);
    const key = `${alias} ${now.toISOString().slice(0, 10)}`;
    if (!state.warn || this.warned.has(key)) return;
    this.warned.add(key);
    this.options.log.warn('model quota nearly used', { ...state });
    this.options.onQuotaWarning?.(state);
  }

  /** Sends one turn, anonymized; the answer's tool arguments and text come back restored. */
  async send(
    alias: ModelAlias,
    anonymizer: Anonymizer,
    request: Omit<ModelRequest, 'model'>,
    triageId?: number,
  ): Promise<GatewayReply> {
    const route = this.routes.get(alias);
    if (!route) throw new ModelCallError('auth', `model alias ${alias} is not configured`);
    const redactions = emptyRedactionReport();
    const outgoing: ModelRequest = {
      model: route.model,
      system: anonymizer.anonymizeValue(request.system, redactions),
      messages: anonymizer.anonymizeValue(request.messages, redactions),
      tools: anonymizer.anonymizeValue(request.tools, redactions),
      maxOutputTokens: request.maxOutputTokens,
      signal: request.signal,
    };
    const record = (outcome: 'ok' | 'error' | 'empty' | 'quota', usage?: ModelUsage) => {
      const cost = usage ? this.options.price(route.model, usage) : { usd: 0, priced: true };
      recordLlmCall(this.db, {
        alias,
        model: route.model,
        provider: route.provider.kind,
        inputTokens: usage?.inputTokens ?? 0,
        outputTokens: usage?.outputTokens ?? 0,
        costUsd: cost.usd,
        costKnown: cost.priced,
        outcome,
        triageId,
        redactions: redactions.replaced,
      });
    };
    let response: ModelResponse;
    try {
      response = await route.provider.complete(outgoing);
    } catch (error) {
      const failure =
        error instanceof ModelCallError
          ? error
          : new ModelCallError(
              'unavailable',
              error instanceof Error ? error.message : String(error),
            );
      record(failure.kind === 'quota' ? 'quota' : 'error');
      this.options.log.warn('model call failed', {
        alias,
        model: route.model,
        kind: failure.kind,
        status: failure.status,
      });
      throw failure;
    }
    const empty = response.text.trim() === '' && response.toolCalls.length === 0;
    record(empty ? 'empty' : 'ok', response.usage);
    this.warnNearQuota(alias);
    return {
      response: {
        ...response,
        text: anonymizer.restore(response.text),
        toolCalls: response.toolCalls.map((call) => ({
          ...call,
          arguments: call.arguments === undefined ? undefined : anonymizer.restore(call.arguments),
        })),
      },
      redactions,
    };
  }
}
