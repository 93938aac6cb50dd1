// The assembled orchestrator, from configuration to messages: an Alertmanager webhook reaches the
// pipeline (no model: the plain "triage is off" notice; with the Gemini SDK on the simulated API:
// a proposal), the runbooks folder is loaded with bad files reported, a step interrupted by a
// crash is reported at start, and bad YAML configuration refuses to start with a clear message.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseEnv } from '@homelab/kit';
import {
  DEFAULT_KUBE_TOKEN,
  DEFAULT_MODEL_API_KEY,
  startKubernetesSim,
  startModelSim,
  type KubernetesState,
  type ModelSim,
  type Upstream,
} from '@homelab/simulator';
import { captureLog, eventually } from '@homelab/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrchestrator } from '../src/app.js';
import { configShape } from '../src/config.js';
import { recordApproval, recordProposal } from '../src/execute/executor.js';
import { openDatabase } from '../src/store/database.js';
import { RecordingChannel } from './support/channel.js';

const INFRASTRUCTURE_MAIN = fileURLToPath(
  new URL('../../mcp-servers/infrastructure/dist/main.js', import.meta.url),
);
const RUNBOOKS = fileURLToPath(new URL('../../runbooks', import.meta.url));

let kube: Upstream<KubernetesState>;
let gemini: ModelSim;

beforeAll(async () => {
  kube = await startKubernetesSim();
  gemini = await startModelSim({ kind: 'gemini' });
});

afterAll(async () => {
  await gemini.close();
  await kube.close();
});

function configOf(env: Record<string, string>) {
  return parseEnv(configShape, {
    ORCH_DB_PATH: ':memory:',
    ORCH_PORT: '0',
    ORCH_RUNBOOKS_DIR: RUNBOOKS,
    ORCH_MCP_INFRASTRUCTURE_COMMAND: `${process.execPath} ${INFRASTRUCTURE_MAIN}`,
    ...env,
  }).data;
}

const environment = { PATH: process.env.PATH, KUBE_API_URL: '', KUBE_TOKEN: DEFAULT_KUBE_TOKEN };

function alertBody(alertname: string): string {
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="${alertname}"}`,
    status: 'firing',
    receiver: 'agent',
    groupLabels: { alertname },
    commonLabels: { alertname, namespace: 'media', deployment: 'radarr' },
    commonAnnotations: { summary: 'radarr restarts' },
    externalURL: 'http://127.0.0.1:9093',
    alerts: [
      {
        status: 'firing',
        labels: { alertname, namespace: 'media', deployment: 'radarr' },
        annotations: { summary: 'radarr restarts' },
        startsAt: '2026-11-26T06:00:00Z',
        fingerprint: '0a0b0c0d',
      },
    ],
  });
}

async function post(url: string, body: string): Promise<number> {
  const response = await fetch(`${url}/webhook/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return response.status;
}

