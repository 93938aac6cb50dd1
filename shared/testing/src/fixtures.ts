// Building blocks for tests: kit settings with test defaults, a logger that captures lines (to
// assert that no secret reaches a log), and server deps wired from them.
import {
  createLogger,
  Redactor,
  ServerMetrics,
  type KitSettings,
  type Logger,
  type ServerDeps,
} from '@homelab/kit';

export function testKitSettings(overrides: Partial<KitSettings> = {}): KitSettings {
  return {
    transport: 'stdio',
    host: '127.0.0.1',
    port: 0,
    authToken: undefined,
    allowedHosts: [],
    allowedOrigins: [],
    readOnly: false,
    disableDestructive: false,
    toolsets: [],
    denyTools: [],
    enableTools: [],
    toolTimeoutMs: 10_000,
    maxSessions: 100,
    sessionIdleMs: 30 * 60_000,
    logLevel: 'debug',
    ...overrides,
  };
}

export interface CapturedLog {
  lines: string[];
  logger: Logger;
  redactor: Redactor;
}

/** A logger writing into memory through a redactor holding `secrets`. */
export function captureLog(secrets: string[] = []): CapturedLog {
  const lines: string[] = [];
  const redactor = new Redactor();
  redactor.add(...secrets);
  const logger = createLogger({ level: 'debug', redactor, write: (line) => lines.push(line) });
  return { lines, logger, redactor };
}

/** Deps for buildServer(deps) in tests; logs are captured in `captured.lines`. */
export function testDeps<Clients, Config>(
  clients: Clients,
  config: Config,
  options: { kit?: Partial<KitSettings>; secrets?: string[] } = {},
): ServerDeps<Clients, Config> & { captured: CapturedLog } {
  const captured = captureLog(options.secrets ?? []);
  return {
    clients,
    config,
    kit: testKitSettings(options.kit),
    log: captured.logger,
    redactor: captured.redactor,
    metrics: new ServerMetrics(),
    captured,
  };
}
