// The public shapes of a simulated upstream: requests, responses, routes, sockets and the handle
// tests hold. Why a module of its own: handlers, the server and the WebSocket glue all share
// these types, and keeping them apart avoids import cycles.

import type { IncomingHttpHeaders } from 'node:http';
import type { ZodType } from 'zod';
import type { Contract } from './contract.js';
import type { FaultController, FaultKind } from './faults.js';
import type { ContractViolation } from './violations.js';

export interface SimRequest {
  method: string;
  /** Raw (percent-encoded) URL path, without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON when the content type is JSON, else the raw text; undefined when there is no body. */
  body: unknown;
  /** Decoded path parameters named as in the route's template. */
  params: Record<string, string>;
}

export interface SimResponse {
  status: number;
  /** Sent as JSON (content-type application/json unless `headers` say otherwise). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent verbatim instead of `body` (content-type text/plain unless `headers` say otherwise). */
  raw?: string;
  /**
   * A representation the contract does not describe, chosen by content negotiation (a Kubernetes
   * `Table` for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`): the body is checked
   * against this schema instead of the contract's, whatever the status.
   */
  schema?: ZodType;
}

export type RouteHandler<S> = (req: SimRequest, state: S) => SimResponse | Promise<SimResponse>;

export interface RouteDefinition<S> {
  /** HTTP method, any case. */
  method: string;
  /**
   * Full request path as the client sends it, OpenAPI-style: `/api/v2/silence/{silenceID}`.
   * (Express-style `:id` is not supported: Plex has literal colons in its paths.)
   */
  path: string;
  handler: RouteHandler<S>;
  /** Own request-body schema (written contracts without OpenAPI); checked in addition to the contract. */
  request?: ZodType;
  /** Own response-body schema, checked on 2xx responses. */
  response?: ZodType;
  /**
   * Request-body schemas by media type (`application/json-patch+json`) that replace the
   * contract's for bodies of that type, where the contract describes them wrongly: Kubernetes
   * declares every PATCH body an object, yet a JSON Patch is an array.
   */
  requestBodies?: Record<string, ZodType>;
}

/** The server side of one WebSocket connection. Messages are JSON (strings are sent verbatim). */
export interface SimSocket {
  /** The upgrade request: path, query and headers (for in-protocol or header auth). */
  readonly request: { path: string; query: URLSearchParams; headers: IncomingHttpHeaders };
  readonly closed: boolean;
  send(message: unknown): void;
  /** Incoming messages: parsed JSON, or the raw text when it is not JSON. */
  onMessage(listener: (message: unknown) => void): void;
  onClose(listener: (code: number) => void): void;
  /** Closes with a close frame (default 1000). */
  close(code?: number): void;
}

export interface WebSocketRoute<S> {
  path: string;
  onConnection: (conn: SimSocket, state: S) => void;
  /** Schema every client message must satisfy (a violation is recorded; the message is still delivered). */
  incoming?: ZodType;
  /** Schema every server message must satisfy (a violation is recorded; the message is still sent). */
  outgoing?: ZodType;
}

export interface UpstreamOptions<S> {
  /** Short name used in violation messages, e.g. `alertmanager`. */
  name: string;
  /**
   * OpenAPI contract every request and response is checked against. Several contracts serve one
   * upstream together (Kubernetes: the core v1 and the apps/v1 specs); each route and request is
   * checked against the first contract that declares its operation.
   */
  contract?: Contract | readonly Contract[];
  /** Mutable state shared by the handlers. */
  state: S;
  /** Return false to answer 401 `{message: 'unauthorized'}` (HTTP routes only; WebSockets authenticate in-protocol). */
  auth?: (req: SimRequest) => boolean;
  /** The answer when `auth` returns false, in the upstream's own error shape (default 401 `{message: 'unauthorized'}`). */
  unauthorized?: (req: SimRequest) => SimResponse;
  /**
   * How error answers (4xx/5xx) are checked when the operation declares no response for their
   * status. Without it such a status is a violation. The Kubernetes specs declare only success and
   * 401, yet the API server answers every error with a `Status`: pass a zod schema, or a local
   * `$ref` into the operation's contract (`#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status`).
   */
  undeclaredErrors?: ZodType | { $ref: string };
  routes: Array<RouteDefinition<S>>;
  websocket?: Array<WebSocketRoute<S>>;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  /** Status answered; 0 while pending or when the connection was dropped or hung; 101 for WebSocket upgrades. */
  status: number;
  /** The fault that replaced or delayed the response, if any. */
  fault?: FaultKind;
}

export interface Upstream<S> {
  readonly name: string;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `ws://127.0.0.1:PORT` */
  readonly wsUrl: string;
  readonly state: S;
  /** The first contract (undefined when the upstream has none). */
  readonly contract: Contract | undefined;
  /** Every contract the upstream is checked against, in the order given. */
  readonly contracts: readonly Contract[];
  readonly faults: FaultController;
  /** Every request/response that broke the contract, oldest first. */
  readonly violations: ContractViolation[];
  /** Every request in arrival order. */
  readonly requests: RequestLogEntry[];
  /** Open WebSocket connections. */
  readonly connections: readonly SimSocket[];
  /** Throws an Error listing every violation (and clears them); does nothing when there are none. */
  assertNoViolations(): void;
  /** Clears faults, violations and the request log (not the state). */
  reset(): void;
  /** Closes the server and every connection, including hung requests and WebSockets. */
  close(): Promise<void>;
}