describe('the assembled orchestrator', () => {
  it('without a model key, in verbose mode: asks "Is this a problem?", and after "yes" says plainly that triage is off', async () => {
    const channel = new RecordingChannel();
    const { logger, lines } = captureLog();
    const running = await startOrchestrator(configOf({}), logger, {
      channels: [channel],
      approvers: { test: ['owner'] },
      environment: { ...environment, KUBE_API_URL: kube.url },
    });
    try {
      expect(lines.some((line) => line.includes('Model triage is off'))).toBe(true);
      expect(await post(running.http.url, alertBody('ExampleAlertNoRunbook'))).toBe(200);
      await eventually(
        () => Promise.resolve(channel.kinds()),
        (kinds) => kinds.includes('question'),
      );
      expect(channel.last('question')?.text).toContain('Is this a problem?');
      const yes = await running.inbox.handle({
        channel: 'test',
        sender: 'owner',
        text: 'yes',
        replyTo: channel.idOf('question'),
      });
      expect(yes.outcome).toBe('done');
      await running.inbox.idle();
      expect(channel.kinds()).toEqual(['question', 'notice']);
      expect(channel.last('notice')?.text).toMatch(/^Model triage is off/);
    } finally {
      await running.close();
    }
  });

  it('with a Gemini key: the model investigates through the configured server and proposes', async () => {
    const channel = new RecordingChannel();
    gemini.script.reply({
      text: JSON.stringify({
        summary: 'radarr needs a restart',
        solutions: [
          {
            title: 'Restart radarr',
            risk: 'low',
            reversible: true,
            calls: [
              {
                tool: 'infrastructure__restart_deployment',
                arguments: { namespace: 'media', name: 'radarr' },
              },
            ],
          },
        ],
      }),
    });
    const running = await startOrchestrator(
      configOf({
        ORCH_GEMINI_API_KEY: DEFAULT_MODEL_API_KEY,
        ORCH_GEMINI_BASE_URL: gemini.url,
        ORCH_MODE: 'direct',
      }),
      captureLog().logger,
      { channels: [channel], environment: { ...environment, KUBE_API_URL: kube.url } },
    );
    try {
      expect(await post(running.http.url, alertBody('ExampleAlertNoRunbook'))).toBe(200);
      await eventually(
        () => Promise.resolve(channel.kinds()),
        (kinds) => kinds.includes('solutions'),
      );
      expect(channel.last('solutions')?.text).toContain('1. Restart radarr');
      expect(channel.last('solutions')?.text).toContain(
        'Dry run: Would restart deployment media/radarr',
      );
      const request = gemini.script.received[0] as {
        tools?: Array<{ functionDeclarations: Array<{ name: string }> }>;
      };
      const offered =
        request.tools?.flatMap((t) => t.functionDeclarations.map((f) => f.name)) ?? [];
      expect(offered).toContain('infrastructure__get_pods');
      expect(offered).not.toContain('infrastructure__restart_deployment');
    } finally {
      await running.close();
    }
  });

  it('reports at start a step a crash left running, and never runs it again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orch-app-'));
    const path = join(dir, 'homelab.sqlite');
    const db = openDatabase(path);
    const proposalId = recordProposal(db, {
      summary: 's',
      solutions: [
        {
          title: 'Scale',
          risk: 'low',
          calls: [{ tool: 'infrastructure__scale_workload', arguments: {} }],
        },
      ],
    });
    const approvalId = recordApproval(db, {
      proposalId,
      solution: 1,
      callsSha256: 'x',
      approvedBy: 'owner',
      channel: 'test',
      ttlMs: 60_000,
    });
    db.prepare(
      "INSERT INTO executions (approval_id, step, tool, arguments, state, started_at) VALUES (?, 1, 'infrastructure__scale_workload', '{}', 'executing', ?)",
    ).run(approvalId, new Date().toISOString());
    db.close();
    const channel = new RecordingChannel();
    const running = await startOrchestrator(configOf({ ORCH_DB_PATH: path }), captureLog().logger, {
      channels: [channel],
      environment: { ...environment, KUBE_API_URL: kube.url },
    });
    try {
      expect(channel.last('notice')?.text).toMatch(
        /^After a restart: step 1 \(infrastructure__scale_workload\) of approval \d+ was interrupted/,
      );
      expect(running.db.prepare('SELECT state FROM executions').all()).toEqual([
        { state: 'unknown' },
      ]);
    } finally {
      await running.close();
    }
  });

  it('refuses to start on a bad schedules or quota file, naming the file and the field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orch-app-'));
    const schedules = join(dir, 'schedules.yaml');
    writeFileSync(
      schedules,
      'queries:\n  - id: weekly\n    schedule: "not a cron"\n    prompt: hi\n',
    );
    await expect(
      startOrchestrator(configOf({ ORCH_SCHEDULES_FILE: schedules }), captureLog().logger),
    ).rejects.toThrow(ConfigError);
    const quotas = join(dir, 'quotas.yaml');
    writeFileSync(quotas, 'quota_config:\n  claude_sonet:\n    daily_limit: 5\n');
    await expect(
      startOrchestrator(configOf({ ORCH_QUOTAS_FILE: quotas }), captureLog().logger),
    ).rejects.toThrow(/quotas\.yaml: quota_config\.claude_sonet: expected one of/);
  });

  it('refuses to start on a half-configured channel or an escalation channel that is not configured', async () => {
    await expect(
      startOrchestrator(configOf({ ORCH_SIGNAL_URL: 'http://127.0.0.1:9' }), captureLog().logger),
    ).rejects.toThrow(/ORCH_SIGNAL_NUMBER .* and ORCH_SIGNAL_RECIPIENTS/);
    await expect(
      startOrchestrator(
        configOf({
          ORCH_MATTERMOST_URL: 'http://127.0.0.1:9',
          ORCH_MATTERMOST_CHANNEL_ID: 'c'.repeat(26),
        }),
        captureLog().logger,
      ),
    ).rejects.toThrow(/ORCH_MATTERMOST_TOKEN/);
    await expect(
      startOrchestrator(configOf({ ORCH_ESCALATION_CHANNELS: 'mattermost' }), captureLog().logger),
    ).rejects.toThrow(
      'ORCH_ESCALATION_CHANNELS names mattermost, which is not a configured channel (configured: none)',
    );
  });
});
