// The built server as users run it (node dist/main.js): the SDK client over stdio, Streamable
// HTTP and SSE; the MCP Inspector CLI as an independent client over stdio and over HTTP with a
// token; and the start-up refusals (bad config, unauthenticated non-loopback bind).
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  startAlertmanagerSim,
  createAlertmanagerState,
  demoAlerts,
  type AlertmanagerState,
  type Upstream,
} from '@homelab/simulator';
import { connectSse, connectStdio, connectStreamableHttp } from '@homelab/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const INSPECTOR = fileURLToPath(
  new URL('../../../node_modules/.bin/mcp-inspector', import.meta.url),
);
const TOKEN = 'proc-test-token-81c3aa';
const CANARY = 'canary-am-token-77e0b1';

let sim: Upstream<AlertmanagerState>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  sim = await startAlertmanagerSim({
    token: CANARY,
    state: createAlertmanagerState({ alerts: demoAlerts }),
  });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await sim?.close();
});

function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ALERTMANAGER_URL: sim.url,
    ALERTMANAGER_TOKEN: CANARY,
    MCP_LOG_LEVEL: 'debug',
    ...extra,
  };
}

/** Starts main.js in HTTP mode on a free port and resolves its base URL from the start-up log line. */
function startHttp(
  extra: Record<string, string> = {},
): Promise<{ url: string; stderr: () => string; child: ChildProcess }> {
  const child = spawn(process.execPath, [MAIN, '--transport', 'http', '--port', '0'], {
    env: baseEnv({ MCP_AUTH_TOKEN: TOKEN, ...extra }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start-up line: ${stderr}`)), 10_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const found = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stderr);
      if (found?.[1]) {
        clearTimeout(timer);
        resolve({ url: found[1], stderr: () => stderr, child });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  });
}

/** Runs the Inspector CLI without blocking this process (the simulator answers from here). */
function inspector(
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      INSPECTOR,
      ['--cli', ...args],
      { encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

describe('the built example server, over every transport', () => {
  it('serves stdio to the SDK client, keeps running after a failed call, and logs only to stderr', async () => {
    const connected = await connectStdio(process.execPath, [MAIN], baseEnv());
    const { tools } = await connected.client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      'get_alertmanager_status',
      'list_alertmanager_alerts',
      'list_alertmanager_silences',
      'create_alertmanager_silence',
      'expire_alertmanager_silence',
    ]);
    sim.faults.inject({ kind: 'status', status: 500, times: 1, match: { path: '/api/v2/status' } });
    const failed = await connected.client.callTool({
      name: 'get_alertmanager_status',
      arguments: {},
    });
    expect(failed.isError).toBe(true);
    const ok = await connected.client.callTool({ name: 'list_alertmanager_alerts', arguments: {} });
    expect(ok.structuredContent).toMatchObject({ total: 3 });
    await connected.close();
    expect(connected.stderr()).toContain('"msg":"serving MCP over stdio"');
    expect(connected.stderr()).not.toContain(CANARY);
  });

  it('serves Streamable HTTP and SSE from one process, with the token', async () => {
    const { url, stderr } = await startHttp();
    const http = await connectStreamableHttp(`${url}/mcp`, TOKEN);
    expect(
      (await http.client.callTool({ name: 'get_alertmanager_status', arguments: {} }))
        .structuredContent,
    ).toMatchObject({
      cluster: 'disabled',
    });
    await http.close();
    const sse = await connectSse(`${url}/sse`, TOKEN);
    expect((await sse.client.listTools()).tools).toHaveLength(5);
    await sse.close();
    expect((await fetch(`${url}/mcp`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await fetch(`${url}/sse`)).status).toBe(401);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(stderr()).not.toContain(CANARY);
    expect(stderr()).not.toContain(TOKEN);
  });

  it('honours --read-only from the command line', async () => {
    const connected = await connectStdio(process.execPath, [MAIN, '--read-only'], baseEnv());
    const names = (await connected.client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual([
      'get_alertmanager_status',
      'list_alertmanager_alerts',
      'list_alertmanager_silences',
    ]);
    await connected.close();
  });
});

describe('the MCP Inspector CLI as an independent client', () => {
  it('lists and calls the example tools over stdio', async () => {
    const env = Object.entries(baseEnv()).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const listed = await inspector([...env, process.execPath, MAIN, '--method', 'tools/list']);
    expect(listed.status, listed.stderr).toBe(0);
    expect(
      (JSON.parse(listed.stdout) as { tools: Array<{ name: string }> }).tools.map((t) => t.name),
    ).toContain('list_alertmanager_alerts');
    const called = await inspector([
      ...env,
      process.execPath,
      MAIN,
      '--method',
      'tools/call',
      '--tool-name',
      'list_alertmanager_alerts',
      '--tool-arg',
      'limit=2',
    ]);
    expect(called.status, called.stderr).toBe(0);
    const result = JSON.parse(called.stdout) as {
      structuredContent: { total: number; alerts: unknown[] };
    };
    expect(result.structuredContent.total).toBe(3);
    expect(result.structuredContent.alerts).toHaveLength(2);
  });

  it('lists and calls over Streamable HTTP with a token, and is refused without one', async () => {
    const { url } = await startHttp();
    const auth = ['--header', `Authorization: Bearer ${TOKEN}`];
    const listed = await inspector([`${url}/mcp`, ...auth, '--method', 'tools/list']);
    expect(listed.status, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { tools: unknown[] }).tools).toHaveLength(5);
    const called = await inspector([
      `${url}/mcp`,
      ...auth,
      '--method',
      'tools/call',
      '--tool-name',
      'get_alertmanager_status',
    ]);
    expect(called.status, called.stderr).toBe(0);
    expect(JSON.parse(called.stdout)).toMatchObject({ structuredContent: { cluster: 'disabled' } });
    const refused = await inspector([`${url}/mcp`, '--method', 'tools/list']);
    expect(refused.status).not.toBe(0);
  });
});

describe('start-up refusals', () => {
  it('exits 2 with one message naming every bad variable', () => {
    const run = spawnSync(process.execPath, [MAIN], {
      env: {
        PATH: process.env.PATH ?? '',
        ALERTMANAGER_URL: 'not-a-url',
        MCP_PORT: 'eighty',
        MCP_TRANSPORT: 'smoke-signals',
        ALERTMANAGER_TOKEN_FILE: '/nonexistent/token',
      },
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^Invalid configuration:\n/);
    for (const name of ['ALERTMANAGER_URL', 'MCP_PORT', 'MCP_TRANSPORT', 'ALERTMANAGER_TOKEN_FILE'])
      expect(run.stderr).toContain(`  - ${name}`);
  });

  it('refuses to serve a non-loopback address without a token', () => {
    const run = spawnSync(
      process.execPath,
      [MAIN, '--transport', 'http', '--host', '0.0.0.0', '--port', '0'],
      {
        env: baseEnv(),
        encoding: 'utf8',
        timeout: 10_000,
      },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('refusing to serve on 0.0.0.0 without authentication');
    expect(run.stderr).toContain('MCP_AUTH_TOKEN');
  });
});
