// The orchestrator's HTTP front door. Today: POST /webhook/alertmanager and /healthz.
// Alertmanager retries 5xx and connection errors but not 4xx, so: a bad or unauthenticated
// payload gets a 4xx (retrying cannot help), our own failure (the database) a 5xx (a retry can),
// and a retried delivery is recognised and answered 200 without creating anything twice.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertSafeBind, errorFields, type Logger } from '@homelab/kit';
import { ingestAlertmanager } from '../incidents/incidents.js';
import { parseAlertmanagerPayload } from '../ingest/alertmanager.js';
import type { Db } from '../store/database.js';

export interface OrchestratorHttpOptions {
  host: string;
  port: number;
  webhookToken: string | undefined;
  maxBodyBytes: number;
}

export interface RunningOrchestratorHttp {
  url: string;
  close(): Promise<void>;
}

class TooLarge extends Error {}

function send(
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

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new TooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Bearer token, or basic auth whose password is the token (Alertmanager's http_config offers both). */
function presentedToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer?.[1]) return bearer[1].trim();
  const basic = /^Basic\s+(.+)$/i.exec(header);
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    return decoded.slice(decoded.indexOf(':') + 1);
  }
  return undefined;
}

export async function startOrchestratorHttp(
  db: Db,
  options: OrchestratorHttpOptions,
  log: Logger,
): Promise<RunningOrchestratorHttp> {
  assertSafeBind({ host: options.host, authToken: options.webhookToken });
  const tokenHash = options.webhookToken ? sha256(options.webhookToken) : undefined;
  if (!tokenHash)
    log.warn('webhooks accepted without a token: only acceptable on loopback', {
      host: options.host,
    });

  const authorized = (req: IncomingMessage) => {
    if (!tokenHash) return true;
    const token = presentedToken(req);
    return token !== undefined && timingSafeEqual(sha256(token), tokenHash);
  };

  const alertmanagerWebhook = async (req: IncomingMessage, res: ServerResponse) => {
    if (!authorized(req)) {
      send(
        res,
        401,
        { error: 'unauthorized: send Authorization: Bearer <ORCH_WEBHOOK_TOKEN>' },
        { 'www-authenticate': 'Bearer' },
      );
      return;
    }
    let body: string;
    try {
      body = await readBody(req, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof TooLarge) {
        send(res, 413, {
          error: `body larger than ${options.maxBodyBytes} bytes (ORCH_WEBHOOK_MAX_BYTES)`,
        });
        return;
      }
      throw error;
    }
    const parsed = parseAlertmanagerPayload(body);
    if (!parsed.ok) {
      log.warn('refused an Alertmanager payload', { problems: parsed.problems });
      send(res, 400, {
        error: 'not an Alertmanager v4 webhook payload',
        problems: parsed.problems,
      });
      return;
    }
    const outcome = ingestAlertmanager(db, parsed.payload, body);
    log.info('alertmanager notification', { groupKey: parsed.payload.groupKey, ...outcome });
    send(res, 200, outcome);
  };

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = async () => {
      if (path === '/healthz' && req.method === 'GET') return send(res, 200, { status: 'alive' });
      if (path === '/webhook/alertmanager') {
        if (req.method !== 'POST') return send(res, 405, { error: 'use POST' }, { allow: 'POST' });
        return alertmanagerWebhook(req, res);
      }
      return send(res, 404, { error: `no route ${path}` });
    };
    route().catch((error: unknown) => {
      log.error('request failed', { path, ...errorFields(error) });
      if (!res.headersSent)
        send(res, 500, { error: 'internal error; the delivery was not recorded, retry later' });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  log.info('orchestrator listening', { url, alertmanagerWebhook: `${url}/webhook/alertmanager` });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
