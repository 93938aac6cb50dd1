// Variable types the orchestrator's configuration shares between its modules (the channels each
// declare their own variables), apart from config.ts so a module can use them without a cycle.
import { secret } from '@homelab/kit';
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

/**
 * A long random secret (a token, a signing key): given directly or as NAME_FILE, redacted from
 * logs, 16 to 1024 characters so a short guessable value is refused at start.
 */
export const envLongSecret = (label: string, description: string) =>
  secret(label)
    .pipe(
      z
        .string()
        .min(16, 'expected at least 16 characters (e.g. openssl rand -base64 32)')
        .max(1024, 'expected at most 1024 characters'),
    )
    .optional()
    .describe(description);
