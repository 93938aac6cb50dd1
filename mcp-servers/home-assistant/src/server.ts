// buildServer(deps): the Home Assistant MCP server as a pure function of its client and config,
// used by main.ts and by the tests (simulated or real Home Assistant).
import { HomelabServer, type ServerDeps } from '@homelab/kit';
import { HomeAssistantClient } from './clients/home-assistant.js';
import { EntityScope } from './clients/scope.js';
import type { HomeAssistantConfig } from './config.js';
import { automationsToolset } from './toolsets/automations.js';
import { climateToolset } from './toolsets/climate.js';
import type { HomeAssistantClients } from './toolsets/common.js';
import { diagnosticsToolset } from './toolsets/diagnostics.js';
import { entitiesToolset } from './toolsets/entities.js';
import { lightsToolset } from './toolsets/lights.js';
import { securityToolset } from './toolsets/security.js';
import { sensorsToolset } from './toolsets/sensors.js';
import { servicesToolset } from './toolsets/services.js';

export type { HomeAssistantClients } from './toolsets/common.js';

export const SERVER_NAME = 'home-assistant';
export const SERVER_VERSION = '0.1.0';

export const toolsets = [
  entitiesToolset,
  lightsToolset,
  climateToolset,
  sensorsToolset,
  automationsToolset,
  diagnosticsToolset,
  securityToolset,
  servicesToolset,
];

/** Creates the client (not yet connected; call `ha.start()`). */
export function createClients(
  config: HomeAssistantConfig,
  deps: Pick<ServerDeps<unknown, unknown>, 'log' | 'metrics'>,
): HomeAssistantClients {
  return {
    ha: new HomeAssistantClient({
      url: config.HA_URL,
      token: config.HA_TOKEN,
      timeoutMs: config.HA_TIMEOUT_MS,
      scope: EntityScope.fromConfig(config),
      log: deps.log.child({ component: 'home-assistant' }),
      metrics: deps.metrics,
    }),
  };
}

export function buildServer(
  deps: ServerDeps<HomeAssistantClients, HomeAssistantConfig>,
): HomelabServer<HomeAssistantClients, HomeAssistantConfig> {
  return new HomelabServer(
    {
      name: SERVER_NAME,
      title: 'Home Assistant',
      version: SERVER_VERSION,
      upstreamName: 'Home Assistant',
      instructions:
        'Controls a Home Assistant home. Entity ids are never guessed: find them with search_entities (fuzzy names, areas, device classes). ' +
        'Every change supports dryRun. Locks, covers, garage doors and alarm panels are high risk: confirm with the owner first.',
      toolsets,
      readiness: [
        {
          name: 'Home Assistant',
          check: async (signal) => {
            await deps.clients.ha.ready(signal);
          },
        },
      ],
    },
    deps,
  );
}
