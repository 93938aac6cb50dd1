// A simulated upstream: a real HTTP + WebSocket server on 127.0.0.1 (free port) holding state,
// checking every request and response against the upstream's contract and misbehaving on demand.
// Why: the servers under test must talk to something that behaves like Sonarr, Argo CD or Home
// Assistant over a real socket, without those products running here. Built on node:http and
// `ws` only, to stay small and to keep the simulated wire behaviour explicit.

import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebSocketServer } from 'ws';
import { z, type ZodType } from 'zod';
import { Contract, type ContractIssue, type ContractOperation } from './contract.js';
import { FaultTable, type Fault, type FaultController } from './faults.js';
import { baseMediaType, isJsonMediaType } from './media-types.js';
import {
  compilePathTemplate,
  matchPathTemplate,
  moreSpecificFirst,
  type PathTemplate,
} from './path-template.js';
import { SimSocketConnection, type SocketHooks } from './sim-socket.js';
import type {
  RequestLogEntry,
  RouteDefinition,
  SimRequest,
  SimResponse,
  SimSocket,
  Upstream,
  UpstreamOptions,
  WebSocketRoute,
} from './types.js';
import { createViolation, describeIssue, type ContractViolation } from './violations.js';

/** Largest request body accepted; larger ones get 413. */
export const MAX_REQUEST_BODY_BYTES = 5 * 1024 * 1024;

const HTTP_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'];
const MALFORMED_BODY = '{"simulated": "malformed response", "items": [{"id": 1, "name": "trunc';

const isFunction = (value: unknown): boolean => typeof value === 'function';
const isZodSchema = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { safeParse?: unknown }).safeParse === 'function';

const upstreamOptionsSchema = z.looseObject({
  name: z.string().min(1),
  contract: z.union([z.instanceof(Contract), z.array(z.instanceof(Contract))]).optional(),
  auth: z.custom<unknown>(isFunction, 'auth must be a function').optional(),
  unauthorized: z.custom<unknown>(isFunction, 'unauthorized must be a function').optional(),
  undeclaredErrors: z
    .union([
      z.custom<unknown>(isZodSchema, 'undeclaredErrors must be a zod schema or {$ref}'),
      z.object({ $ref: z.string().startsWith('#/') }),
    ])
    .optional(),
  routes: z.array(
    z.looseObject({
      method: z
        .string()
        .refine((method) => HTTP_METHODS.includes(method.toUpperCase()), 'unknown HTTP method'),
      path: z.string().startsWith('/'),
      handler: z.custom<unknown>(isFunction, 'handler must be a function'),
      request: z.custom<unknown>(isZodSchema, 'request must be a zod schema').optional(),
      response: z.custom<unknown>(isZodSchema, 'response must be a zod schema').optional(),
      requestBodies: z
        .record(z.string(), z.custom<unknown>(isZodSchema, 'requestBodies must hold zod schemas'))
        .optional(),
    }),
  ),
  websocket: z
    .array(
      z.looseObject({
        path: z.string().startsWith('/'),
        onConnection: z.custom<unknown>(isFunction, 'onConnection must be a function'),
      }),
    )
    .optional(),
});

interface CompiledRoute<S> {
  method: string;
  template: PathTemplate;
  definition: RouteDefinition<S>;
  operation: ContractOperation | undefined;
  /** The contract declaring `operation`. */
  contract: Contract | undefined;
}

interface ContractMatch {
  operation: ContractOperation | undefined;
  contract: Contract | undefined;
}

interface WireResponse {
  status: number;
  headers: Record<string, string>;
  payload: string | undefined;
  contentType: string | undefined;
}

function issue(location: string, message: string): ContractIssue {
  return { location, instancePath: '', schemaPath: '', message };
}

