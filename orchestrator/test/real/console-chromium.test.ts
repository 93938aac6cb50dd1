// The web console in a real browser (Debian's Chromium, headless, JavaScript off — the console
// must work without it): log in, see a pending proposal with its dry run, approve a solution, and
// see it executed — the simulated cluster changed through the real infrastructure server, and the
// incident's timeline in the console shows the step succeeded.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Inbox } from '../../src/approve/inbox.js';
import { hashPassword } from '../../src/console/auth.js';
import { consoleConfigShape } from '../../src/console/config.js';
import { createConsole } from '../../src/console/console.js';
import { startOrchestratorHttp, type RunningOrchestratorHttp } from '../../src/http/server.js';
import { createPipeline, type RunbookCandidate } from '../../src/pipeline.js';
import { RecordingChannel } from '../support/channel.js';
import { testGateway } from '../support/gateway.js';
import { startTestHomelab, type TestHomelab } from '../support/homelab.js';

const CHROMIUM = '/usr/bin/chromium';
const PASSWORD = 'correct horse battery staple';

const SCALE: RunbookCandidate = {
  runbookId: 'radarr-scale-001',
  title: 'Radarr overloaded',
  automationLevel: 'ask_human',
  solutions: [2, 3].map((replicas) => ({
    title: `Scale radarr to ${replicas} replicas`,
    impact: 'more pods',
    risk: 'low' as const,
    reversible: true,
    calls: [
      {
        tool: 'infrastructure__scale_workload',
        arguments: { namespace: 'media', kind: 'deployment', name: 'radarr', replicas },
      },
    ],
  })),
};

let lab: TestHomelab;
let http: RunningOrchestratorHttp;
let browser: Browser;
let inbox: Inbox;
let incidentId: number;
let proposalId: number;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  lab = await startTestHomelab();
  const gateway = testGateway(lab.db, lab.log.logger);
  const { pipeline, gate } = createPipeline({
    db: lab.db,
    log: lab.log.logger,
    hub: lab.hub,
    gateway,
    channels: [new RecordingChannel('signal')],
    gate: { approvers: { console: ['owner'] }, proposalTtlMs: 3_600_000, approvalTtlMs: 60_000 },
    privacy: {},
    matchRunbook: () => SCALE,
  });
  inbox = new Inbox({ db: lab.db, log: lab.log.logger, gate, pipeline });
  const config = z.object(consoleConfigShape).parse({
    ORCH_CONSOLE_USER: 'owner',
    ORCH_CONSOLE_PASSWORD_HASH: await hashPassword(PASSWORD),
  });
  const console = createConsole({
    db: lab.db,
    handler: inbox.handle,
    runbooks: () => [{ id: SCALE.runbookId, title: SCALE.title, automationLevel: 'ask_human' }],
    config,
    log: lab.log.logger,
  });
  http = await startOrchestratorHttp(
    lab.db,
    {
      host: '127.0.0.1',
      port: 0,
      webhookToken: undefined,
      maxBodyBytes: 1_000_000,
      routes: [console.route],
    },
    lab.log.logger,
  );
  incidentId = lab.alert('radarr', 'firing');
  const handled = await pipeline.handleIncident(incidentId);
  if (handled.handledBy !== 'runbook') throw new Error('expected the runbook to match');
  proposalId = handled.proposalId;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await http?.close();
  await lab?.close();
});

describe('web console in Chromium', () => {
  it('log in, see the pending proposal with its dry run, approve, see it executed', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${http.url}/console`);
    expect(new URL(page.url()).pathname).toBe('/console/login');

    await page.fill('input[name=password]', 'wrong password');
    await page.click('button[type=submit]');
    expect(await page.textContent('body')).toMatch(/wrong|invalid|incorrect/i);

    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    expect(new URL(page.url()).pathname).toBe('/console');
    const pending = (await page.textContent('body')) ?? '';
    expect(pending).toContain(`p${proposalId}`);
    expect(pending).toContain('Scale radarr to 3 replicas');
    expect(pending).toContain('Would scale to 3');
    expect(lab.replicas('radarr')).toBe(1);

    await page.click(
      `form[action="/console/proposals/${proposalId}/command"] button[name=command][value="2"]`,
    );
    expect(await page.textContent('body')).toContain(`Approved: p${proposalId} solution 2`);
    await inbox.idle();
    expect(lab.replicas('radarr')).toBe(3);

    await page.goto(`${http.url}/console`);
    expect(await page.textContent('body')).not.toContain(`Scale radarr to 3 replicas`);
    await page.goto(`${http.url}/console/incidents/${incidentId}`);
    const timeline = (await page.textContent('body')) ?? '';
    expect(timeline).toContain('infrastructure__scale_workload');
    expect(timeline).toContain('succeeded');
    expect(timeline).toContain('owner');

    await page.goto(`${http.url}/console/audit`);
    expect(await page.textContent('body')).toContain('choose');
    await context.close();
  }, 60_000);
});
