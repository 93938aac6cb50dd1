// What the framework tests share: a start-use-close wrapper for one-off upstreams, options for
// hand-written routes on the real Alertmanager contract (routes that misbehave on purpose, which
// the production simulated Alertmanager must not), and a silence body that contract accepts.

import {
  loadContract,
  startUpstream,
  type RouteDefinition,
  type Upstream,
  type UpstreamOptions,
} from '../src/index.js';

const ALERTMANAGER_SPEC = 'alertmanager-v0.34.0-api-v2-openapi.yaml';

export const JSON_HEADERS = { 'content-type': 'application/json' };

/** Starts an upstream, hands it to `use`, and closes it afterwards, also when `use` throws. */
export async function withUpstream<S>(
  options: UpstreamOptions<S>,
  use: (upstream: Upstream<S>) => Promise<void>,
): Promise<void> {
  const upstream = await startUpstream(options);
  try {
    await use(upstream);
  } finally {
    await upstream.close();
  }
}

/** Options for a stateless upstream named `alertmanager` serving `routes` on the real v2 contract. */
export async function onAlertmanagerContract(
  routes: Array<RouteDefinition<object>>,
): Promise<UpstreamOptions<object>> {
  return {
    name: 'alertmanager',
    contract: await loadContract(ALERTMANAGER_SPEC),
    state: {},
    routes,
  };
}

/** A postable silence (active for the next hour) for `alertname`; `overrides` replace fields. */
export function silenceBody(
  overrides: Record<string, unknown> = {},
  alertname = 'KubePodCrashLooping',
): Record<string, unknown> {
  return {
    matchers: [{ name: 'alertname', value: alertname, isRegex: false, isEqual: true }],
    startsAt: new Date(Date.now() - 1000).toISOString(),
    endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    createdBy: 'homelab-agent',
    comment: 'maintenance window',
    ...overrides,
  };
}
