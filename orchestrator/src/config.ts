// The orchestrator's variables (zod over the environment, secrets also from NAME_FILE), read with
// the kit's loader so a bad deployment gets one message naming every bad variable.
import { envPort, secret } from '@homelab/kit';
import { z } from 'zod';
import { parseDuration } from './runbooks/duration.js';

/** A duration as the runbooks and chat write it (90s, 30m, 1h, 1h30m, 2d) → milliseconds. */
export const envDuration = (description: string, fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms !== undefined && ms >= 1000 && ms <= 30 * 86_400_000) return ms;
      ctx.addIssue({
        code: 'custom',
        message: 'expected a duration from 1s to 30d, such as 90s, 30m, 1h or 1h30m',
      });
      return z.NEVER;
    })
    .describe(description);

export const configShape = {
  ORCH_DB_PATH: z
    .string()
    .min(1)
    .default('data/homelab.sqlite')
    .describe('SQLite database file (its folder is created)'),
  ORCH_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('Address the webhook and console server binds'),
  ORCH_PORT: envPort('Port of the webhook and console server', 3800),
  ORCH_WEBHOOK_TOKEN: secret(
    'Token webhooks must send: Authorization: Bearer <token>, or basic auth with it as the password',
  ).optional(),
  ORCH_WEBHOOK_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(2 * 1024 * 1024)
    .describe('Largest webhook body accepted'),
  ORCH_GITHUB_WEBHOOK_SECRET: secret(
    'Secret of the GitHub webhook (POST /webhook/github, X-Hub-Signature-256); without it that route is off',
  ).optional(),
  ORCH_SCHEDULES_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('YAML file of scheduled queries (queries: id, schedule, prompt, delivery)'),
  ORCH_MAINTENANCE_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      'YAML file of maintenance windows (windows: start/end, or days/from/to/timezone; labels)',
    ),
  ORCH_FLAP_THRESHOLD: z.coerce
    .number({ error: 'expected a whole number' })
    .int('expected a whole number')
    .min(1, 'expected at least 1')
    .max(100, 'expected at most 100')
    .default(3)
    .describe('Reopenings of an alert group within ORCH_FLAP_WINDOW that make it flapping'),
  ORCH_FLAP_WINDOW: envDuration(
    'Flapping window; a flapping group is announced again after staying resolved this long',
    '1h',
  ),
  ORCH_LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error'])
    .default('info')
    .describe('Lowest log level written to stderr'),
};

export type OrchestratorConfig = z.output<z.ZodObject<typeof configShape>>;
