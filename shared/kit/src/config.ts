// Configuration from the environment, validated by zod. Each server declares its own variables;
// the kit adds the MCP_* ones every server shares. Secrets may come from `NAME_FILE` (Docker and
// Kubernetes secrets), are registered for redaction, and are never echoed in error messages.
// All problems are reported at once, so a broken deployment is fixed in one round.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { LogLevel } from './log.js';

const SECRET_META = 'homelab.secret';

/** A secret string variable: may be given as NAME_FILE, redacted everywhere. */
export function secret(description: string) {
  return z
    .string()
    .min(1, 'must not be empty')
    .describe(description)
    .meta({ [SECRET_META]: true });
}

function isSecret(schema: z.ZodType): boolean {
  let current: z.ZodType | undefined = schema;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current.meta()?.[SECRET_META] === true) return true;
    const def: { innerType?: z.ZodType; in?: z.ZodType } = (
      current as unknown as { _zod: { def: { innerType?: z.ZodType; in?: z.ZodType } } }
    )._zod.def;
    current = def.innerType ?? def.in;
  }
  return false;
}

/** "true/false/1/0/yes/no/on/off" → boolean. */
export const envBoolean = (description: string, fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
      error: 'expected true or false',
    })
    .default(fallback ? 'true' : 'false')
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v))
    .describe(description);

/** Comma-separated list → string[] (empty entries dropped). */
export const envList = (description: string) =>
  z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    )
    .describe(description);

export const envPort = (description: string, fallback: number) =>
  z.coerce
    .number({ error: 'expected a port number' })
    .int('expected a whole number')
    .min(0, 'expected 0-65535')
    .max(65535, 'expected 0-65535')
    .default(fallback)
    .describe(description);

/** The variables every server understands. */
export function kitConfigShape(defaults: {
  port: number;
  readOnly?: boolean;
  toolTimeoutMs?: number;
}) {
  return {
    MCP_TRANSPORT: z
      .enum(['stdio', 'http'], { error: 'expected stdio or http' })
      .default('stdio')
      .describe('stdio, or http to serve Streamable HTTP at /mcp and SSE at /sse'),
    MCP_HOST: z.string().min(1).default('127.0.0.1').describe('Address to bind in http mode'),
    MCP_PORT: envPort('Port to bind in http mode (0 picks a free one)', defaults.port),
    MCP_AUTH_TOKEN: secret(
      'Bearer token required on /mcp, /sse, /messages and /metrics',
    ).optional(),
    MCP_ALLOWED_HOSTS: envList('Extra Host header values accepted (DNS-rebinding protection)'),
    MCP_ALLOWED_ORIGINS: envList('Browser origins allowed to call the server (none by default)'),
    MCP_READ_ONLY: envBoolean('Register no tool that changes anything', defaults.readOnly ?? false),
    MCP_DISABLE_DESTRUCTIVE: envBoolean('Register no destructive tool', false),
    MCP_TOOLSETS: envList('Only these toolsets (default: all)'),
    MCP_DENY_TOOLS: envList('Never register these tools'),
    MCP_ENABLE_TOOLS: envList('Register these tools that are off by default'),
    MCP_TOOL_TIMEOUT_MS: z.coerce
      .number({ error: 'expected milliseconds' })
      .int()
      .min(100, 'expected at least 100 ms')
      .max(600_000, 'expected at most 600000 ms')
      .default(defaults.toolTimeoutMs ?? 30_000)
      .describe('Each tool call is cancelled after this many milliseconds'),
    MCP_MAX_SESSIONS: z.coerce
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(100)
      .describe('Open HTTP/SSE sessions at most'),
    MCP_SESSION_IDLE_MS: z.coerce
      .number()
      .int()
      .min(1000)
      .default(30 * 60_000)
      .describe('Close HTTP/SSE sessions idle this long'),
    MCP_LOG_LEVEL: z
      .enum(['debug', 'info', 'warn', 'error'], { error: 'expected debug, info, warn or error' })
      .default('info')
      .describe('Lowest log level written to stderr'),
  };
}

export type KitSettings = {
  transport: 'stdio' | 'http';
  host: string;
  port: number;
  authToken: string | undefined;
  allowedHosts: string[];
  allowedOrigins: string[];
  readOnly: boolean;
  disableDestructive: boolean;
  toolsets: string[];
  denyTools: string[];
  enableTools: string[];
  toolTimeoutMs: number;
  maxSessions: number;
  sessionIdleMs: number;
  logLevel: LogLevel;
};

export class ConfigLoadError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigLoadError';
  }
}

export interface LoadedConfig<S extends z.ZodRawShape> {
  kit: KitSettings;
  server: z.output<z.ZodObject<S>>;
  /** Every secret value loaded, for the redactor. */
  secrets: string[];
}

