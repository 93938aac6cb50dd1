// The shipped runbooks against the simulated homelab (Kubernetes, Argo CD and Home Assistant
// simulators behind the real infrastructure and Home Assistant MCP servers): every call a runbook
// renders for a matching alert is accepted by its server, as a dry run for changes and as a plain
// read otherwise, and every read-back finds the value its `expect` names.
import {
  createArgoCdState,
  createHomeAssistantState,
  createKubernetesState,
  demoAlerts,
  startArgoCdSim,
  startHomeAssistantSim,
  startKubernetesSim,
  type ArgoCdState,
  type HomeAssistantSim,
  type KubernetesState,
  type Upstream,
} from '@homelab/simulator';
import { failOnViolations } from '@homelab/simulator/vitest';
import * as homeAssistant from '@homelab/mcp-home-assistant';
import * as infrastructure from '@homelab/mcp-infrastructure';
import { connectInMemory, testDeps, type ConnectedClient } from '@homelab/testing';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ToolCall } from '../src/execute/executor.js';
import type { IncidentContext } from '../src/incidents/context.js';
import { loadRunbooks, matchRunbooks, type RenderedSolution } from '../src/runbooks/index.js';
import { incident } from './support/incident.js';

const KUBE_TOKEN = 'kube-runbook-token-41d2';
const ARGO_TOKEN = 'argo-runbook-token-9b0e';
const HA_TOKEN = 'ha-runbook-token-c37a';
const RUNBOOKS = fileURLToPath(new URL('../../runbooks', import.meta.url));

let kube: Upstream<KubernetesState>;
let argo: Upstream<ArgoCdState>;
let ha: HomeAssistantSim;
const servers = new Map<string, ConnectedClient>();
const readOnly = new Map<string, boolean>();
let closeHa: () => void = () => undefined;

beforeAll(async () => {
  kube = await startKubernetesSim({
    state: createKubernetesState({ token: KUBE_TOKEN, metricsServer: true }),
  });
  argo = await startArgoCdSim({ state: createArgoCdState({ token: ARGO_TOKEN }) });
  ha = await startHomeAssistantSim({
    token: HA_TOKEN,
    state: createHomeAssistantState({ seed: 'demo', token: HA_TOKEN }),
  });

  const infraConfig: Parameters<typeof infrastructure.createClients>[0] = {
    KUBE_API_URL: kube.url,
    KUBE_TOKEN,
    KUBE_INSECURE_SKIP_TLS_VERIFY: false,
    KUBE_TIMEOUT_MS: 3000,
    KUBE_LOG_MAX_BYTES: 1024 * 1024,
    ARGOCD_URL: argo.url,
    ARGOCD_TOKEN: ARGO_TOKEN,
    ARGOCD_TIMEOUT_MS: 3000,
    MINIO_REGION: 'us-east-1',
    MINIO_MAX_OBJECTS: 200_000,
  };
  const infraDeps = testDeps(undefined, infraConfig, { secrets: [KUBE_TOKEN, ARGO_TOKEN] });
  servers.set(
    'infrastructure',
    await connectInMemory(
      infrastructure.buildServer({
        ...infraDeps,
        clients: infrastructure.createClients(infraConfig, infraDeps),
      }),
    ),
  );

  const haConfig: Parameters<typeof homeAssistant.createClients>[0] = {
    HA_URL: ha.url,
    HA_TOKEN,
    HA_TIMEOUT_MS: 3000,
    HA_EXPOSE_DOMAINS: [],
    HA_HIDE_DOMAINS: [],
    HA_EXPOSE_AREAS: [],
    HA_EXPOSE_ENTITIES: [],
    HA_HIDE_ENTITIES: [],
  };
  const haDeps = testDeps(undefined, haConfig, { secrets: [HA_TOKEN] });
  const haClients = homeAssistant.createClients(haConfig, haDeps);
  haClients.ha.start();
  closeHa = () => haClients.ha.close();
  servers.set(
    'home-assistant',
    await connectInMemory(homeAssistant.buildServer({ ...haDeps, clients: haClients })),
  );

  for (const [server, connected] of servers)
    for (const tool of (await connected.client.listTools()).tools)
      readOnly.set(`${server}__${tool.name}`, tool.annotations?.readOnlyHint === true);
});

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
  closeHa();
  await Promise.all([kube?.close(), argo?.close(), ha?.close()]);
});

failOnViolations(
  () => kube,
  () => argo,
  () => ha,
);

interface Answer {
  isError: boolean;
  text: string;
  structured: unknown;
}

