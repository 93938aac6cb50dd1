// The one HTTP client helper for upstream services, on the built-in fetch. It turns every
// failure mode (refused connection, timeout, dropped socket, 401/403/404/429/5xx, a body that
// is not JSON or not the expected shape) into an UpstreamError that names the service and says
// what to try, counts requests in the metrics, and honours the tool call's AbortSignal.
import type { z } from 'zod';
import { NotFoundError, UpstreamError } from './errors.js';
import type { ServerMetrics } from './metrics.js';

export interface UpstreamClientOptions {
  /** As a person knows it: "Home Assistant", "Sonarr". */
  service: string;
  baseUrl: string;
  /** Prefix of every request path under baseUrl, e.g. "/api/v2". */
  pathPrefix?: string;
  /** Sent on every request (auth headers go here; they are never logged). */
  headers?: Record<string, string>;
  /** Per-request limit; the tool's own timeout still applies. Default 10 s. */
  timeoutMs?: number;
  /** The variable that sets baseUrl, named in connection hints. */
  urlVariable?: string;
  /** The variable that holds the credential, named in 401 hints. */
  credentialVariable?: string;
  metrics?: ServerMetrics;
}

export interface UpstreamRequest<T> {
  query?: Record<string, string | number | boolean | undefined | ReadonlyArray<string | number>>;
  body?: unknown;
  /** Validates the response body; a mismatch is an UpstreamError, never a crash later. */
  schema?: z.ZodType<T>;
  signal?: AbortSignal;
  /** Label of the thing requested, used in 404 messages ("silence abc"). */
  what?: string;
  headers?: Record<string, string>;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection dropped',
  UND_ERR_CLOSED: 'connection closed',
  EPIPE: 'connection dropped',
};

function networkReason(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: string }).code;
    if (code && NETWORK_CODES[code]) return `${NETWORK_CODES[code]} (${code})`;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.message : String(error);
}

function excerpt(text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean;
}

export class UpstreamClient {
  readonly service: string;
  readonly baseUrl: string;
  private readonly prefix: string;
  private readonly options: UpstreamClientOptions;

  constructor(options: UpstreamClientOptions) {
    this.options = options;
    this.service = options.service;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.prefix = (options.pathPrefix ?? '').replace(/\/+$/, '');
  }

  get<T>(path: string, request: UpstreamRequest<T> = {}): Promise<T> {
    return this.request('GET', path, request);
  }
  post<T>(path: string, request: UpstreamRequest<T> = {}): Promise<T> {
    return this.request('POST', path, request);
  }
  put<T>(path: string, request: UpstreamRequest<T> = {}): Promise<T> {
    return this.request('PUT', path, request);
  }
  delete<T>(path: string, request: UpstreamRequest<T> = {}): Promise<T> {
    return this.request('DELETE', path, request);
  }

  async request<T>(method: string, path: string, request: UpstreamRequest<T> = {}): Promise<T> {
    const url = new URL(this.baseUrl + this.prefix + path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value === undefined) continue;
      if (Array.isArray(value))
        for (const item of value) url.searchParams.append(key, String(item));
      else url.searchParams.set(key, String(value));
    }
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...this.options.headers,
      ...request.headers,
    };
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    const started = performance.now();
    const outcome = (label: string) => {
      this.options.metrics?.upstreamRequests.inc({ service: this.service, outcome: label });
      this.options.metrics?.upstreamDuration.observe(
        { service: this.service },
        (performance.now() - started) / 1000,
      );
    };

    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method, headers, body, signal });
      text = await response.text();
    } catch (error) {
      if (request.signal?.aborted) {
        outcome('cancelled');
        throw request.signal.reason instanceof Error ? request.signal.reason : error;
      }
      if (timeout.aborted) {
        outcome('timeout');
        throw new UpstreamError(
          this.service,
          `did not answer within ${(timeoutMs / 1000).toFixed(1)} s (${method} ${url.pathname})`,
          {
            hint: `${this.service} may be overloaded or hung; check it and try again.`,
            retryable: true,
            cause: error,
          },
        );
      }
      outcome('network_error');
      throw upstreamNetworkError(this.service, this.options.urlVariable, this.baseUrl, error);
    }

    if (!response.ok) {
      outcome(`http_${response.status}`);
      throw upstreamStatusError({
        service: this.service,
        request: `${method} ${url.pathname}`,
        status: response.status,
        text,
        retryAfter: response.headers.get('retry-after'),
        credentialVariable: this.options.credentialVariable,
        what: request.what,
      });
    }
    outcome('ok');
    if (!request.schema) return (text === '' ? undefined : safeJson(text)) as T;
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new UpstreamError(
        this.service,
        `sent a response that is not JSON (${method} ${url.pathname}): ${excerpt(text)}`,
        {
          hint: `Check that the configured URL points at ${this.service} and not at a proxy or login page.`,
          retryable: true,
        },
      );
    }
    const parsed = request.schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; ');
      throw new UpstreamError(
        this.service,
        `sent an unexpected response to ${method} ${url.pathname}: ${issues}`,
        {
          hint: `This ${this.service} version may not be supported; please report it with the version number.`,
        },
      );
    }
    return parsed.data;
  }
}

export interface StatusErrorInput {
  service: string;
  /** "GET /api/v2/alerts" */
  request: string;
  status: number;
  /** The response body, quoted (shortened) in the message. */
  text: string;
  retryAfter?: string | null;
  credentialVariable?: string;
  /** Label of the thing requested: a 404 becomes a NotFoundError naming it. */
  what?: string;
}

/** The error for an HTTP error status from an upstream, shared by every upstream client. */
export function upstreamStatusError(input: StatusErrorInput): Error {
  const { service, request, status } = input;
  const detail = input.text ? `: ${excerpt(input.text)}` : '';
  if (status === 401) {
    return new UpstreamError(service, `refused the credentials (401 on ${request})`, {
      status,
      hint: input.credentialVariable
        ? `Check ${input.credentialVariable}: the token may be wrong, expired or revoked.`
        : 'Check the configured credentials.',
    });
  }
  if (status === 403) {
    return new UpstreamError(service, `denied access (403 on ${request})${detail}`, {
      status,
      hint: 'The credentials are valid but lack permission for this action.',
    });
  }
  if (status === 404 && input.what) return new NotFoundError(`${service}: ${input.what}`);
  if (status === 429) {
    return new UpstreamError(service, `is rate limiting requests (429 on ${request})`, {
      status,
      retryable: true,
      hint: input.retryAfter
        ? `Wait ${input.retryAfter} s before trying again.`
        : 'Wait a little before trying again.',
    });
  }
  if (status >= 500) {
    return new UpstreamError(service, `failed with ${status} on ${request}${detail}`, {
      status,
      retryable: true,
      hint: `${service} has an internal problem; check its logs, then try again.`,
    });
  }
  return new UpstreamError(service, `rejected ${request} with ${status}${detail}`, {
    status,
    hint: 'Check the arguments; the upstream message above says what it disliked.',
  });
}

/** The error for an upstream that cannot be reached (refused, reset, unknown host...). */
export function upstreamNetworkError(
  service: string,
  urlVariable: string | undefined,
  baseUrl: string,
  error: unknown,
): UpstreamError {
  const where = urlVariable ? ` (${urlVariable}=${baseUrl})` : ` at ${baseUrl}`;
  return new UpstreamError(service, `cannot be reached${where}: ${networkReason(error)}`, {
    hint: `Check that ${service} is running and reachable from this server.`,
    retryable: true,
    cause: error,
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
