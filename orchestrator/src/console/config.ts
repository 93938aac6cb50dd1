// The web console's variables, declared here beside the console so the orchestrator's config
// spreads them in (like the channels' own variables) and the console can be tested on its own.
// The console is off unless a password hash or a token is set: an approval screen must never be
// reachable without a secret.
import { envBoolean, secret } from '@homelab/kit';
import { z } from 'zod';
import { envDuration, envLongSecret } from '../env.js';
import { passwordHashSchema } from './auth.js';

export const consoleConfigShape = {
  ORCH_CONSOLE_USER: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(64, 'expected at most 64 characters')
    .regex(/^[A-Za-z0-9._@-]+$/, 'expected letters, digits and . _ @ - only')
    .default('admin')
    .describe(
      'Name the console acts as: recorded as the approver of what is decided there (list it among the console approvers)',
    ),
  ORCH_CONSOLE_PASSWORD_HASH: secret('Console password hash')
    .pipe(passwordHashSchema)
    .optional()
    .describe(
      'Console password as scrypt$N$r$p$<salt>$<hash>, made with `node orchestrator/dist/main.js hash-password`; this or ORCH_CONSOLE_TOKEN turns the console on',
    ),
  ORCH_CONSOLE_TOKEN: envLongSecret(
    'Console token',
    'A long random token accepted at the console login instead of the password (at least 16 characters); this or ORCH_CONSOLE_PASSWORD_HASH turns the console on',
  ),
  ORCH_CONSOLE_SESSION_TTL: envDuration(
    'How long a console login lasts, however active (a fixed end, not an idle timeout)',
    '12h',
  ),
  ORCH_CONSOLE_SECURE_COOKIE: envBoolean(
    'Mark the console session cookie Secure; set true whenever the console is served over HTTPS (e.g. behind a TLS reverse proxy)',
    false,
  ),
};

export type ConsoleConfig = z.output<z.ZodObject<typeof consoleConfigShape>>;

/** True when a secret is configured, so the console may be served. */
export function consoleEnabled(config: ConsoleConfig): boolean {
  return config.ORCH_CONSOLE_PASSWORD_HASH !== undefined || config.ORCH_CONSOLE_TOKEN !== undefined;
}