/** A zod schema's complaints about a value, as contract issues (for own-schema checks). */
export function zodIssues(schema: ZodType, value: unknown, location: string): ContractIssue[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.slice(0, 20).map((found) => ({
    location,
    instancePath: found.path.length === 0 ? '' : '/' + found.path.map(String).join('/'),
    schemaPath: `zod ${found.code}`,
    message: found.message,
  }));
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function encodeResponse(response: SimResponse): WireResponse {
  const headers: Record<string, string> = { ...response.headers };
  const contentTypeKey =
    Object.keys(headers).find((key) => key.toLowerCase() === 'content-type') ?? 'content-type';
  let payload: string | undefined;
  if (response.raw !== undefined) {
    payload = response.raw;
    headers[contentTypeKey] ??= 'text/plain; charset=utf-8';
  } else if (response.body !== undefined) {
    payload = JSON.stringify(response.body);
    headers[contentTypeKey] ??= 'application/json; charset=utf-8';
  }
  return { status: response.status, headers, payload, contentType: headers[contentTypeKey] };
}

function readBody(req: IncomingMessage): Promise<{ text: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > MAX_REQUEST_BODY_BYTES) {
        req.off('data', onData);
        req.pause();
        resolve({ text: '', tooLarge: true });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge: false }));
    req.on('error', reject);
  });
}

function writeRawHttp(
  socket: Duplex,
  status: number,
  body: unknown,
  extraHeaders: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  const headers = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
    connection: 'close',
    ...extraHeaders,
  };
  const head = Object.entries(headers)
    .map(([key, value]) => `${key}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n${payload}`);
}

class SimulatedUpstream<S> implements Upstream<S> {
  readonly name: string;
  readonly state: S;
  readonly contract: Contract | undefined;
  readonly contracts: readonly Contract[];
  readonly violations: ContractViolation[] = [];
  readonly requests: RequestLogEntry[] = [];
  readonly faults: FaultController;
  url = '';
  wsUrl = '';

  private readonly routes: Array<CompiledRoute<S>>;
  private readonly wsRoutes: Array<{ template: PathTemplate; definition: WebSocketRoute<S> }>;
  private readonly faultTable = new FaultTable();
  private readonly server: Server;
  /** Created only for upstreams with WebSocket routes (`ws` is loaded lazily). */
  private wss: WebSocketServer | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly wsConnections = new Set<SimSocketConnection>();
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;

