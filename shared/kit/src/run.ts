// The entry point every server's main.ts calls: load config (exit 2 with one message naming
// every bad variable), set up redaction and logging, build the server, then serve it on stdio
// or HTTP. Process-level guards keep a stray rejection from killing a server mid-session.
import type { z } from 'zod';
import { ConfigLoadError, loadConfig, type KitSettings } from './config.js';
import { ConfigError, formatToolError } from './errors.js';
import type { HomelabServer } from './homelab-server.js';
import { startHttpServer, type RunningHttpServer } from './http-server.js';
import { createLogger, errorFields, type Logger } from './log.js';
import { ServerMetrics } from './metrics.js';
import { Redactor } from './redact.js';

export interface BuildContext<Config> {
  config: Config;
  kit: KitSettings;
  log: Logger;
  redactor: Redactor;
  metrics: ServerMetrics;
}

export interface MainOptions<S extends z.ZodRawShape, Clients, Config> {
  /** The server's own variables (zod), merged with the kit's MCP_* ones. */
  configShape: S;
  /** Default MCP_PORT for this server. */
  defaultPort: number;
  defaultReadOnly?: boolean;
  defaultToolTimeoutMs?: number;
  build: (
    context: BuildContext<z.output<z.ZodObject<S>>>,
  ) => HomelabServer<Clients, Config> | Promise<HomelabServer<Clients, Config>>;
  argv?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

export type Serving =
  { transport: 'stdio'; close(): Promise<void> } | ({ transport: 'http' } & RunningHttpServer);

/** Serves a built server on the transport its settings name. */
export async function serve<Clients, Config>(
  server: HomelabServer<Clients, Config>,
  kit: KitSettings = server.kit,
): Promise<Serving> {
  if (kit.transport === 'http') {
    const running = await startHttpServer(server, kit);
    return { transport: 'http', ...running };
  }
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  const session = server.createSession();
  const transport = new StdioServerTransport();
  await session.connect(transport);
  server.log.info('serving MCP over stdio', { tools: server.listTools().length });
  return { transport: 'stdio', close: () => session.close() };
}

export async function runServer<S extends z.ZodRawShape, Clients, Config>(
  options: MainOptions<S, Clients, Config>,
): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig(options.configShape, {
      argv: options.argv ?? process.argv.slice(2),
      env: options.env ?? process.env,
      port: options.defaultPort,
      readOnly: options.defaultReadOnly,
      toolTimeoutMs: options.defaultToolTimeoutMs,
    });
  } catch (error) {
    if (error instanceof ConfigLoadError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const redactor = new Redactor();
  redactor.add(...loaded.secrets);
  const log = createLogger({ level: loaded.kit.logLevel, redactor });
  process.on('unhandledRejection', (reason) =>
    log.error('unhandled rejection (server continues)', errorFields(reason)),
  );
  process.on('uncaughtException', (error) =>
    log.error('uncaught exception (server continues)', errorFields(error)),
  );

  let serving: Serving;
  try {
    const metrics = new ServerMetrics();
    const server = await options.build({
      config: loaded.server,
      kit: loaded.kit,
      log,
      redactor,
      metrics,
    });
    serving = await serve(server, loaded.kit);
  } catch (error) {
    if (error instanceof ConfigLoadError || error instanceof ConfigError) {
      const text = error instanceof ConfigError ? formatToolError(error) : error.message;
      console.error(redactor.redactString(`Invalid configuration: ${text}`));
      process.exit(2);
    }
    log.error('server failed to start', errorFields(error));
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    void serving.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (serving.transport === 'stdio') process.stdin.on('end', () => stop('stdin closed'));
}
