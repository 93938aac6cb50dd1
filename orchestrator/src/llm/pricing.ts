// What one model call cost in USD, for the call ledger (llm/quota.ts): tokens times the list
// price per million input and output tokens of the default models (llm/models.ts). Prices change
// on announced dates, so an entry may hold several dated prices. A model not in the table costs
// "unknown" (priced: false), never a pretended 0; config may add or replace prices per model
// (a LiteLLM model name included). List prices, standard tier, checked on 2026-11-26:
// - Anthropic: https://platform.claude.com/docs/en/about-claude/pricing
//   Claude Sonnet 5.5 $2 / $10, Claude Opus 5.5 $4 / $20.
// - Gemini: https://ai.google.dev/gemini-api/docs/pricing (output includes thinking tokens)
//   Gemini 3.8 Flash $0.75 / $3.75 through 2026-12-31, $1.50 / $7.50 from 2027-01-01.
//   Gemini 4 Argon $2 / $10 through 2026-11-30, $4 / $20 from 2026-12-01
//   (https://ai.google.dev/gemini-api/docs/generate-content/latest-model).
import { z } from 'zod';
import type { ModelUsage } from './provider.js';

export const tokenPriceSchema = z.object({
  inputPerMTok: z.number().nonnegative().describe('USD per million input tokens'),
  outputPerMTok: z.number().nonnegative().describe('USD per million output tokens'),
});
export type TokenPrice = z.infer<typeof tokenPriceSchema>;

/** Config's price overrides: model id (or LiteLLM model name) to price. */
export const priceOverridesSchema = z.record(z.string().min(1), tokenPriceSchema);
export type PriceOverrides = z.infer<typeof priceOverridesSchema>;

interface DatedPrice extends TokenPrice {
  /** First day (UTC, YYYY-MM-DD) the price applies; absent for the oldest price. */
  from?: string;
}

/** Prices per model, oldest first. */
const LIST_PRICES: Readonly<Record<string, readonly DatedPrice[]>> = {
  'claude-sonnet-5-5': [{ inputPerMTok: 2, outputPerMTok: 10 }],
  'claude-opus-5-5': [{ inputPerMTok: 4, outputPerMTok: 20 }],
  'gemini-3.8-flash': [
    { inputPerMTok: 0.75, outputPerMTok: 3.75 },
    { from: '2027-01-01', inputPerMTok: 1.5, outputPerMTok: 7.5 },
  ],
  'gemini-4-argon': [
    { inputPerMTok: 2, outputPerMTok: 10 },
    { from: '2026-12-01', inputPerMTok: 4, outputPerMTok: 20 },
  ],
};

/** The price of `model` on the day of `at`; an override wins over the list. */
export function priceOf(
  model: string,
  overrides: PriceOverrides = {},
  at: Date = new Date(),
): TokenPrice | undefined {
  const override = overrides[model];
  if (override) return override;
  const day = at.toISOString().slice(0, 10);
  const prices = LIST_PRICES[model] ?? [];
  const current = prices.filter((price) => price.from === undefined || price.from <= day).at(-1);
  return current && { inputPerMTok: current.inputPerMTok, outputPerMTok: current.outputPerMTok };
}

export interface CallCost {
  usd: number;
  /** False when the model has no known price: the cost is unknown, not 0. */
  priced: boolean;
}

/** The cost of one call of `model` that used `usage`, at the price of the day of `at`. */
export function costUsd(
  model: string,
  usage: ModelUsage,
  overrides?: PriceOverrides,
  at?: Date,
): CallCost {
  const price = priceOf(model, overrides, at);
  if (!price) return { usd: 0, priced: false };
  const usd =
    (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1_000_000;
  return { usd, priced: true };
}