  constructor(private readonly options: UpstreamOptions<S>) {
    this.name = options.name;
    this.state = options.state;
    this.contracts =
      options.contract === undefined
        ? []
        : options.contract instanceof Contract
          ? [options.contract]
          : [...options.contract];
    this.contract = this.contracts[0];
    const errorRef = options.undeclaredErrors;
    if (errorRef && '$ref' in errorRef && typeof errorRef.$ref === 'string') {
      const missing = this.contracts.find((contract) => !contract.hasSchema(errorRef.$ref));
      if (missing)
        throw new Error(
          `${this.name}: undeclaredErrors ${errorRef.$ref} is not in ${missing.file}`,
        );
    }
    this.routes = this.compileRoutes();
    this.wsRoutes = (options.websocket ?? [])
      .map((definition) => ({ template: compilePathTemplate(definition.path), definition }))
      .sort((a, b) => moreSpecificFirst(a.template, b.template));
    const table = this.faultTable;
    this.faults = {
      inject: (fault: Fault) => {
        const entry = table.add(fault);
        if (fault.kind !== 'ws-close') return;
        for (const connection of this.wsConnections) {
          if (connection.closed || !table.matches(entry, undefined, connection.request.path))
            continue;
          table.consume(entry);
          connection.disconnect(fault.code);
        }
      },
      clear: () => table.clear(),
      get active() {
        return table.list();
      },
    };
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.failUnexpectedly(res, error));
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.handleUpgrade(req, socket, head).catch(() => socket.destroy());
    });
  }

  get connections(): readonly SimSocket[] {
    return [...this.wsConnections].filter((connection) => !connection.closed);
  }

  async listen(): Promise<void> {
    if (this.wsRoutes.length > 0) {
      const { WebSocketServer: WsServer } = await import('ws');
      this.wss = new WsServer({ noServer: true });
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}`;
  }

  private compileRoutes(): Array<CompiledRoute<S>> {
    const seen = new Set<string>();
    const compiled = this.options.routes.map((definition) => {
      const method = definition.method.toUpperCase();
      const template = compilePathTemplate(definition.path);
      const key = `${method} ${template.shape}`;
      if (seen.has(key))
        throw new Error(`${this.name}: route ${method} ${definition.path} is registered twice`);
      seen.add(key);
      const { operation, contract } = this.declared((candidate) =>
        candidate.find(method, definition.path),
      );
      if (this.contracts.length > 0 && !operation && !definition.request && !definition.response) {
        throw new Error(
          `${this.name}: route ${method} ${definition.path} is not in the contract ${this.describeContracts()}; ` +
            'a route outside the contract needs its own zod request/response schemas',
        );
      }
      return { method, template, definition, operation, contract };
    });
    return compiled.sort((a, b) => moreSpecificFirst(a.template, b.template));
  }

  /** The first contract whose `lookup` finds an operation. */
  private declared(lookup: (contract: Contract) => ContractOperation | undefined): ContractMatch {
    for (const contract of this.contracts) {
      const operation = lookup(contract);
      if (operation) return { operation, contract };
    }
    return { operation: undefined, contract: undefined };
  }

  private describeContracts(): string {
    return this.contracts
      .map((contract) => `${contract.file} (base path '${contract.basePath}')`)
      .join(' or ');
  }

  private findRoute(
    method: string,
    path: string,
  ): { route: CompiledRoute<S>; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const params = matchPathTemplate(route.template, path);
      if (params) return { route, params };
    }
    return undefined;
  }

  private recordViolation(
    direction: ContractViolation['direction'],
    method: string,
    path: string,
    operation: string,
    status: number,
    issues: ContractIssue[],
  ): void {
    this.violations.push(
      createViolation({ upstream: this.name, direction, method, path, operation, status, issues }),
    );
  }

  private write(res: ServerResponse, log: RequestLogEntry, wire: WireResponse): void {
    log.status = wire.status;
    if (res.headersSent || res.destroyed) return;
    res.writeHead(wire.status, wire.headers);
    res.end(wire.payload);
  }

  private reply(res: ServerResponse, log: RequestLogEntry, response: SimResponse): void {
    this.write(res, log, encodeResponse(response));
  }

  private failUnexpectedly(res: ServerResponse, error: unknown): void {
    if (this.closing.signal.aborted || res.headersSent || res.destroyed) return;
    res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ message: `simulator error: ${(error as Error).message}` }));
  }

  private applyFault(
    fault: Fault,
    req: IncomingMessage,
    res: ServerResponse,
    log: RequestLogEntry,
  ): void {
    switch (fault.kind) {
      case 'status': {
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined)
          headers['retry-after'] = String(fault.retryAfterSeconds);
        this.reply(res, log, {
          status: fault.status,
          body: fault.body ?? { message: `simulated ${fault.status} fault` },
          headers,
        });
        return;
      }
      case 'drop':
        req.socket.destroy();
        return;
      case 'hang':
        return;
      case 'malformed':
        this.reply(res, log, {
          status: 200,
          raw: MALFORMED_BODY,
          headers: { 'content-type': 'application/json; charset=utf-8' },
        });
        return;
      default:
        return;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const log: RequestLogEntry = { method, path, status: 0 };
    this.requests.push(log);

    const { latencyMs, replacement, applied } = this.faultTable.takeForRequest(method, path);
    const shownFault = replacement ?? applied[0];
    if (shownFault) log.fault = shownFault.kind;
    if (latencyMs > 0) {
      await sleep(latencyMs, undefined, { signal: this.closing.signal }).catch(() => undefined);
      if (this.closing.signal.aborted || req.socket.destroyed) return;
    }
    if (replacement) {
      this.applyFault(replacement, req, res, log);
      return;
    }

    const { text, tooLarge } = await readBody(req);
    if (tooLarge) {
      res.shouldKeepAlive = false;
      this.reply(res, log, {
        status: 413,
        body: { message: `request body larger than ${MAX_REQUEST_BODY_BYTES} bytes` },
      });
      return;
    }
    const contentType = firstHeader(req.headers['content-type']);
    const hasBody = text.length > 0;
    const bodyIsJson = hasBody && isJsonMediaType(contentType);
    let body: unknown;
    let jsonError: string | undefined;
    if (hasBody) {
      body = text;
      if (bodyIsJson) {
        try {
          body = JSON.parse(text) as unknown;
        } catch (error) {
          jsonError = (error as Error).message;
        }
      }
    }

    const routed = this.findRoute(method, path);
    const { operation, contract } = routed
      ? routed.route
      : this.declared((candidate) => candidate.match(method, path));
    const simRequest: SimRequest = {
      method,
      path,
      query: url.searchParams,
      headers: req.headers,
      body,
      params: routed?.params ?? {},
    };
    if (this.options.auth && !this.options.auth(simRequest)) {
      this.reply(
        res,
        log,
        this.options.unauthorized?.(simRequest) ?? {
          status: 401,
          body: { message: 'unauthorized' },
        },
      );
      return;
    }
    const label =
      operation?.label ??
      (routed ? `${method} ${routed.route.template.template}` : `${method} ${path}`);

    if (jsonError !== undefined) {
      const issues = [issue('body', `is not valid JSON (${jsonError})`)];
      this.recordViolation('request', method, path, label, 400, issues);
      this.reply(res, log, {
        status: 400,
        body: { message: `contract violation: ${issues.map(describeIssue).join('; ')}` },
      });
      return;
    }

    if (!routed && !operation) {
      this.rejectUnknown(res, log, method, path);
      return;
    }

    const requestIssues: ContractIssue[] = [];
    const mediaType = baseMediaType(contentType);
    const bodySchema =
      hasBody && mediaType !== undefined
        ? routed?.route.definition.requestBodies?.[mediaType]
        : undefined;
    if (operation && contract) {
      const contractIssues = contract.checkRequest(operation, {
        path,
        query: url.searchParams,
        headers: req.headers,
        contentType,
        body,
        hasBody,
        bodyIsJson,
      });
      requestIssues.push(
        ...(bodySchema
          ? contractIssues.filter(
              (found) => found.location !== 'body' && found.location !== 'content-type',
            )
          : contractIssues),
      );
    }
    if (bodySchema) requestIssues.push(...zodIssues(bodySchema, body, 'body'));
    const requestSchema = routed?.route.definition.request;
    if (requestSchema) requestIssues.push(...zodIssues(requestSchema, body, 'body'));
    if (requestIssues.length > 0) {
      this.recordViolation('request', method, path, label, 400, requestIssues);
      this.reply(res, log, {
        status: 400,
        body: { message: `contract violation: ${requestIssues.map(describeIssue).join('; ')}` },
      });
      return;
    }

    if (!routed) {
      const issues = [
        issue(
          'route',
          'the contract declares this operation but the simulator has no route for it',
        ),
      ];
      this.recordViolation('response', method, path, label, 501, issues);
      this.reply(res, log, {
        status: 501,
        body: { message: `not implemented by the ${this.name} simulator: ${label}` },
      });
      return;
    }

    let response: SimResponse;
    try {
      response = await routed.route.definition.handler(simRequest, this.state);
    } catch (error) {
      const issues = [issue('handler', `threw ${(error as Error).stack ?? String(error)}`)];
      this.recordViolation('response', method, path, label, 500, issues);
      this.reply(res, log, {
        status: 500,
        body: { message: `simulator handler failed: ${(error as Error).message}` },
      });
      return;
    }
    if (this.closing.signal.aborted) return;

    const wire = encodeResponse(response);
    this.recordResponseIssues(routed.route, response.schema, wire, method, path, label);
    this.write(res, log, wire);
  }

  private rejectUnknown(
    res: ServerResponse,
    log: RequestLogEntry,
    method: string,
    path: string,
  ): void {
    const allowed = new Set(this.contracts.flatMap((contract) => contract.methodsAt(path)));
    for (const route of this.routes) {
      if (matchPathTemplate(route.template, path)) allowed.add(route.method);
    }
    if (allowed.size > 0) {
      const issues = [
        issue(
          'method',
          `${method} is not declared for this path (declared: ${[...allowed].join(', ')})`,
        ),
      ];
      this.recordViolation('request', method, path, `${method} ${path}`, 405, issues);
      this.reply(res, log, {
        status: 405,
        body: { message: `contract violation: ${issues.map(describeIssue).join('; ')}` },
        headers: { allow: [...allowed].join(', ') },
      });
      return;
    }
    const issues = [
      issue(
        'path',
        this.contracts.length > 0
          ? `is not in the contract ${this.contracts
              .map((contract) => `${contract.title} (base path '${contract.basePath}')`)
              .join(' or ')}`
          : 'matches no route',
      ),
    ];
    this.recordViolation('request', method, path, `${method} ${path}`, 404, issues);
    this.reply(res, log, {
      status: 404,
      body: { message: `contract violation: ${issues.map(describeIssue).join('; ')}` },
    });
  }

  private recordResponseIssues(
    route: CompiledRoute<S>,
    negotiated: ZodType | undefined,
    wire: WireResponse,
    method: string,
    path: string,
    label: string,
  ): void {
    const issues: ContractIssue[] = [];
    const hasBody = wire.payload !== undefined;
    let body: unknown = wire.payload;
    let bodyIsJson = false;
    if (wire.payload !== undefined && isJsonMediaType(wire.contentType)) {
      try {
        body = JSON.parse(wire.payload) as unknown;
        bodyIsJson = true;
      } catch (error) {
        issues.push(issue('body', `is not valid JSON (${(error as Error).message})`));
      }
    }
    const { operation, contract } = route;
    const undeclaredErrors = this.options.undeclaredErrors;
    if (negotiated) {
      issues.push(...zodIssues(negotiated, body, 'body'));
    } else if (
      operation &&
      contract &&
      undeclaredErrors &&
      wire.status >= 400 &&
      !contract.declaresStatus(operation, wire.status)
    ) {
      if (!bodyIsJson) {
        issues.push(issue('body', `of the undeclared error ${wire.status} is not JSON`));
      } else if ('$ref' in undeclaredErrors && typeof undeclaredErrors.$ref === 'string') {
        issues.push(...contract.checkSchema(undeclaredErrors.$ref, body, 'body'));
      } else {
        issues.push(...zodIssues(undeclaredErrors as ZodType, body, 'body'));
      }
    } else if (operation && contract) {
      issues.push(
        ...contract.checkResponse(operation, {
          status: wire.status,
          contentType: wire.contentType,
          body,
          hasBody,
          bodyIsJson,
        }),
      );
    }
    const responseSchema = route.definition.response;
    if (!negotiated && responseSchema && wire.status >= 200 && wire.status < 300)
      issues.push(...zodIssues(responseSchema, body, 'body'));
    if (issues.length > 0)
      this.recordViolation('response', method, path, label, wire.status, issues);
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const log: RequestLogEntry = { method: 'GET', path, status: 0 };
    this.requests.push(log);

    const { latencyMs, replacement, applied } = this.faultTable.takeForRequest('GET', path);
    const shownFault = replacement ?? applied[0];
    if (shownFault) log.fault = shownFault.kind;
    if (latencyMs > 0) {
      await sleep(latencyMs, undefined, { signal: this.closing.signal }).catch(() => undefined);
      if (this.closing.signal.aborted || socket.destroyed) return;
    }
    if (replacement) {
      if (replacement.kind === 'status') {
        log.status = replacement.status;
        const headers: Record<string, string> = {};
        if (replacement.retryAfterSeconds !== undefined)
          headers['retry-after'] = String(replacement.retryAfterSeconds);
        writeRawHttp(
          socket,
          replacement.status,
          replacement.body ?? { message: `simulated ${replacement.status} fault` },
          headers,
        );
      } else if (replacement.kind === 'drop' || replacement.kind === 'malformed') {
        socket.destroy();
      }
      return;
    }

    const route = this.wsRoutes.find(
      (candidate) => matchPathTemplate(candidate.template, path) !== undefined,
    );
    const wss = this.wss;
    if (!route || !wss) {
      log.status = 404;
      this.recordViolation('request', 'GET', path, `GET ${path} (WebSocket upgrade)`, 404, [
        issue('path', 'has no WebSocket endpoint'),
      ]);
      writeRawHttp(socket, 404, { message: 'no WebSocket endpoint at this path' });
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      log.status = 101;
      const connection = new SimSocketConnection(
        ws,
        { path, query: url.searchParams, headers: req.headers },
        this.socketHooks(route.definition),
      );
      this.wsConnections.add(connection);
      try {
        route.definition.onConnection(connection, this.state);
      } catch (error) {
        this.recordViolation('response', 'GET', path, `WebSocket ${path}`, 101, [
          issue('handler', `onConnection threw ${(error as Error).stack ?? String(error)}`),
        ]);
        connection.close(1011);
      }
    });
  }

  private socketHooks(route: WebSocketRoute<S>): SocketHooks {
    const label = `WebSocket ${route.path}`;
    return {
      beforeDeliver: (connection, message) => {
        const fault = this.faultTable.takeWsClose(connection.request.path);
        if (fault) {
          connection.disconnect(fault.code);
          return false;
        }
        if (route.incoming) {
          const issues = zodIssues(route.incoming, message, 'message');
          if (issues.length > 0)
            this.recordViolation('request', 'WS', connection.request.path, label, 101, issues);
        }
        return true;
      },
      beforeSend: (connection, message) => {
        if (!route.outgoing) return;
        const issues = zodIssues(route.outgoing, message, 'message');
        if (issues.length > 0)
          this.recordViolation('response', 'WS', connection.request.path, label, 101, issues);
      },
      onClosed: (connection) => {
        this.wsConnections.delete(connection);
      },
    };
  }

  assertNoViolations(): void {
    if (this.violations.length === 0) return;
    const found = this.violations.splice(0);
    throw new Error(
      `${found.length} contract violation${found.length === 1 ? '' : 's'} on the ${this.name} simulator:\n` +
        found.map((violation) => `  ${violation.message}`).join('\n'),
    );
  }

  reset(): void {
    this.faultTable.clear();
    this.violations.length = 0;
    this.requests.length = 0;
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.closing.abort();
      for (const connection of this.wsConnections) connection.terminate();
      this.wsConnections.clear();
      for (const socket of this.sockets) socket.destroy();
      this.wss?.close();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closed;
  }
}

/** Starts a simulated upstream on 127.0.0.1 (free port). Throws when a route is not in the contract. */
export async function startUpstream<S>(opts: UpstreamOptions<S>): Promise<Upstream<S>> {
  const parsed = upstreamOptionsSchema.safeParse(opts);
  if (!parsed.success)
    throw new Error(`invalid upstream options: ${z.prettifyError(parsed.error)}`);
  const upstream = new SimulatedUpstream(opts);
  await upstream.listen();
  return upstream;
}
