// Diagnostics: the error log (filtered, last N), a configuration check, and integrations that
// failed to set up — what an owner looks at first when something in the home misbehaves.
import { z } from 'zod';
import { READ, tool } from './common.js';

const logEntry = z
  .object({
    name: z.string(),
    message: z.array(z.string()).default([]),
    level: z.string(),
    source: z.array(z.union([z.string(), z.number()])).default([]),
    timestamp: z.number(),
    exception: z.string().nullish(),
    count: z.number().default(1),
  })
  .loose();

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

export const getErrorLog = tool.read({
  name: 'get_error_log',
  title: 'Error log',
  description:
    "Recent warnings and errors from Home Assistant's system log, newest first, filtered by level, integration or text.",
  input: z.object({
    minLevel: z
      .enum(['WARNING', 'ERROR', 'CRITICAL'])
      .default('WARNING')
      .describe('Lowest level to include'),
    contains: z
      .string()
      .max(200)
      .optional()
      .describe('Only entries whose logger name or message contains this text'),
    limit: z.number().int().min(1).max(100).default(20).describe('At most this many entries'),
    includeTraceback: z.boolean().default(false).describe('Include the exception traceback (long)'),
  }),
  output: z.object({
    total: z.number().describe('Matching entries before the limit'),
    entries: z
      .array(
        z.object({
          time: z.string().describe('Last occurrence'),
          level: z.string().describe('Log level'),
          logger: z.string().describe('Logger (integration) name'),
          message: z.string().describe('Message (first line when repeated)'),
          count: z.number().describe('How many times it occurred'),
          source: z.string().optional().describe('File and line'),
          traceback: z.string().optional().describe('Exception traceback, when asked for'),
        }),
      )
      .describe('Entries, newest first'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    const entries = await ctx.clients.ha.command(
      { type: 'system_log/list' },
      z.array(logEntry),
      ctx.signal,
    );
    const min = LEVELS.indexOf(input.minLevel);
    const needle = input.contains?.toLowerCase();
    const matching = entries
      .filter((e) => LEVELS.indexOf(e.level.toUpperCase()) >= min)
      .filter(
        (e) =>
          !needle ||
          e.name.toLowerCase().includes(needle) ||
          e.message.some((m) => m.toLowerCase().includes(needle)),
      )
      .sort((a, b) => b.timestamp - a.timestamp);
    return {
      total: matching.length,
      entries: matching.slice(0, input.limit).map((e) => ({
        time: new Date(e.timestamp * 1000).toISOString(),
        level: e.level,
        logger: e.name,
        message: (e.message[0] ?? '').slice(0, 500),
        count: e.count,
        source: e.source.length > 0 ? e.source.join(':') : undefined,
        traceback: input.includeTraceback && e.exception ? e.exception.slice(-4000) : undefined,
      })),
    };
  },
});

export const checkConfiguration = tool.read({
  name: 'check_configuration',
  title: 'Check configuration',
  description:
    "Validate Home Assistant's YAML configuration (as before a restart) and report errors and warnings.",
  input: z.object({}),
  output: z.object({
    valid: z.boolean().describe('True when the configuration is valid'),
    errors: z.string().optional().describe('Errors, if any'),
    warnings: z.string().optional().describe('Warnings, if any'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (_input, ctx) => {
    await ctx.clients.ha.ready(ctx.signal);
    const result = await ctx.clients.ha.rest.post('/api/config/core/check_config', {
      schema: z
        .object({
          result: z.string(),
          errors: z.string().nullish(),
          warnings: z.string().nullish(),
        })
        .loose(),
      signal: ctx.signal,
    });
    return {
      valid: result.result === 'valid',
      errors: result.errors ?? undefined,
      warnings: result.warnings ?? undefined,
    };
  },
});

const configEntry = z
  .object({
    entry_id: z.string(),
    domain: z.string(),
    title: z.string(),
    state: z.string(),
    reason: z.string().nullish(),
    disabled_by: z.string().nullish(),
  })
  .loose();
const PROBLEM_STATES = new Set([
  'setup_error',
  'setup_retry',
  'migration_error',
  'failed_unload',
  'not_loaded',
]);

export const listIntegrationErrors = tool.read({
  name: 'list_integration_errors',
  title: 'Integrations in error',
  description:
    'Integrations (config entries) that failed to set up, are retrying, or could not migrate, with the reason Home Assistant gives.',
  input: z.object({}),
  output: z.object({
    total: z.number().describe('Config entries in all'),
    problems: z
      .array(
        z.object({
          domain: z.string().describe('Integration'),
          title: z.string().describe('Entry title'),
          state: z
            .string()
            .describe('setup_error, setup_retry, migration_error, failed_unload or not_loaded'),
          reason: z.string().optional().describe('Why, when known'),
          entryId: z.string().describe('Config entry id'),
        }),
      )
      .describe('Entries in a problem state (disabled entries are left out)'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (_input, ctx) => {
    const entries = await ctx.clients.ha.command(
      { type: 'config_entries/get' },
      z.array(configEntry),
      ctx.signal,
    );
    const problems = entries
      .filter((e) => PROBLEM_STATES.has(e.state) && !e.disabled_by)
      .map((e) => ({
        domain: e.domain,
        title: e.title,
        state: e.state,
        reason: e.reason ?? undefined,
        entryId: e.entry_id,
      }));
    return { total: entries.length, problems };
  },
});

export const diagnosticsToolset = tool.toolset({
  name: 'diagnostics',
  description: 'Error log, configuration check, integrations in error',
  tools: [getErrorLog, checkConfiguration, listIntegrationErrors],
});
