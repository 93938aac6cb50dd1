// Model quotas and the cost ledger, in our own SQLite (the seed's quota_config): per alias daily
// and weekly call limits with an alert threshold, every call recorded with tokens and cost, and
// the choice of the model to use — the routed alias, or the first alias of the fallback chain that
// still has quota. A triage that must fall back restarts whole on that model (never mid-conversation).
import type { Db } from '../store/database.js';
import { MODEL_ALIASES, type ModelAlias } from '../plan/route.js';

export interface AliasQuota {
  dailyLimit?: number;
  weeklyLimit?: number;
  /** Fraction of a limit at which the owner is warned (e.g. 0.7). */
  alertAt?: number;
}

export interface QuotaConfig {
  limits: Partial<Record<ModelAlias, AliasQuota>>;
  fallbackChain: ModelAlias[];
}

/** The seed's quota_config. */
export const DEFAULT_QUOTAS: QuotaConfig = {
  limits: {
    'claude-sonnet': { dailyLimit: 20, weeklyLimit: 100, alertAt: 0.7 },
    'claude-opus': { dailyLimit: 5, weeklyLimit: 20, alertAt: 0.5 },
  },
  fallbackChain: ['gemini-thinking', 'gemini-pro', 'gemini-flash'],
};

export interface LlmCallRecord {
  alias: ModelAlias;
  model: string;
  provider: 'gemini' | 'anthropic' | 'openai';
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** False when the model has no known price (costUsd is then 0 but means unknown). */
  costKnown?: boolean;
  outcome: 'ok' | 'error' | 'empty' | 'quota';
  /** The triage this call belonged to. */
  triageId?: number;
  /** What the privacy filter replaced in this call, by kind (counts only). */
  redactions?: Record<string, number>;
}

export function recordLlmCall(db: Db, call: LlmCallRecord, now = new Date()): void {
  db.prepare(
    'INSERT INTO llm_calls (alias, model, provider, at, input_tokens, output_tokens, cost_usd, outcome, triage_id, redactions, cost_known) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(
    call.alias,
    call.model,
    call.provider,
    now.toISOString(),
    call.inputTokens,
    call.outputTokens,
    call.costUsd,
    call.outcome,
    call.triageId ?? null,
    JSON.stringify(call.redactions ?? {}),
    call.costKnown === false ? 0 : 1,
  );
}

function callsSince(db: Db, alias: ModelAlias, since: Date): number {
  const row = db
    .prepare(
      "SELECT COUNT(*) AS n FROM llm_calls WHERE alias = ? AND at >= ? AND outcome != 'quota'",
    )
    .get(alias, since.toISOString()) as {
    n: number;
  };
  return row.n;
}

export interface QuotaState {
  alias: ModelAlias;
  daily: number;
  weekly: number;
  exhausted: boolean;
  /** True when a limit has passed its alert threshold. */
  warn: boolean;
}

export function quotaState(
  db: Db,
  alias: ModelAlias,
  config: QuotaConfig,
  now = new Date(),
): QuotaState {
  const limits = config.limits[alias] ?? {};
  const daily = callsSince(db, alias, new Date(now.getTime() - 24 * 3_600_000));
  const weekly = callsSince(db, alias, new Date(now.getTime() - 7 * 24 * 3_600_000));
  const over = (used: number, limit?: number) => limit !== undefined && used >= limit;
  const near = (used: number, limit?: number) =>
    limit !== undefined && used >= limit * (limits.alertAt ?? 1);
  return {
    alias,
    daily,
    weekly,
    exhausted: over(daily, limits.dailyLimit) || over(weekly, limits.weeklyLimit),
    warn: near(daily, limits.dailyLimit) || near(weekly, limits.weeklyLimit),
  };
}

/**
 * The aliases to try, in order: the routed one (when it has quota) and then the fallback chain,
 * each once, skipping exhausted ones and any in `failed` (an earlier attempt errored or was empty).
 */
export function modelOrder(
  db: Db,
  routed: ModelAlias,
  config: QuotaConfig,
  failed: readonly ModelAlias[] = [],
  now = new Date(),
): ModelAlias[] {
  const order = [routed, ...config.fallbackChain.filter((a) => a !== routed)];
  return order.filter(
    (alias) =>
      MODEL_ALIASES.includes(alias) &&
      !failed.includes(alias) &&
      !quotaState(db, alias, config, now).exhausted,
  );
}
