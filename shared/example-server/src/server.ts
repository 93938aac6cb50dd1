// buildServer(deps): the example server as a pure function of its clients and config, used by
// main.ts and by the tests (which pass clients pointed at the simulator or a real Alertmanager).
import { HomelabServer, type ServerDeps } from '@homelab/kit';
import { AlertmanagerClient } from './clients/alertmanager.js';
import type { ExampleConfig } from './config.js';
import { alertsToolset } from './toolsets/alerts.js';

export interface ExampleClients {
  alertmanager: AlertmanagerClient;
}

export const SERVER_NAME = 'example';
export const SERVER_VERSION = '0.1.0';

export function createClients(
  config: ExampleConfig,
  deps: Pick<ServerDeps<unknown, unknown>, 'metrics'>,
): ExampleClients {
  return {
    alertmanager: new AlertmanagerClient({
      url: config.ALERTMANAGER_URL,
      token: config.ALERTMANAGER_TOKEN,
      timeoutMs: config.ALERTMANAGER_TIMEOUT_MS,
      metrics: deps.metrics,
    }),
  };
}

export function buildServer(
  deps: ServerDeps<ExampleClients, ExampleConfig>,
): HomelabServer<ExampleClients, ExampleConfig> {
  return new HomelabServer(
    {
      name: SERVER_NAME,
      title: 'Homelab example (Alertmanager)',
      version: SERVER_VERSION,
      upstreamName: 'Alertmanager',
      instructions:
        'Reads Alertmanager alerts and silences. Every change supports dryRun: preview first, then repeat the call without dryRun.',
      toolsets: [alertsToolset],
      readiness: [
        {
          name: 'Alertmanager',
          check: async (signal) => void (await deps.clients.alertmanager.status(signal)),
        },
      ],
    },
    deps,
  );
}
