// The simulated homelab as one unit: every simulated upstream with its demo state, started
// together for `make start` and end-to-end tests, with the environment variables that point
// the MCP servers at them. Each server issue adds its upstreams here.
import {
  createAlertmanagerState,
  demoAlerts,
  startAlertmanagerSim,
} from './upstreams/alertmanager.js';
import { startArgoCdSim } from './upstreams/argocd.js';
import type { ArgoCdState } from './upstreams/argocd/model.js';
import { startHomeAssistantSim } from './upstreams/home-assistant.js';
import type { HomeAssistantState } from './upstreams/home-assistant/model.js';
import { startKubernetesSim } from './upstreams/kubernetes.js';
import type { KubernetesState } from './upstreams/kubernetes/model.js';
import type { Upstream } from './types.js';

export interface SimulatedHomelab {
  /**
   * Variables for the MCP servers: ALERTMANAGER_URL, HA_URL and HA_TOKEN, KUBE_API_URL and
   * KUBE_TOKEN, ARGOCD_URL and ARGOCD_TOKEN.
   */
  env: Record<string, string>;
  upstreams: Record<string, Upstream<unknown>>;
  close(): Promise<void>;
}

interface SimulatedService {
  /** The variable a server reads to find this upstream (set to its base URL). */
  variable: string;
  start(): Promise<Upstream<unknown>>;
  /** Further variables, e.g. the credential the upstream accepts. */
  extraEnv?(upstream: Upstream<unknown>): Record<string, string>;
}

/**
 * How long the demo alerts keep firing. Why: an alert seeded without `endsAt` resolves after 5
 * minutes (Alertmanager's resolve timeout), and nothing re-sends them as Prometheus would, so
 * `make start` would show no alerts after 5 minutes.
 */
const DEMO_FIRING_MS = 365 * 24 * 3_600_000;

const SERVICES: Record<string, SimulatedService> = {
  alertmanager: {
    variable: 'ALERTMANAGER_URL',
    start: async () => {
      const endsAt = new Date(Date.now() + DEMO_FIRING_MS).toISOString();
      const alerts = demoAlerts.map((alert) => ({ ...alert, endsAt }));
      return (await startAlertmanagerSim({
        state: createAlertmanagerState({ alerts }),
      })) as Upstream<unknown>;
    },
  },
  homeAssistant: {
    variable: 'HA_URL',
    start: async () => (await startHomeAssistantSim()) as Upstream<unknown>,
    extraEnv: (upstream) => ({ HA_TOKEN: (upstream.state as HomeAssistantState).token }),
  },
  kubernetes: {
    variable: 'KUBE_API_URL',
    start: async () => (await startKubernetesSim()) as Upstream<unknown>,
    extraEnv: (upstream) => ({ KUBE_TOKEN: (upstream.state as KubernetesState).token }),
  },
  argocd: {
    variable: 'ARGOCD_URL',
    start: async () => (await startArgoCdSim()) as Upstream<unknown>,
    extraEnv: (upstream) => ({ ARGOCD_TOKEN: (upstream.state as ArgoCdState).token }),
  },
};

/** Starts every simulated upstream except those whose variable is in `skip` (configured for real). */
export async function startSimulatedHomelab(
  options: { skip?: string[] } = {},
): Promise<SimulatedHomelab> {
  const env: Record<string, string> = {};
  const upstreams: Record<string, Upstream<unknown>> = {};
  try {
    for (const [name, service] of Object.entries(SERVICES)) {
      if (options.skip?.includes(service.variable)) continue;
      const upstream = await service.start();
      upstreams[name] = upstream;
      env[service.variable] = upstream.url;
      Object.assign(env, service.extraEnv?.(upstream));
    }
  } catch (error) {
    await Promise.allSettled(Object.values(upstreams).map((u) => u.close()));
    throw error;
  }
  return {
    env,
    upstreams,
    close: async () => {
      await Promise.allSettled(Object.values(upstreams).map((u) => u.close()));
    },
  };
}
