// End to end with a real Alertmanager: an alert posted to it is grouped, delivered to the
// orchestrator's webhook with a bearer token, and recorded as one incident; when the alert
// resolves, Alertmanager's resolved notification closes it.
import { eventually, startAlertmanager, type RealService } from '@homelab/testing';
import { captureLog } from '@homelab/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOrchestratorHttp, type RunningOrchestratorHttp } from '../../src/http/server.js';
import { openDatabase, type Db } from '../../src/store/database.js';

const TOKEN = 'real-webhook-token-41d7';
let db: Db;
let http: RunningOrchestratorHttp;
let alertmanager: RealService;

beforeAll(async () => {
  db = openDatabase(':memory:');
  http = await startOrchestratorHttp(
    db,
    { host: '127.0.0.1', port: 0, webhookToken: TOKEN, maxBodyBytes: 1024 * 1024 },
    captureLog().logger,
  );
  alertmanager = await startAlertmanager(`
route:
  receiver: orchestrator
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: orchestrator
    webhook_configs:
      - url: ${http.url}/webhook/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: ${TOKEN}
`);
});

afterAll(async () => {
  await alertmanager?.stop();
  await http?.close();
  db?.close();
});

function postAlert(endsAt?: string) {
  return fetch(`${alertmanager.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      {
        labels: {
          alertname: 'KubePodCrashLooping',
          namespace: 'media',
          pod: 'radarr-0',
          severity: 'warning',
        },
        annotations: { summary: 'radarr-0 is crash looping' },
        ...(endsAt ? { endsAt } : {}),
      },
    ]),
  });
}

describe('a real Alertmanager delivering to the orchestrator', () => {
  it('records the firing alert as one incident', async () => {
    expect((await postAlert()).status).toBe(200);
    const rows = await eventually(
      async () => db.prepare('SELECT status, title, severity FROM incidents').all(),
      (r) => r.length > 0,
      20_000,
    );
    expect(rows).toEqual([
      {
        status: 'open',
        title: 'KubePodCrashLooping: radarr-0 is crash looping',
        severity: 'warning',
      },
    ]);
  });

  it('closes it when Alertmanager sends the resolved notification', async () => {
    expect((await postAlert(new Date().toISOString())).status).toBe(200);
    const rows = await eventually(
      async () => db.prepare('SELECT status FROM incidents').all() as Array<{ status: string }>,
      (r) => r[0]?.status === 'resolved',
      20_000,
    );
    expect(rows).toEqual([{ status: 'resolved' }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM incidents').get()).toEqual({ n: 1 });
  });
});
