// Builds the running orchestrator from its configuration: the store, the MCP hub to the configured
// servers, the models (or none: triage by model is then off, and the log says so), runbooks, the
// approval channels (Signal, Mattermost, the web console, and always the log) with the inbox every
// reply goes through, the approval gate, the pipeline, the webhooks and the periodic work
// (verifications, reminders, expiries, maintenance windows ending, schedules). Why apart from main.ts: main stays a few lines, and
// this is the one place that knows how the stages are put together.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, errorFields, type Logger } from '@homelab/kit';
import type { ApprovalChannel } from './approve/channel.js';
import { MattermostChannel, mattermostChannelFromConfig } from './approve/channels/mattermost.js';
import { signalChannelFromConfig } from './approve/channels/signal.js';
import { Inbox } from './approve/inbox.js';
import { consoleEnabled } from './console/config.js';
import { createConsole } from './console/console.js';
import { MCP_SERVERS, modelVariable, serverVariable, type OrchestratorConfig } from './config.js';
import { Executor } from './execute/executor.js';
import { startOrchestratorHttp, type RunningOrchestratorHttp } from './http/server.js';
import { loadMaintenanceWindows, releaseHeld } from './incidents/maintenance.js';
import { loadSchedules, Scheduler } from './ingest/schedules.js';
import { ModelGateway, type ModelRoute } from './llm/gateway.js';
import { resolveModel } from './llm/models.js';
import { costUsd } from './llm/pricing.js';
import { createProvider } from './llm/providers/index.js';
import { loadQuotaFile } from './llm/quota-file.js';
import { DEFAULT_QUOTAS } from './llm/quota.js';
import { McpHub, type ServerEndpoint } from './mcp/hub.js';
import { createPipeline, type Pipeline } from './pipeline.js';
import { MODEL_ALIASES, type ModelAlias } from './plan/route.js';
import { MODEL_TRIAGE_OFF } from './plan/triage.js';
import { formatProblem, loadRunbooks, matchRunbooks } from './runbooks/index.js';
import { openDatabase, type Db } from './store/database.js';

/** How often verifications, expiries and ended maintenance windows are looked at. */
const TICK_MS = 30_000;

/** Every message to the owner is also written to the log (the only channel when none is configured). */
export function logChannel(log: Logger): ApprovalChannel {
  return {
    name: 'log',
    send: (message) => {
      log.info('message to the owner', {
        kind: message.kind,
        proposalId: message.proposalId,
        incidentId: message.incidentId,
        text: message.text,
      });
      return Promise.resolve(undefined);
    },
  };
}

/**
 * The configured servers. A stdio child gets the orchestrator's environment without its own
 * ORCH_* variables, so the servers' settings (KUBE_*, HA_*) reach them and the model keys do not.
 */
export function mcpEndpoints(
  config: OrchestratorConfig,
  environment: NodeJS.ProcessEnv = process.env,
): ServerEndpoint[] {
  const childEnv = Object.fromEntries(
    Object.entries(environment).filter(
      (entry): entry is [string, string] => !entry[0].startsWith('ORCH_') && entry[1] !== undefined,
    ),
  );
  const endpoints: ServerEndpoint[] = [];
  const env = config as unknown as Record<string, string | undefined>;
  for (const server of MCP_SERVERS) {
    const name = serverVariable(server);
    const url = env[`ORCH_MCP_${name}_URL`];
    const command = env[`ORCH_MCP_${name}_COMMAND`];
    if (url) endpoints.push({ name: server, url, token: env[`ORCH_MCP_${name}_TOKEN`] });
    else if (command) {
      const [program, ...args] = command.split(/\s+/).filter(Boolean);
      if (program) endpoints.push({ name: server, command: program, args, env: childEnv });
    }
  }
  return endpoints;
}

export function modelRoutes(config: OrchestratorConfig): ModelRoute[] {
  const env = config as unknown as Record<string, string | undefined>;
  const overrides: Partial<Record<ModelAlias, string>> = {};
  for (const alias of MODEL_ALIASES) {
    const value = env[modelVariable(alias)];
    if (value) overrides[alias] = value;
  }
  const viaProxy = config.ORCH_LITELLM_URL !== undefined;
  const routes: ModelRoute[] = [];
  for (const alias of MODEL_ALIASES) {
    const target = resolveModel(alias, { viaProxy, overrides });
    let provider;
    if (target.provider === 'openai' && config.ORCH_LITELLM_URL)
      provider = createProvider('openai', {
        apiKey: config.ORCH_LITELLM_API_KEY ?? 'none',
        baseUrl: config.ORCH_LITELLM_URL,
      });
    else if (target.provider === 'gemini' && config.ORCH_GEMINI_API_KEY)
      provider = createProvider('gemini', {
        apiKey: config.ORCH_GEMINI_API_KEY,
        baseUrl: config.ORCH_GEMINI_BASE_URL,
      });
    else if (target.provider === 'anthropic' && config.ORCH_ANTHROPIC_API_KEY)
      provider = createProvider('anthropic', {
        apiKey: config.ORCH_ANTHROPIC_API_KEY,
        baseUrl: config.ORCH_ANTHROPIC_BASE_URL,
      });
    if (provider) routes.push({ alias, model: target.model, provider });
  }
  return routes;
}

