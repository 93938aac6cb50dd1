// The owner's quota file in the seed's format (`quota_config:` with per-alias daily_limit,
// weekly_limit and alert_at, and a fallback_chain), read like the other YAML files: one error
// naming the file and field. Alias keys may use the seed's underscores (claude_sonnet).
import { ConfigError } from '@homelab/kit';
import { z } from 'zod';
import { loadYamlConfig } from '../ingest/yaml-file.js';
import { MODEL_ALIASES, type ModelAlias } from '../plan/route.js';
import type { AliasQuota, QuotaConfig } from './quota.js';

const aliasSchema = z
  .string()
  .transform((name) => name.replaceAll('_', '-'))
  .pipe(z.enum(MODEL_ALIASES, { error: `expected one of ${MODEL_ALIASES.join(', ')}` }));

const limitSchema = z
  .object({
    daily_limit: z.number().int().min(0).optional(),
    weekly_limit: z.number().int().min(0).optional(),
    alert_at: z.number().gt(0).max(1).optional(),
  })
  .strict();

export const quotaFileSchema = z
  .object({
    quota_config: z
      .object({ fallback_chain: z.array(aliasSchema).max(10).optional() })
      .catchall(limitSchema),
  })
  .strict();

/** Turns the file's content into a QuotaConfig (keys not naming an alias are refused). */
export function quotaConfigOf(data: z.output<typeof quotaFileSchema>): QuotaConfig {
  const { fallback_chain: chain, ...limits } = data.quota_config;
  const byAlias: Partial<Record<ModelAlias, AliasQuota>> = {};
  for (const [key, limit] of Object.entries(limits)) {
    const alias = aliasSchema.safeParse(key);
    if (!alias.success) throw new Error(`quota_config.${key}: ${alias.error.issues[0]?.message}`);
    byAlias[alias.data] = {
      dailyLimit: limit.daily_limit,
      weeklyLimit: limit.weekly_limit,
      alertAt: limit.alert_at,
    };
  }
  return { limits: byAlias, fallbackChain: chain ?? [] };
}

export function loadQuotaFile(path: string): QuotaConfig {
  const data = loadYamlConfig(path, quotaFileSchema);
  try {
    return quotaConfigOf(data);
  } catch (error) {
    throw new ConfigError(`${path}: ${(error as Error).message}`);
  }
}
