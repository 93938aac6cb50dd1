// The orchestrator's variables (zod over the environment, secrets also from NAME_FILE), read with
// the kit's loader so a bad deployment gets one message naming every bad variable.
import { envPort, secret } from '@homelab/kit';
import { z } from 'zod';

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
  ORCH_LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error'])
    .default('info')
    .describe('Lowest log level written to stderr'),
};

export type OrchestratorConfig = z.output<z.ZodObject<typeof configShape>>;