/**
 * The configured chat channels, split into those that get every message and those named in
 * ORCH_ESCALATION_CHANNELS (reached only for what nobody answered).
 */
export function approvalChannels(
  config: OrchestratorConfig,
  log: Logger,
  onReconnect: (channel: string, gapMs: number) => Promise<void>,
): { primary: ApprovalChannel[]; escalation: ApprovalChannel[] } {
  const configured = [
    signalChannelFromConfig(config, log, {
      onReconnect: (gapMs) => onReconnect('signal', gapMs),
    }),
    mattermostChannelFromConfig(config, log, {
      onReconnect: (gapMs) => onReconnect('mattermost', gapMs),
    }),
  ].filter((channel): channel is NonNullable<typeof channel> => channel !== undefined);
  for (const name of config.ORCH_ESCALATION_CHANNELS)
    if (!configured.some((c) => c.name === name))
      throw new ConfigError(
        `ORCH_ESCALATION_CHANNELS names ${name}, which is not a configured channel (configured: ${configured.map((c) => c.name).join(', ') || 'none'})`,
        {
          hint: 'Use signal or mattermost, and configure that channel (ORCH_SIGNAL_URL, ORCH_MATTERMOST_URL).',
        },
      );
  return {
    primary: configured.filter((c) => !config.ORCH_ESCALATION_CHANNELS.includes(c.name)),
    escalation: configured.filter((c) => config.ORCH_ESCALATION_CHANNELS.includes(c.name)),
  };
}

export interface RunningOrchestrator {
  db: Db;
  pipeline: Pipeline;
  inbox: Inbox;
  http: RunningOrchestratorHttp;
  close(): Promise<void>;
}

