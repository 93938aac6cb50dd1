// The orchestrator's HTTP front door: POST /webhook/alertmanager, /webhook/coroot (token auth),
// /webhook/github (HMAC signature) and /healthz. Alertmanager and Coroot retry 5xx and
// connection errors but not 4xx, so: a bad or unauthenticated payload gets a 4xx (retrying cannot
// help), our own failure (the database) a 5xx (a retry can), and a retried delivery is recognised
// and answered 200 without creating anything twice.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertSafeBind, errorFields, type Logger } from '@homelab/kit';
import { ingestCoroot } from '../incidents/coroot.js';
import {
  ingestAlertmanager,
  type IngestOptions,
  type IngestOutcome,
} from '../incidents/incidents.js';
import { parseAlertmanagerPayload } from '../ingest/alertmanager.js';
import { parseCorootPayload } from '../ingest/coroot.js';
import { ingestGithubDelivery, verifyGithubSignature } from '../ingest/github.js';
import type { Db } from '../store/database.js';

export interface OrchestratorHttpOptions {
  host: string;
  port: number;
  webhookToken: string | undefined;
  maxBodyBytes: number;
  /** ORCH_GITHUB_WEBHOOK_SECRET; without it POST /webhook/github answers 404 saying how to enable it. */
  githubWebhookSecret?: string | undefined;
  /** Incident damping for Alertmanager and Coroot: maintenance windows and flapping settings. */
  incidents?: IngestOptions;
  /**
   * Called after a notification was recorded and answered (the pipeline takes it from there);
   * it runs after the response so Alertmanager never waits on a model, and its failure is logged.
   */
  onIncident?: (outcome: IngestOutcome) => Promise<void>;
  /** Further routes by path prefix (the console, the Mattermost button callback); first match wins. */
  routes?: readonly HttpRoute[];
}

/** A part of the orchestrator that serves its own paths (it reads and answers the request itself). */
export interface HttpRoute {
  /** `/console` serves `/console` and everything under `/console/`. */
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface RunningOrchestratorHttp {
  url: string;
  close(): Promise<void>;
}

export class TooLarge extends Error {}

const WEBHOOKS = ['/webhook/alertmanager', '/webhook/coroot', '/webhook/github'] as const;

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function send(
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

export async function readBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new TooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
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

  const githubDisabled = {
    error:
      'the GitHub webhook is off: set ORCH_GITHUB_WEBHOOK_SECRET to the secret configured on the GitHub webhook (content type application/json) to enable it',
  };

  /** The raw body within the size limit, or undefined after answering 413. */
  const boundedBody = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      return await readBytes(req, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof TooLarge) {
        send(res, 413, {
          error: `body larger than ${options.maxBodyBytes} bytes (ORCH_WEBHOOK_MAX_BYTES)`,
        });
        return undefined;
      }
      throw error;
    }
  };

  /** The body of a token-authenticated webhook, or undefined after answering 401 or 413. */
  const authorizedBody = async (req: IncomingMessage, res: ServerResponse) => {
    if (!authorized(req)) {
      send(
        res,
        401,
        { error: 'unauthorized: send Authorization: Bearer <ORCH_WEBHOOK_TOKEN>' },
        { 'www-authenticate': 'Bearer' },
      );
      return undefined;
    }
    return (await boundedBody(req, res))?.toString('utf8');
  };

  const alertmanagerWebhook = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await authorizedBody(req, res);
    if (body === undefined) return;
    const parsed = parseAlertmanagerPayload(body);
    if (!parsed.ok) {
      log.warn('refused an Alertmanager payload', { problems: parsed.problems });
      send(res, 400, {
        error: 'not an Alertmanager v4 webhook payload',
        problems: parsed.problems,
      });
      return;
    }
    const outcome = ingestAlertmanager(db, parsed.payload, body, new Date(), options.incidents);
    log.info('alertmanager notification', { groupKey: parsed.payload.groupKey, ...outcome });
    send(res, 200, outcome);
    handOver(outcome);
  };

  const handOver = (outcome: IngestOutcome) => {
    if (!options.onIncident || outcome.duplicate) return;
    options.onIncident(outcome).catch((error: unknown) =>
      log.error('handling an incident failed', {
        incidentId: outcome.incidentId,
        ...errorFields(error),
      }),
    );
  };

  const corootWebhook = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await authorizedBody(req, res);
    if (body === undefined) return;
    const parsed = parseCorootPayload(body);
    if (!parsed.ok) {
      log.warn('refused a Coroot payload', { problems: parsed.problems });
      send(res, 400, {
        error: 'not a Coroot webhook notification (templates must be {{ json . }})',
        problems: parsed.problems,
      });
      return;
    }
    const outcome = ingestCoroot(db, parsed.notification, body, new Date(), options.incidents);
    log.info('coroot notification', {
      application: parsed.notification.application.id,
      ...outcome,
    });
    send(res, 200, outcome);
    handOver(outcome);
  };

  const githubWebhook = async (req: IncomingMessage, res: ServerResponse, secret: string) => {
    const bytes = await boundedBody(req, res);
    if (bytes === undefined) return;
    if (!verifyGithubSignature(secret, bytes, header(req, 'x-hub-signature-256'))) {
      log.warn('refused a GitHub delivery with a missing or wrong signature', {
        delivery: header(req, 'x-github-delivery'),
      });
      send(res, 401, {
        error:
          'missing or invalid X-Hub-Signature-256: the webhook secret must equal ORCH_GITHUB_WEBHOOK_SECRET',
      });
      return;
    }
    const event = header(req, 'x-github-event');
    const deliveryId = header(req, 'x-github-delivery');
    if (
      !event ||
      !/^[a-z_]{1,64}$/.test(event) ||
      !deliveryId ||
      !/^[A-Za-z0-9-]{1,100}$/.test(deliveryId)
    ) {
      send(res, 400, { error: 'X-GitHub-Event and X-GitHub-Delivery headers are required' });
      return;
    }
    const outcome = ingestGithubDelivery(db, {
      event,
      deliveryId,
      body: bytes.toString('utf8'),
      contentType: header(req, 'content-type'),
    });
    log.info('github delivery', { event, delivery: deliveryId, ...outcome });
    if (outcome.kind === 'invalid')
      send(res, 400, { error: `not a GitHub ${event} payload`, problems: outcome.problems });
    else send(res, outcome.kind === 'ignored' ? 202 : 200, outcome);
  };

  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = async () => {
      if (path === '/healthz' && req.method === 'GET') return send(res, 200, { status: 'alive' });
      const extra = options.routes?.find(
        (r) => path === r.prefix || path.startsWith(`${r.prefix}/`),
      );
      if (extra) return extra.handle(req, res);
      const webhook = WEBHOOKS.find((w) => w === path);
      if (webhook === undefined) return send(res, 404, { error: `no route ${path}` });
      if (req.method !== 'POST') return send(res, 405, { error: 'use POST' }, { allow: 'POST' });
      if (webhook === '/webhook/alertmanager') return alertmanagerWebhook(req, res);
      if (webhook === '/webhook/coroot') return corootWebhook(req, res);
      if (!options.githubWebhookSecret) return send(res, 404, githubDisabled);
      return githubWebhook(req, res, options.githubWebhookSecret);
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
  log.info('orchestrator listening', {
    url,
    webhooks: WEBHOOKS.filter((w) => w !== '/webhook/github' || options.githubWebhookSecret).map(
      (w) => `${url}${w}`,
    ),
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
