// The orchestrator's variables (zod over the environment, secrets also from NAME_FILE), read with
// the kit's loader so a bad deployment gets one message naming every bad variable.
import { envList, envPort, secret } from '@homelab/kit';
import { z } from 'zod';
import { MODEL_ALIASES, type ModelAlias } from './plan/route.js';
import { mattermostConfigShape } from './approve/channels/mattermost.js';
import { signalConfigShape } from './approve/channels/signal.js';
import { consoleConfigShape } from './console/config.js';
import { envDuration } from './env.js';

export { envDuration };

/** The five servers the orchestrator knows by name (DESIGN.md §1). */
export const MCP_SERVERS = ['home-assistant', 'arr', 'infrastructure', 'plex', 'network'] as const;

/** `home-assistant` → `HOME_ASSISTANT`, the infix of its variables. */
export function serverVariable(server: string): string {
  return server.toUpperCase().replaceAll('-', '_');
}

/** ORCH_MCP_<SERVER>_URL / _TOKEN (Streamable HTTP) or _COMMAND (a stdio child) per server. */
function mcpServerVariables() {
  const shape: Record<string, z.ZodType> = {};
  for (const server of MCP_SERVERS) {
    const name = serverVariable(server);
    shape[`ORCH_MCP_${name}_URL`] = z
      .url()
      .optional()
      .describe(
        `Streamable HTTP endpoint of the ${server} MCP server, e.g. http://${server}:3000/mcp`,
      );
    shape[`ORCH_MCP_${name}_TOKEN`] = secret(`Bearer token of the ${server} MCP server`).optional();
    shape[`ORCH_MCP_${name}_COMMAND`] = z
      .string()
      .min(1)
      .optional()
      .describe(`Command that starts the ${server} MCP server over stdio (instead of a URL)`);
  }
  return shape as Record<`ORCH_MCP_${string}`, z.ZodOptional<z.ZodString>>;
}

/** ORCH_MODEL_<ALIAS> replaces the model id of an alias (or the proxy's model name). */
function modelOverrideVariables() {
  const shape: Record<string, z.ZodOptional<z.ZodString>> = {};
  for (const alias of MODEL_ALIASES)
    shape[modelVariable(alias)] = z
      .string()
      .min(1)
      .optional()
      .describe(`Model id used for the ${alias} alias`);
  return shape;
}

export function modelVariable(alias: ModelAlias): string {
  return `ORCH_MODEL_${alias.toUpperCase().replaceAll('-', '_')}`;
}

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
  ORCH_RUNBOOKS_DIR: z
    .string()
    .min(1)
    .default('runbooks')
    .describe('Folder of runbook YAML files (a bad file is reported, the others still load)'),
  ...mcpServerVariables(),
  ORCH_GEMINI_API_KEY: secret('Gemini API key: enables the gemini-* aliases').optional(),
  ORCH_GEMINI_BASE_URL: z.url().optional().describe('Gemini API base URL (default Google)'),
  ORCH_ANTHROPIC_API_KEY: secret('Anthropic API key: enables the claude-* aliases').optional(),
  ORCH_ANTHROPIC_BASE_URL: z
    .url()
    .optional()
    .describe('Anthropic API base URL (default Anthropic)'),
  ORCH_LITELLM_URL: z
    .url()
    .optional()
    .describe(
      'OpenAI-compatible proxy (LiteLLM, e.g. http://litellm:4000/v1): serves every alias by its name',
    ),
  ORCH_LITELLM_API_KEY: secret('Key of the OpenAI-compatible proxy').optional(),
  ...modelOverrideVariables(),
  ORCH_QUOTAS_FILE: z
    .string()
    .min(1)
    .optional()
    .describe("YAML quota file in the seed's quota_config format (default: the seed's limits)"),
  ORCH_NEVER_SEND: envList(
    'Regular expressions (comma-separated) whose match stops any cloud model call for that event',
  ),
  ORCH_TRIAGE_MAX_ROUNDS: z.coerce
    .number()
    .int()
    .min(2)
    .max(30)
    .default(8)
    .describe('Model turns per triage attempt, the final answer included'),
  ORCH_TOOL_OUTPUT_TOKENS: z.coerce
    .number()
    .int()
    .min(100)
    .max(50_000)
    .default(2_000)
    .describe('Tool output beyond this many tokens is cut before a model sees it'),
  ORCH_PROPOSAL_TTL: envDuration(
    "How long a proposal waits for an answer before it expires (a runbook's approval_ttl overrides it)",
    '4h',
  ),
  ORCH_MODE: z
    .enum(['verbose', 'direct'])
    .default('verbose')
    .describe(
      'verbose: ask "Is this a problem?" before any model research (the seed\'s first months); direct: research at once and send solutions',
    ),
  ORCH_REMIND_AFTER: envDuration('An unanswered proposal gets one reminder after this long', '30m'),
  ORCH_ESCALATE_AFTER: envDuration(
    'This long after the reminder, an unanswered proposal goes to ORCH_ESCALATION_CHANNELS',
    '30m',
  ),
  ORCH_ESCALATION_CHANNELS: envList(
    'Channels (signal, mattermost) used only to escalate what nobody answered elsewhere (comma-separated)',
  ),
  ORCH_VERIFY_WINDOW: envDuration(
    'How long an alert may take to resolve after a fix before the fix counts as failed',
    '15m',
  ),
  ...signalConfigShape,
  ...mattermostConfigShape,
  ...consoleConfigShape,
  ORCH_LOG_LEVEL: z
    .enum(['debug', 'info', 'warn', 'error'])
    .default('info')
    .describe('Lowest log level written to stderr'),
};

export type OrchestratorConfig = z.output<z.ZodObject<typeof configShape>>;