export async function startOrchestrator(
  config: OrchestratorConfig,
  log: Logger,
  options: {
    secrets?: readonly string[];
    channels?: readonly ApprovalChannel[];
    /** The environment stdio servers inherit (default process.env). */
    environment?: NodeJS.ProcessEnv;
    /** Sender ids allowed to approve, per channel name (none until a channel is configured). */
    approvers?: Record<string, readonly string[]>;
  } = {},
): Promise<RunningOrchestrator> {
  const maintenance = config.ORCH_MAINTENANCE_FILE
    ? loadMaintenanceWindows(config.ORCH_MAINTENANCE_FILE)
    : [];
  const schedules = config.ORCH_SCHEDULES_FILE ? loadSchedules(config.ORCH_SCHEDULES_FILE) : [];
  const quotas = config.ORCH_QUOTAS_FILE ? loadQuotaFile(config.ORCH_QUOTAS_FILE) : DEFAULT_QUOTAS;
  const runbooks = loadRunbooks(config.ORCH_RUNBOOKS_DIR);
  for (const problem of runbooks.problems)
    log.warn('runbook not loaded', { problem: formatProblem(problem) });
  log.info('runbooks loaded', { count: runbooks.runbooks.length, dir: config.ORCH_RUNBOOKS_DIR });

  // Channels are built before anything is opened, so a bad channel setting stops the start cleanly.
  /** Set once the inbox exists; a channel reconnecting before that has nothing to reconcile. */
  const late: { inbox?: Inbox } = {};
  const chat = options.channels
    ? { primary: [...options.channels], escalation: [] }
    : approvalChannels(config, log, (channel, gapMs) =>
        late.inbox ? late.inbox.reconcile(channel, gapMs) : Promise.resolve(),
      );

  if (config.ORCH_DB_PATH !== ':memory:')
    mkdirSync(dirname(config.ORCH_DB_PATH), { recursive: true });
  const db = openDatabase(config.ORCH_DB_PATH);
  const endpoints = mcpEndpoints(config, options.environment);
  if (endpoints.length === 0)
    log.warn('no MCP server configured (ORCH_MCP_<SERVER>_URL): nothing can be read or changed');
  const hub = new McpHub(endpoints, log);
  const routes = modelRoutes(config);
  const quotaWarnings: string[] = [];
  const gateway = new ModelGateway(db, routes, {
    quotas,
    price: (model, usage) => costUsd(model, usage),
    log,
    onQuotaWarning: (state) =>
      quotaWarnings.push(
        `Model quota: ${state.alias} has made ${state.daily} calls today and ${state.weekly} this week, past its alert threshold.`,
      ),
  });
  if (gateway.enabled)
    log.info('model triage on', { aliases: routes.map((r) => `${r.alias}=${r.model}`) });
  else log.warn(MODEL_TRIAGE_OFF);

  const channels = options.channels ? chat.primary : [logChannel(log), ...chat.primary];
  const { pipeline, gate } = createPipeline({
    db,
    log,
    hub,
    gateway,
    channels,
    escalation: chat.escalation,
    askFirst: config.ORCH_MODE === 'verbose',
    gate: {
      approvers: options.approvers ?? {
        signal: config.ORCH_SIGNAL_APPROVERS,
        mattermost: config.ORCH_MATTERMOST_APPROVERS,
        console: consoleEnabled(config) ? [config.ORCH_CONSOLE_USER] : [],
      },
      proposalTtlMs: config.ORCH_PROPOSAL_TTL,
      approvalTtlMs: 5 * 60_000,
      remindAfterMs: config.ORCH_REMIND_AFTER,
      escalateAfterMs: config.ORCH_ESCALATE_AFTER,
    },
    privacy: { secrets: options.secrets, neverSend: config.ORCH_NEVER_SEND },
    matchRunbook: (incident) => {
      const { matches, skipped } = matchRunbooks(runbooks.runbooks, incident);
      for (const skip of skipped)
        log.debug('runbook skipped', { incidentId: incident.id, ...skip });
      return matches[0];
    },
    limits: {
      maxRounds: config.ORCH_TRIAGE_MAX_ROUNDS,
      maxToolOutputTokens: config.ORCH_TOOL_OUTPUT_TOKENS,
    },
    alertResolvedWithinMs: config.ORCH_VERIFY_WINDOW,
  });

  const interrupted = new Executor(db, hub, log).recoverInterrupted();
  for (const step of interrupted)
    await gate.broadcast({
      kind: 'notice',
      text: `After a restart: step ${step.step} (${step.tool}) of approval ${step.approvalId} was interrupted while running. It is marked unknown and will not be run again; check its effect.`,
    });

  const inbox = new Inbox({ db, log, gate, pipeline });
  late.inbox = inbox;
  const chatChannels = [...chat.primary, ...chat.escalation];
  for (const channel of chatChannels)
    await channel.start?.(inbox.handle).catch((error: unknown) =>
      log.error(
        'a channel could not start receiving replies; it keeps retrying or stays send-only',
        {
          channel: channel.name,
          ...errorFields(error),
        },
      ),
    );
  const webConsole = createConsole({
    db,
    handler: inbox.handle,
    runbooks: () =>
      runbooks.runbooks.map((r) => ({
        id: r.id,
        title: r.title,
        automationLevel: r.automation_level,
        file: runbooks.files.get(r.id),
      })),
    config,
    log,
  });
  const httpRoutes = [
    webConsole.route,
    ...chatChannels.flatMap((c) => (c instanceof MattermostChannel ? [c.route] : [])),
  ];

  const flap = { threshold: config.ORCH_FLAP_THRESHOLD, windowMs: config.ORCH_FLAP_WINDOW };
  const http = await startOrchestratorHttp(
    db,
    {
      host: config.ORCH_HOST,
      port: config.ORCH_PORT,
      webhookToken: config.ORCH_WEBHOOK_TOKEN,
      maxBodyBytes: config.ORCH_WEBHOOK_MAX_BYTES,
      githubWebhookSecret: config.ORCH_GITHUB_WEBHOOK_SECRET,
      incidents: { maintenance, flap },
      routes: httpRoutes,
      onIncident: async (outcome) => {
        if (outcome.notify && outcome.incidentId !== undefined)
          await pipeline.handleIncident(outcome.incidentId);
      },
    },
    log,
  );

  const scheduler = new Scheduler(
    schedules,
    (event) => {
      pipeline
        .handleQuestion(event.prompt)
        .catch((error: unknown) =>
          log.error('scheduled query failed', { id: event.id, error: String(error) }),
        );
    },
    { log },
  );
  scheduler.start();

  let ticking = false;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = true;
    const work = async () => {
      for (const text of quotaWarnings.splice(0)) await gate.broadcast({ kind: 'notice', text });
      await pipeline.tick();
      for (const released of releaseHeld(db, maintenance))
        await pipeline.handleIncident(released.incidentId);
    };
    work()
      .catch((error: unknown) => log.error('periodic work failed', { error: String(error) }))
      .finally(() => {
        ticking = false;
      });
  }, TICK_MS);
  timer.unref();

  return {
    db,
    pipeline,
    inbox,
    http,
    close: async () => {
      clearInterval(timer);
      scheduler.stop();
      for (const channel of chatChannels) await channel.close?.();
      await inbox.idle();
      await http.close();
      await hub.close();
      db.close();
    },
  };
}
