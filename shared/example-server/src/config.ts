// The example server's own variables; the kit adds the MCP_* ones (transport, auth, switches).
import { secret } from '@homelab/kit';
import { z } from 'zod';

export const DEFAULT_PORT = 3900;

export const configShape = {
  ALERTMANAGER_URL: z
    .url({ error: 'expected a URL such as http://127.0.0.1:9093' })
    .default('http://127.0.0.1:9093')
    .describe('Base URL of Alertmanager (without /api/v2)'),
  ALERTMANAGER_TOKEN: secret(
    'Bearer token, when Alertmanager sits behind an authenticating proxy',
  ).optional(),
  ALERTMANAGER_TIMEOUT_MS: z.coerce
    .number({ error: 'expected milliseconds' })
    .int()
    .min(100)
    .max(120_000)
    .default(8000)
    .describe('Per-request limit for calls to Alertmanager'),
};

export type ExampleConfig = z.output<z.ZodObject<typeof configShape>>;
