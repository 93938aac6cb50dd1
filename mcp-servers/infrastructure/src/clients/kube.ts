// A small Kubernetes REST client on node:https. Why not @kubernetes/client-node: importing any of
// its API classes loads its whole model registry (about 80 MiB RSS, measured: 124 MiB for config +
// CoreV1Api + AppsV1Api against 42 MiB for bare Node), which would not fit the 128 Mi container
// with the MCP kit beside it. The API itself is plain JSON over HTTPS; responses are validated
// with zod where the tools rely on their shape, and Status errors become actionable messages.
import { readFileSync } from 'node:fs';
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import {
  InvalidInputError,
  NotFoundError,
  UpstreamError,
  upstreamNetworkError,
  upstreamStatusError,
  type ServerMetrics,
} from '@homelab/kit';
import type { z } from 'zod';
import type { KubeTarget } from './kubeconfig.js';

const SERVICE = 'Kubernetes API';
const TOKEN_REFRESH_MS = 60_000;

export type PatchType = 'merge' | 'strategic' | 'json';
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

export interface KubeRequest<T> {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  schema?: z.ZodType<T>;
  signal?: AbortSignal;
  /** What is asked for, named in 404 messages ("deployment media/radarr"). */
  what?: string;
}

interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
}

export class KubeClient {
  readonly target: KubeTarget;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly timeoutMs: number;
  private readonly metrics: ServerMetrics | undefined;
  private token: { value: string | undefined; readAt: number };

  constructor(target: KubeTarget, options: { timeoutMs: number; metrics?: ServerMetrics }) {
    this.target = target;
    this.timeoutMs = options.timeoutMs;
    this.metrics = options.metrics;
    this.token = { value: target.token, readAt: Date.now() };
    this.agent = target.server.startsWith('https:')
      ? new HttpsAgent({
          keepAlive: true,
          maxSockets: 16,
          ca: target.ca,
          cert: target.cert,
          key: target.key,
          rejectUnauthorized: !target.insecure,
        })
      : new HttpAgent({ keepAlive: true, maxSockets: 16 });
  }

  private bearer(): string | undefined {
    if (this.target.tokenFile && Date.now() - this.token.readAt > TOKEN_REFRESH_MS) {
      try {
        this.token = {
          value: readFileSync(this.target.tokenFile, 'utf8').trim(),
          readAt: Date.now(),
        };
      } catch {
        this.token.readAt = Date.now();
      }
    }
    return this.token.value;
  }

  get<T>(path: string, request: KubeRequest<T> = {}): Promise<T> {
    return this.request('GET', path, request);
  }

  patch<T>(path: string, type: PatchType, body: unknown, request: KubeRequest<T> = {}): Promise<T> {
    return this.request('PATCH', path, {
      ...request,
      body,
      contentType: PATCH_CONTENT_TYPES[type],
    });
  }

  /** Raw text (pod logs), at most `maxBytes`. */
  async text(
    path: string,
    request: Omit<KubeRequest<string>, 'schema'> & { maxBytes: number },
  ): Promise<{ text: string; truncated: boolean }> {
    const { body, truncated } = await this.send(
      'GET',
      path,
      { ...request, accept: 'text/plain, */*' },
      request.maxBytes,
    );
    return { text: body, truncated };
  }

