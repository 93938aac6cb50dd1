// Serves one HomelabServer over HTTP: Streamable HTTP at /mcp, legacy SSE at /sse + /messages,
// and /healthz, /readyz, /metrics — all from one node:http server with no framework.
// Security lives here, once: bearer-token auth (constant-time compare), refusal to bind a
// non-loopback address without a token, Host/Origin checks against DNS rebinding, body limits,
// and a cap on open sessions.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server as NodeHttpServer,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Server as McpSession } from '@modelcontextprotocol/sdk/server/index.js';
import type * as StreamableModuleNs from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type * as SseModuleNs from '@modelcontextprotocol/sdk/server/sse.js';
import type { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { ConfigLoadError } from './config.js';
import type { HomelabServer } from './homelab-server.js';
import { errorFields } from './log.js';

const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/** The transports are imported on first use, so a server pays only for what it serves. */
type StreamableModule = typeof StreamableModuleNs;
type SseModule = typeof SseModuleNs;

export interface HttpOptions {
  host: string;
  port: number;
  authToken: string | undefined;
  allowedHosts: readonly string[];
  allowedOrigins: readonly string[];
  maxSessions: number;
  sessionIdleMs: number;
}

export interface RunningHttpServer {
  /** Base URL, e.g. http://127.0.0.1:3900 */
  url: string;
  port: number;
  sessionCount(): number;
  close(): Promise<void>;
}

interface OpenSession {
  kind: 'streamable-http' | 'sse';
  transport: Transport;
  session: McpSession;
  lastSeen: number;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  return hostHeader.split(':')[0] ?? '';
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function jsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}

class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT_BYTES)
      throw new BodyError(413, -32600, `Request body larger than ${BODY_LIMIT_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BodyError(400, -32700, 'Parse error: the body is not valid JSON');
  }
}

function isInitialize(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some(
    (m) =>
      typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'initialize',
  );
}

/** Throws a ConfigLoadError when the options would expose an unauthenticated server. */
export function assertSafeBind(options: Pick<HttpOptions, 'host' | 'authToken'>): void {
  if (!isLoopbackHost(options.host) && !options.authToken) {
    throw new ConfigLoadError([
      `MCP_HOST: refusing to serve on ${options.host} without authentication: anyone who can reach this address could call the tools. ` +
        'Set MCP_AUTH_TOKEN (or MCP_AUTH_TOKEN_FILE), or bind 127.0.0.1.',
    ]);
  }
}

export async function startHttpServer<Clients, Config>(
  server: HomelabServer<Clients, Config>,
  options: HttpOptions,
): Promise<RunningHttpServer> {
  assertSafeBind(options);
  const log = server.log.child({ component: 'http' });
  const tokenHash = options.authToken ? sha256(options.authToken) : undefined;
  const sessions = new Map<string, OpenSession>();
  const checkHosts = options.allowedHosts.length > 0 || isLoopbackHost(options.host);
  const allowedHosts = new Set([
    ...options.allowedHosts.map((h) => h.toLowerCase()),
    ...LOOPBACK_NAMES,
  ]);
  const allowedOrigins = new Set(options.allowedOrigins.map((o) => o.toLowerCase()));
  let streamableModule: Promise<StreamableModule> | undefined;
  let sseModule: Promise<SseModule> | undefined;

  if (!options.authToken)
    log.warn('HTTP transport without MCP_AUTH_TOKEN: only acceptable on loopback', {
      host: options.host,
    });

  const updateGauge = () => {
    let http = 0;
    for (const s of sessions.values()) if (s.kind === 'streamable-http') http++;
    server.metrics.sessions.set({ transport: 'streamable-http' }, http);
    server.metrics.sessions.set({ transport: 'sse' }, sessions.size - http);
  };

  const forget = (id: string) => {
    if (sessions.delete(id)) updateGauge();
  };

  const authorized = (req: IncomingMessage): boolean => {
    if (!tokenHash) return true;
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    return match?.[1] !== undefined && timingSafeEqual(sha256(match[1].trim()), tokenHash);
  };

  const guard = (req: IncomingMessage, res: ServerResponse): boolean => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (checkHosts && !allowedHosts.has(hostnameOf(host))) {
      jsonRpcError(res, 403, -32000, `Host "${host}" is not allowed; add it to MCP_ALLOWED_HOSTS`);
      return false;
    }
    const origin = req.headers.origin?.toLowerCase();
    if (origin !== undefined && !allowedOrigins.has(origin)) {
      jsonRpcError(
        res,
        403,
        -32000,
        `Origin "${origin}" is not allowed; add it to MCP_ALLOWED_ORIGINS`,
      );
      return false;
    }
    return true;
  };

  const requireAuth = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (authorized(req)) return true;
    jsonRpcError(res, 401, -32001, 'Unauthorized: send Authorization: Bearer <MCP_AUTH_TOKEN>', {
      'www-authenticate': 'Bearer realm="mcp"',
    });
    return false;
  };

  const roomForSession = (res: ServerResponse): boolean => {
    if (sessions.size < options.maxSessions) return true;
    jsonRpcError(
      res,
      503,
      -32000,
      `Too many open sessions (MCP_MAX_SESSIONS=${options.maxSessions}); close one and retry`,
      {
        'retry-after': '5',
      },
    );
    return false;
  };

  const handleStreamable = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const sessionId = req.headers['mcp-session-id'];
    const body = req.method === 'POST' ? await readJsonBody(req) : undefined;
    if (typeof sessionId === 'string') {
      const open = sessions.get(sessionId);
      if (!open || open.kind !== 'streamable-http') {
        jsonRpcError(
          res,
          404,
          -32001,
          'Session not found: it expired or was closed; initialize a new session',
        );
        return;
      }
      open.lastSeen = Date.now();
      await (open.transport as StreamableHTTPServerTransport).handleRequest(req, res, body);
      return;
    }
    if (req.method !== 'POST' || !isInitialize(body)) {
      jsonRpcError(
        res,
        400,
        -32000,
        'Bad request: no Mcp-Session-Id header and not an initialize request',
      );
      return;
    }
    if (!roomForSession(res)) return;
    streamableModule ??= import('@modelcontextprotocol/sdk/server/streamableHttp.js');
    const { StreamableHTTPServerTransport } = await streamableModule;
    const session = server.createSession();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      // Answers framed as SSE, not plain JSON: in SDK 1.32.2 the JSON mode keeps ~4 KB per call
      // until the session closes (typescript-sdk issue #2559), which would exhaust a 128 MiB
      // container on one long session. Measured in bench/: 0 B retained per call this way.
      enableJsonResponse: false,
      onsessioninitialized: (id) => {
        sessions.set(id, { kind: 'streamable-http', transport, session, lastSeen: Date.now() });
        updateGauge();
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) forget(transport.sessionId);
    };
    await session.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const handleSseStream = async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!roomForSession(res)) return;
    sseModule ??= import('@modelcontextprotocol/sdk/server/sse.js');
    const { SSEServerTransport } = await sseModule;
    const transport = new SSEServerTransport('/messages', res);
    const session = server.createSession();
    sessions.set(transport.sessionId, { kind: 'sse', transport, session, lastSeen: Date.now() });
    updateGauge();
    transport.onclose = () => forget(transport.sessionId);
    res.on('close', () => forget(transport.sessionId));
    await session.connect(transport);
  };

  const handleSseMessage = async (
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
  ): Promise<void> => {
    const id = url.searchParams.get('sessionId') ?? '';
    const open = sessions.get(id);
    if (!open || open.kind !== 'sse') {
      jsonRpcError(res, 404, -32001, 'SSE session not found: open a new stream at /sse');
      return;
    }
    open.lastSeen = Date.now();
    const body = await readJsonBody(req);
    await (open.transport as SSEServerTransport).handlePostMessage(req, res, body);
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!guard(req, res)) return;
    switch (url.pathname) {
      case '/healthz':
        sendJson(res, 200, { status: 'alive' });
        return;
      case '/readyz': {
        const health = await server.health();
        sendJson(res, health.status === 'ok' ? 200 : 503, {
          status: health.status,
          upstreams: health.upstreams.map(({ name, ok }) => ({ name, ok })),
        });
        return;
      }
      case '/metrics': {
        if (!requireAuth(req, res)) return;
        const text = server.metrics.render();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(text);
        return;
      }
      case '/mcp':
        if (!requireAuth(req, res)) return;
        if (!['POST', 'GET', 'DELETE'].includes(req.method ?? '')) {
          jsonRpcError(res, 405, -32000, 'Method not allowed', { allow: 'GET, POST, DELETE' });
          return;
        }
        await handleStreamable(req, res);
        return;
      case '/sse':
        if (!requireAuth(req, res)) return;
        if (req.method !== 'GET') {
          jsonRpcError(res, 405, -32000, 'Method not allowed', { allow: 'GET' });
          return;
        }
        await handleSseStream(req, res);
        return;
      case '/messages':
        if (!requireAuth(req, res)) return;
        if (req.method !== 'POST') {
          jsonRpcError(res, 405, -32000, 'Method not allowed', { allow: 'POST' });
          return;
        }
        await handleSseMessage(req, res, url);
        return;
      default:
        sendJson(res, 404, {
          error: `No route ${url.pathname}; MCP is served at /mcp (Streamable HTTP) and /sse (SSE)`,
        });
    }
  };

  const http: NodeHttpServer = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof BodyError) {
        if (!res.headersSent) jsonRpcError(res, error.status, error.code, error.message);
        return;
      }
      log.error('HTTP request failed', { path: req.url, ...errorFields(error) });
      if (!res.headersSent) jsonRpcError(res, 500, -32603, 'Internal server error');
      else res.end();
    });
  });
  http.keepAliveTimeout = 65_000;

  const sweeper = setInterval(
    () => {
      const cutoff = Date.now() - options.sessionIdleMs;
      for (const [id, open] of sessions) {
        if (open.lastSeen < cutoff) {
          log.info('closing idle session', { kind: open.kind });
          forget(id);
          void open.transport.close().catch(() => undefined);
        }
      }
    },
    Math.min(60_000, Math.max(1000, options.sessionIdleMs / 2)),
  );
  sweeper.unref();

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${shownHost}:${port}`;
  log.info('serving MCP over HTTP', {
    url,
    streamableHttp: `${url}/mcp`,
    sse: `${url}/sse`,
    auth: Boolean(tokenHash),
  });

  return {
    url,
    port,
    sessionCount: () => sessions.size,
    close: async () => {
      clearInterval(sweeper);
      const open = [...sessions.values()];
      sessions.clear();
      updateGauge();
      await Promise.allSettled(open.map((s) => s.transport.close()));
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}