/** Calls a namespaced tool on its server; a change is only ever previewed unless `apply`. */
async function call(toolCall: ToolCall, apply = false): Promise<Answer> {
  const separator = toolCall.tool.indexOf('__');
  const server = servers.get(toolCall.tool.slice(0, separator));
  if (!server) throw new Error(`no server for ${toolCall.tool}`);
  const preview = readOnly.get(toolCall.tool) === false && !apply;
  const result = await server.client.callTool({
    name: toolCall.tool.slice(separator + 2),
    arguments: preview ? { ...toolCall.arguments, dryRun: true } : toolCall.arguments,
  });
  const content = result.content as Array<{ type: string; text?: string }>;
  return {
    isError: result.isError === true,
    text: content.map((c) => c.text ?? '').join('\n'),
    structured: result.structuredContent,
  };
}

function at(value: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (node, key) =>
        node !== null && typeof node === 'object'
          ? (node as Record<string, unknown>)[key]
          : undefined,
      value,
    );
}

/** The name of a running pod of a deployment in the simulated cluster. */
async function podOf(namespace: string, workload: string): Promise<string> {
  const pods = await call({ tool: 'infrastructure__get_pods', arguments: { namespace } });
  const name = new RegExp(`\\b${namespace}/(${workload}-[a-z0-9]+-[a-z0-9]+)\\b`).exec(
    pods.text,
  )?.[1];
  if (!name) throw new Error(`no ${workload} pod in ${namespace}: ${pods.text}`);
  return name;
}

/** Previews (or reads) every call of a solution, then reads its verify back. */
async function exercise(solution: RenderedSolution, label: string): Promise<void> {
  for (const c of solution.calls) {
    const answer = await call(c);
    expect(answer.isError, `${label} ${c.tool}: ${answer.text}`).toBe(false);
  }
  if (solution.verify && 'tool' in solution.verify) {
    const { tool, arguments: args } = solution.verify;
    const answer = await call({ tool, arguments: args });
    expect(answer.isError, `${label} verify: ${answer.text}`).toBe(false);
    expect(at(answer.structured, solution.verify.expect.path), `${label} verify`).toBeDefined();
  }
}

describe('the runbooks against the simulated homelab', () => {
  it('every solution of every runbook is accepted by its server for a matching alert', async () => {
    const { runbooks, problems } = loadRunbooks(RUNBOOKS);
    expect(problems).toEqual([]);
    const radarr = demoAlerts.find((a) => a.labels.alertname === 'KubePodMemoryHigh');
    const samples: Record<string, IncidentContext> = {
      'radarr-memory-pressure-001': incident(radarr?.labels ?? {}, radarr?.annotations),
      'media-memory-pressure-001': incident({
        alertname: 'KubePodOOMKilled',
        namespace: 'media',
        pod: await podOf('media', 'sonarr'),
      }),
      'deployment-crash-looping-001': incident({
        alertname: 'KubePodCrashLooping',
        namespace: 'media',
        pod: await podOf('media', 'radarr'),
        container: 'radarr',
      }),
      'argocd-app-out-of-sync-001': incident({
        alertname: 'ArgoCdAppOutOfSync',
        name: 'media-stack',
        sync_status: 'OutOfSync',
      }),
      'home-assistant-integration-error-001': incident({
        alertname: 'HomeAssistantIntegrationError',
        integration: 'ring',
      }),
    };
    expect(Object.keys(samples).sort()).toEqual(runbooks.map((r) => r.id).sort());
    for (const runbook of runbooks) {
      const { matches, skipped } = matchRunbooks([runbook], samples[runbook.id] as IncidentContext);
      expect(skipped).toEqual([]);
      expect(matches).toHaveLength(1);
      for (const solution of matches[0]?.solutions ?? [])
        await exercise(solution, `${runbook.id}/${solution.id}`);
    }
  });

  it("radarr's memory fix applies, reads back and can be rolled back", async () => {
    const { runbooks } = loadRunbooks(RUNBOOKS);
    const radarr = demoAlerts.find((a) => a.labels.alertname === 'KubePodMemoryHigh');
    const [match] = matchRunbooks(runbooks, incident(radarr?.labels ?? {})).matches;
    const fix = match?.solutions.find((s) => s.id === 'increase_memory');
    if (!fix?.rollback) throw new Error('the radarr runbook lost its increase_memory rollback');
    const describe = {
      tool: 'infrastructure__describe_workload',
      arguments: { namespace: 'media', name: 'radarr' },
    };
    const limit = async () =>
      at((await call(describe)).structured, 'workload.containers.0.limits.memory');
    expect(await limit()).toBe('1Gi');
    for (const c of fix.calls) expect((await call(c, true)).isError).toBe(false);
    expect(await limit()).toBe('2Gi');
    for (const c of fix.rollback) {
      const preview = await call(c);
      expect(preview.isError, preview.text).toBe(false);
    }
    for (const c of fix.rollback) expect((await call(c, true)).isError).toBe(false);
    expect(await limit()).toBe('1Gi');
  });
});
