import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigLoadError } from '../src/config.js';
import { assertSafeBind, startHttpServer, type RunningHttpServer } from '../src/http-server.js';
import { CANARY, fixtureServer, kitSettings } from './helpers.js';

const TOKEN = 'test-token-5b1e0c';
const running: RunningHttpServer[] = [];

async function start(overrides: Parameters<typeof kitSettings>[0] = {}) {
  const kit = kitSettings({ transport: 'http', authToken: TOKEN, ...overrides });
  const fixture = fixtureServer(kit);
  const http = await startHttpServer(fixture.server, kit);
  running.push(http);
  return { ...fixture, http };
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'raw', version: '0' },
  },
};

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('HTTP transport security', () => {
  it('answers 401 on /mcp, /sse, /messages and /metrics without the token, and on a wrong one', async () => {
    const { http } = await start();
    for (const [path, method] of [
      ['/mcp', 'POST'],
      ['/sse', 'GET'],
      ['/messages?sessionId=x', 'POST'],
      ['/metrics', 'GET'],
    ] as const) {
      const response = await fetch(`${http.url}${path}`, {
        method,
        body: method === 'POST' ? '{}' : undefined,
      });
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const wrong = await post(`${http.url}/mcp`, initialize, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toMatch(
      /Unauthorized/,
    );
  });

  it('lists tools with the token over Streamable HTTP and over SSE', async () => {
    const { http } = await start();
    const streamable = new Client({ name: 't', version: '0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${http.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
    });
    await streamable.connect(transport);
    expect((await streamable.listTools()).tools.map((t) => t.name)).toContain('echo');
    expect(http.sessionCount()).toBe(1);
    await transport.terminateSession();
    await streamable.close();

    const headers = { authorization: `Bearer ${TOKEN}` };
    const sse = new Client({ name: 't', version: '0' });
    await sse.connect(
      new SSEClientTransport(new URL(`${http.url}/sse`), {
        requestInit: { headers },
        eventSourceInit: {
          fetch: (u, init) =>
            fetch(u, {
              ...init,
              headers: { ...(init?.headers as Record<string, string>), ...headers },
            }),
        },
      }),
    );
    const result = await sse.callTool({ name: 'echo', arguments: { message: 'via sse' } });
    expect(result.structuredContent).toEqual({ message: 'via sse', calls: 1 });
    await sse.close();
  });

  it('refuses to bind a non-loopback address without a token, with a clear message', async () => {
    expect(() => assertSafeBind({ host: '0.0.0.0', authToken: undefined })).toThrow(
      ConfigLoadError,
    );
    expect(() => assertSafeBind({ host: '0.0.0.0', authToken: undefined })).toThrow(
      /refusing to serve on 0\.0\.0\.0 without authentication.*MCP_AUTH_TOKEN/,
    );
    expect(() => assertSafeBind({ host: '0.0.0.0', authToken: 'x' })).not.toThrow();
    expect(() => assertSafeBind({ host: '127.0.0.2', authToken: undefined })).not.toThrow();
    const kit = kitSettings({ transport: 'http', host: '0.0.0.0', authToken: undefined });
    await expect(startHttpServer(fixtureServer(kit).server, kit)).rejects.toThrow(
      /refusing to serve/,
    );
  });

  it('rejects foreign Host and Origin headers (DNS rebinding)', async () => {
    const { http } = await start();
    const { request } = await import('node:http');
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${http.url}/healthz`, { headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status({ host: 'evil.example:80' })).toBe(403);
    expect(await status({ host: `localhost:${http.port}` })).toBe(200);
    expect(await status({ host: `127.0.0.1:${http.port}`, origin: 'http://evil.example' })).toBe(
      403,
    );
    const allowed = await start({
      allowedOrigins: ['http://console.lan'],
      allowedHosts: ['mcp.lan'],
    });
    const allowedStatus = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        request(`${allowed.http.url}/healthz`, { headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).end();
      });
    expect(await allowedStatus({ host: 'mcp.lan:8080', origin: 'http://console.lan' })).toBe(200);
  });

  it('serves /healthz and /readyz without auth, and /metrics with it', async () => {
    const { http } = await start();
    expect(await (await fetch(`${http.url}/healthz`)).json()).toEqual({ status: 'alive' });
    const ready = await fetch(`${http.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'degraded',
      upstreams: [
        { name: 'Always up', ok: true },
        { name: 'Flaky', ok: false },
      ],
    });
    const metrics = await fetch(`${http.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE mcp_tool_calls_total counter');
  });
});

describe('HTTP transport robustness', () => {
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('answers bad JSON with a parse error and unknown sessions with 404', async () => {
    const { http } = await start();
    const bad = await post(`${http.url}/mcp`, '{not json', auth);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const unknown = await post(
      `${http.url}/mcp`,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { ...auth, 'mcp-session-id': 'ghost' },
    );
    expect(unknown.status).toBe(404);
    const noSession = await post(
      `${http.url}/mcp`,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      auth,
    );
    expect(noSession.status).toBe(400);
    const tooBig = await post(
      `${http.url}/mcp`,
      JSON.stringify({ pad: 'x'.repeat(5 * 1024 * 1024) }),
      auth,
    );
    expect(tooBig.status).toBe(413);
  });

  it('caps open sessions', async () => {
    const { http } = await start({ maxSessions: 1 });
    const first = await post(`${http.url}/mcp`, initialize, auth);
    expect(first.status).toBe(200);
    const second = await post(`${http.url}/mcp`, initialize, auth);
    expect(second.status).toBe(503);
    expect(((await second.json()) as { error: { message: string } }).error.message).toMatch(
      /MCP_MAX_SESSIONS=1/,
    );
  });

  it('keeps secrets out of HTTP tool results and logs', async () => {
    const { http, lines } = await start();
    const client = new Client({ name: 't', version: '0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${http.url}/mcp`), {
      requestInit: { headers: auth },
    });
    await client.connect(transport);
    const results = [
      await client.callTool({ name: 'leaky', arguments: {} }),
      await client.callTool({ name: 'explode', arguments: {} }),
      await client.callTool({ name: 'upstream_down', arguments: {} }),
    ];
    expect(JSON.stringify(results)).not.toContain(CANARY);
    expect(lines.join('\n')).not.toContain(CANARY);
    expect(lines.join('\n')).not.toContain(TOKEN);
    await transport.terminateSession();
    await client.close();
  });
});
