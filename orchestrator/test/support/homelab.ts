// A small homelab for the orchestrator's end-to-end tests: the simulated Kubernetes API server
// (demo cluster: radarr OOMKilled in `media`), the real infrastructure MCP server (built dist, over
// stdio) in front of it, the McpHub to it, and an in-memory store. Why shared: the triage, the
// pipeline and the privacy tests all need the same real tool path, not a fake of it.
import { fileURLToPath } from 'node:url';
import {
  appendPodLog,
  DEFAULT_KUBE_TOKEN,
  getKubeObject,
  listKubeObjects,
  startKubernetesSim,
  type KubernetesState,
  type Pod,
  type Workload,
  type Upstream,
} from '@homelab/simulator';
import { captureLog } from '@homelab/testing';
import { ingestAlertmanager } from '../../src/incidents/incidents.js';
import { parseAlertmanagerPayload } from '../../src/ingest/alertmanager.js';
import { McpHub } from '../../src/mcp/hub.js';
import { openDatabase, type Db } from '../../src/store/database.js';

const INFRASTRUCTURE_MAIN = fileURLToPath(
  new URL('../../../mcp-servers/infrastructure/dist/main.js', import.meta.url),
);

export interface TestHomelab {
  kube: Upstream<KubernetesState>;
  hub: McpHub;
  db: Db;
  log: ReturnType<typeof captureLog>;
  /** The first pod of a deployment in `media` (e.g. radarr). */
  podOf(app: string): string;
  /** Memory limit of a deployment's first container. */
  memoryLimit(app: string): string | undefined;
  replicas(app: string): number | undefined;
  appendLog(app: string, line: string): void;
  /** Ingests an Alertmanager notification for an app; returns the incident id. */
  alert(app: string, status: 'firing' | 'resolved', alertname?: string): number;
  close(): Promise<void>;
}

/** The name of the first pod of a deployment in `media` on a simulated cluster. */
export function firstPodOf(state: KubernetesState, app: string): string {
  const pod = listKubeObjects<Pod>(state, 'pods', 'media').find((p) =>
    p.metadata.name.startsWith(`${app}-`),
  );
  if (!pod) throw new Error(`no pod of ${app}`);
  return pod.metadata.name;
}

export async function startTestHomelab(): Promise<TestHomelab> {
  const kube = await startKubernetesSim();
  const log = captureLog();
  const hub = new McpHub(
    [
      {
        name: 'infrastructure',
        command: process.execPath,
        args: [INFRASTRUCTURE_MAIN],
        env: { KUBE_API_URL: kube.url, KUBE_TOKEN: DEFAULT_KUBE_TOKEN, MCP_LOG_LEVEL: 'error' },
      },
    ],
    log.logger,
  );
  const db = openDatabase(':memory:');
  const deployment = (app: string) =>
    getKubeObject<Workload>(kube.state, 'deployments', 'media', app);
  const podOf = (app: string) => firstPodOf(kube.state, app);
  let sequence = 0;
  return {
    kube,
    hub,
    db,
    log,
    podOf,
    memoryLimit: (app) =>
      deployment(app)?.spec.template.spec.containers[0]?.resources?.limits?.memory,
    replicas: (app) => deployment(app)?.spec.replicas,
    appendLog: (app, line) => appendPodLog(kube.state, 'media', podOf(app), app, line),
    alert: (app, status, alertname = 'KubePodOOMKilled') => {
      sequence += 1;
      const payload = {
        version: '4',
        groupKey: `{}:{alertname="${alertname}", namespace="media", deployment="${app}"}`,
        status,
        receiver: 'homelab-agent',
        groupLabels: { alertname },
        commonLabels: { alertname, namespace: 'media', deployment: app, severity: 'warning' },
        commonAnnotations: { summary: `${app} was OOMKilled` },
        externalURL: 'http://127.0.0.1:9093',
        truncatedAlerts: 0,
        alerts: [
          {
            status,
            labels: { alertname, namespace: 'media', deployment: app, severity: 'warning' },
            annotations: { summary: `${app} was OOMKilled`, sequence: String(sequence) },
            startsAt: '2026-11-26T06:00:00Z',
            fingerprint: 'a1b2c3d4e5f60718',
          },
        ],
      };
      const body = JSON.stringify(payload);
      const parsed = parseAlertmanagerPayload(body);
      if (!parsed.ok) throw new Error(parsed.problems.join('; '));
      const outcome = ingestAlertmanager(db, parsed.payload, body);
      if (outcome.incidentId === undefined) throw new Error('no incident');
      return outcome.incidentId;
    },
    close: async () => {
      await hub.close();
      db.close();
      await kube.close();
    },
  };
}