/** Command-line flags that override their MCP_* variable. */
const FLAGS: Record<string, string> = {
  '--transport': 'MCP_TRANSPORT',
  '--host': 'MCP_HOST',
  '--port': 'MCP_PORT',
  '--read-only': 'MCP_READ_ONLY',
  '--log-level': 'MCP_LOG_LEVEL',
};

export function applyFlags(argv: readonly string[], env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    const variable = FLAGS[flag];
    if (!variable)
      throw new ConfigLoadError([
        `unknown option ${flag} (known: ${Object.keys(FLAGS).join(', ')})`,
      ]);
    if (flag === '--read-only' && inline === undefined) {
      out[variable] = 'true';
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigLoadError([`option ${flag} needs a value`]);
    out[variable] = value;
  }
  return out;
}

/**
 * Reads and validates the variables of `shape` from `env`: NAME, or NAME_FILE for secrets;
 * empty strings count as unset. Throws ConfigLoadError listing every problem at once, never
 * echoing a secret. Used by loadConfig (servers) and by any other process (the orchestrator).
 */
export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv,
): { data: z.output<z.ZodObject<S>>; secrets: string[] } {
  const raw: Record<string, string | undefined> = {};
  const problems: string[] = [];
  const reported = new Set<string>();
  for (const [name, schema] of Object.entries(shape)) {
    const direct = env[name];
    const file = env[`${name}_FILE`];
    if (direct !== undefined && direct !== '') raw[name] = direct;
    else if (file) {
      if (!isSecret(schema as z.ZodType)) {
        problems.push(`${name}_FILE: only secrets can be read from a file; set ${name} instead`);
        reported.add(name);
        continue;
      }
      try {
        raw[name] = readFileSync(file, 'utf8').trim();
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        problems.push(`${name}_FILE: cannot read ${file} (${code})`);
        reported.add(name);
      }
    }
  }
  const result = z.object(shape).safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? '?');
      if (reported.has(name)) continue;
      const schema = shape[name] as z.ZodType | undefined;
      const secretVar = schema ? isSecret(schema) : false;
      if (raw[name] === undefined) {
        problems.push(
          `${name}: required but not set${secretVar ? ` (set ${name} or ${name}_FILE)` : ''}`,
        );
      } else {
        const shown = secretVar ? '' : ` (got "${String(raw[name]).slice(0, 60)}")`;
        problems.push(`${name}: ${issue.message}${shown}`);
      }
    }
  }
  if (problems.length > 0) throw new ConfigLoadError(problems);
  const data = (result as { data: Record<string, unknown> }).data;
  const secrets = Object.entries(shape)
    .filter(([, schema]) => isSecret(schema as z.ZodType))
    .map(([name]) => data[name])
    .filter((v): v is string => typeof v === 'string');
  return { data: data as z.output<z.ZodObject<S>>, secrets };
}

/**
 * Reads and validates kit and server variables. Throws ConfigLoadError listing every
 * problem. Empty strings count as unset, so `FOO=` falls back to the default.
 */
export function loadConfig<S extends z.ZodRawShape>(
  serverShape: S,
  options: {
    env?: NodeJS.ProcessEnv;
    argv?: readonly string[];
    port: number;
    readOnly?: boolean;
    toolTimeoutMs?: number;
  },
): LoadedConfig<S> {
  const env = applyFlags(options.argv ?? [], options.env ?? process.env);
  const parsed = parseEnv({ ...kitConfigShape(options), ...serverShape }, env);
  const data = parsed.data as Record<string, unknown>;
  const secrets = parsed.secrets;
  const kit: KitSettings = {
    transport: data.MCP_TRANSPORT as KitSettings['transport'],
    host: data.MCP_HOST as string,
    port: data.MCP_PORT as number,
    authToken: data.MCP_AUTH_TOKEN as string | undefined,
    allowedHosts: data.MCP_ALLOWED_HOSTS as string[],
    allowedOrigins: data.MCP_ALLOWED_ORIGINS as string[],
    readOnly: data.MCP_READ_ONLY as boolean,
    disableDestructive: data.MCP_DISABLE_DESTRUCTIVE as boolean,
    toolsets: data.MCP_TOOLSETS as string[],
    denyTools: data.MCP_DENY_TOOLS as string[],
    enableTools: data.MCP_ENABLE_TOOLS as string[],
    toolTimeoutMs: data.MCP_TOOL_TIMEOUT_MS as number,
    maxSessions: data.MCP_MAX_SESSIONS as number,
    sessionIdleMs: data.MCP_SESSION_IDLE_MS as number,
    logLevel: data.MCP_LOG_LEVEL as LogLevel,
  };
  const server = Object.fromEntries(Object.keys(serverShape).map((k) => [k, data[k]])) as z.output<
    z.ZodObject<S>
  >;
  return { kit, server, secrets };
}