  async request<T>(method: string, path: string, request: KubeRequest<T> = {}): Promise<T> {
    const { body } = await this.send(method, path, request, 64 * 1024 * 1024);
    let json: unknown;
    try {
      json = body === '' ? undefined : JSON.parse(body);
    } catch {
      throw new UpstreamError(SERVICE, `sent a response that is not JSON to ${method} ${path}`, {
        hint: 'Check that the configured server is a Kubernetes API server.',
      });
    }
    if (!request.schema) return json as T;
    const parsed = request.schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new UpstreamError(
        SERVICE,
        `sent an unexpected response to ${method} ${path} (${issue?.path.join('.') || 'body'}: ${issue?.message})`,
        {
          hint: 'This Kubernetes version may not be supported; please report it with the version.',
        },
      );
    }
    return parsed.data;
  }

  private send(
    method: string,
    path: string,
    request: KubeRequest<unknown>,
    maxBytes: number,
  ): Promise<{ body: string; truncated: boolean }> {
    const url = new URL(this.target.server.replace(/\/+$/, '') + path);
    for (const [key, value] of Object.entries(request.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { accept: request.accept ?? 'application/json' };
    const token = this.bearer();
    if (token) headers.authorization = `Bearer ${token}`;
    else if (this.target.basic)
      headers.authorization = `Basic ${Buffer.from(`${this.target.basic.username}:${this.target.basic.password}`).toString('base64')}`;
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    if (payload !== undefined) {
      headers['content-type'] = request.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const started = performance.now();
    const record = (outcome: string) => {
      this.metrics?.upstreamRequests.inc({ service: SERVICE, outcome });
      this.metrics?.upstreamDuration.observe(
        { service: SERVICE },
        (performance.now() - started) / 1000,
      );
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, value?: { body: string; truncated: boolean }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value as { body: string; truncated: boolean });
      };
      const req = send(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (chunk: Buffer) => {
          if (truncated) return;
          size += chunk.length;
          if (size > maxBytes) {
            chunks.push(chunk.subarray(0, chunk.length - (size - maxBytes)));
            truncated = true;
            res.destroy();
            finish(undefined, { body: Buffer.concat(chunks).toString('utf8'), truncated: true });
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            record('ok');
            finish(undefined, { body, truncated: false });
            return;
          }
          record(`http_${status}`);
          finish(
            this.statusError(method, path, status, body, res.headers['retry-after'], request.what),
          );
        });
        res.on('error', (error) => finish(error));
      });
      const timer = setTimeout(() => {
        record('timeout');
        req.destroy();
        finish(
          new UpstreamError(
            SERVICE,
            `did not answer within ${(this.timeoutMs / 1000).toFixed(1)} s (${method} ${url.pathname})`,
            {
              hint: 'The API server may be overloaded; check the cluster and try again.',
              retryable: true,
            },
          ),
        );
      }, this.timeoutMs);
      const onAbort = () => {
        req.destroy();
        record('cancelled');
        finish(
          request.signal?.reason instanceof Error ? request.signal.reason : new Error('aborted'),
        );
      };
      request.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) => {
        record('network_error');
        finish(upstreamNetworkError(SERVICE, `${this.target.source}`, this.target.server, error));
      });
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  private statusError(
    method: string,
    path: string,
    status: number,
    body: string,
    retryAfter: string | string[] | undefined,
    what?: string,
  ): Error {
    let parsed: StatusBody;
    try {
      parsed = JSON.parse(body) as StatusBody;
    } catch {
      parsed = {};
    }
    const message = parsed.kind === 'Status' && parsed.message ? parsed.message : body;
    if (status === 404 && what)
      return new NotFoundError(`${what}`, [], {
        hint: 'Check the name and namespace with a list tool.',
      });
    if (status === 422 || (status === 400 && parsed.reason === 'BadRequest')) {
      return new InvalidInputError(`The Kubernetes API refused the change: ${message}`, {
        hint: 'Fix the values it names and try again.',
      });
    }
    if (status === 409) {
      return new UpstreamError(SERVICE, `conflict on ${method} ${path}: ${message}`, {
        status,
        retryable: true,
        hint: 'The object changed meanwhile; read it again and retry.',
      });
    }
    if (status === 403) {
      return new UpstreamError(SERVICE, `forbidden: ${message}`, {
        status,
        hint: "The server's RBAC role does not allow this; grant it in the role or use the operator role.",
      });
    }
    return upstreamStatusError({
      service: SERVICE,
      request: `${method} ${path}`,
      status,
      text: message,
      retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      credentialVariable:
        this.target.source === 'KUBE_API_URL'
          ? 'KUBE_TOKEN'
          : `the credentials of ${this.target.source}`,
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
