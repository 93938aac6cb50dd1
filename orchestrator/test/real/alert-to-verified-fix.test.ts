// The whole loop with a real Alertmanager (Debian's): an OOM alert for radarr is grouped and
// delivered to the assembled orchestrator, the radarr runbook matches (no model involved), its
// solutions come with real dry runs from the infrastructure server on the simulated cluster, the
// owner approves solution 1, the memory limit changes, and when Alertmanager sends the resolved
// notification the fix is verified.
import { fileURLToPath } from 'node:url';
import { parseEnv } from '@homelab/kit';
import {
  DEFAULT_KUBE_TOKEN,
  getKubeObject,
  startKubernetesSim,
  type KubernetesState,
  type Upstream,
  type Workload,
} from '@homelab/simulator';
import { captureLog, eventually, startAlertmanager, type RealService } from '@homelab/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrchestrator, type RunningOrchestrator } from '../../src/app.js';
import { configShape } from '../../src/config.js';
import { RecordingChannel } from '../support/channel.js';
import { firstPodOf } from '../support/homelab.js';

const TOKEN = 'real-e2e-token-5c1a';
const OWNER = 'owner@console';
const INFRASTRUCTURE_MAIN = fileURLToPath(
  new URL('../../../mcp-servers/infrastructure/dist/main.js', import.meta.url),
);
const RUNBOOKS = fileURLToPath(new URL('../../../runbooks', import.meta.url));

let kube: Upstream<KubernetesState>;
let orchestrator: RunningOrchestrator;
let alertmanager: RealService;
const channel = new RecordingChannel('console');

beforeAll(async () => {
  kube = await startKubernetesSim();
  const { data: config } = parseEnv(configShape, {
    ORCH_DB_PATH: ':memory:',
    ORCH_PORT: '0',
    ORCH_WEBHOOK_TOKEN: TOKEN,
    ORCH_RUNBOOKS_DIR: RUNBOOKS,
    ORCH_MCP_INFRASTRUCTURE_COMMAND: `${process.execPath} ${INFRASTRUCTURE_MAIN}`,
  });
  orchestrator = await startOrchestrator(config, captureLog().logger, {
    channels: [channel],
    approvers: { console: [OWNER] },
    environment: { PATH: process.env.PATH, KUBE_API_URL: kube.url, KUBE_TOKEN: DEFAULT_KUBE_TOKEN },
  });
  alertmanager = await startAlertmanager(`
route:
  receiver: orchestrator
  group_by: [alertname, namespace]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: orchestrator
    webhook_configs:
      - url: ${orchestrator.http.url}/webhook/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: ${TOKEN}
`);
});

afterAll(async () => {
  await alertmanager?.stop();
  await orchestrator?.close();
  await kube?.close();
});

function radarrPod(): string {
  return firstPodOf(kube.state, 'radarr');
}

function memoryLimit(): string | undefined {
  return getKubeObject<Workload>(kube.state, 'deployments', 'media', 'radarr')?.spec.template.spec
    .containers[0]?.resources?.limits?.memory;
}

function postAlert(pod: string, endsAt?: string) {
  return fetch(`${alertmanager.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      {
        labels: { alertname: 'KubePodOOMKilled', namespace: 'media', pod, severity: 'warning' },
        annotations: { summary: `${pod} was OOMKilled` },
        ...(endsAt ? { endsAt } : {}),
      },
    ]),
  });
}

describe('a real alert to a verified fix', () => {
  it('runbook proposal, approval, execution, and verification on the resolved notification', async () => {
    const pod = radarrPod();
    expect((await postAlert(pod)).status).toBe(200);
    await eventually(
      () => Promise.resolve(channel.kinds()),
      (kinds) => kinds.includes('solutions'),
      20_000,
    );
    const proposal = channel.last('solutions');
    expect(proposal?.text).toContain('runbook radarr-memory-pressure-001');
    expect(proposal?.text).toContain('containers.radarr.resources.limits.memory: "1Gi" → "2Gi"');
    expect(memoryLimit()).toBe('1Gi');

    const decision = await orchestrator.pipeline.approve({
      proposalId: proposal?.proposalId ?? 0,
      solution: 1,
      sender: OWNER,
      channel: 'console',
    });
    expect(decision).toMatchObject({ ok: true });
    expect(memoryLimit()).toBe('2Gi');

    expect((await postAlert(pod, new Date().toISOString())).status).toBe(200);
    const verification = await eventually(
      async () => {
        await orchestrator.pipeline.tick();
        return orchestrator.db.prepare('SELECT method, status, detail FROM verifications').get() as
          { status: string } | undefined;
      },
      (row) => row?.status === 'passed',
      20_000,
      500,
    );
    expect(verification).toEqual({
      method: 'alert_resolved',
      status: 'passed',
      detail: 'the alert resolved',
    });
  });
});
