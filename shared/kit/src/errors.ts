// The one error model of every homelab MCP server. Tools throw these (or anything else);
// the kit's single wrapper turns them into an `isError` result whose message says what
// failed, why, and what to try — never a stack trace, never a secret.

export type ToolErrorKind =
  'upstream' | 'not_found' | 'invalid_input' | 'config' | 'timeout' | 'forbidden' | 'internal';

export interface ToolErrorOptions {
  /** What the user (or model) can do about it. */
  hint?: string;
  cause?: unknown;
}

/** Base class: a message fit to show a model or a person, plus an optional hint. */
export class ToolError extends Error {
  readonly kind: ToolErrorKind;
  readonly hint: string | undefined;

  constructor(kind: ToolErrorKind, message: string, options: ToolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolError';
    this.kind = kind;
    this.hint = options.hint;
  }
}

export interface UpstreamErrorOptions extends ToolErrorOptions {
  /** HTTP status, when the upstream answered. */
  status?: number;
  /** True when retrying later may work (429, 5xx, timeouts, dropped connections). */
  retryable?: boolean;
}

/** An upstream service (Home Assistant, Sonarr, the Kubernetes API...) failed or refused. */
export class UpstreamError extends ToolError {
  readonly service: string;
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(service: string, message: string, options: UpstreamErrorOptions = {}) {
    super('upstream', `${service}: ${message}`, options);
    this.name = 'UpstreamError';
    this.service = service;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
  }
}

/** The thing asked for does not exist; `suggestions` name the closest matches. */
export class NotFoundError extends ToolError {
  readonly suggestions: readonly string[];

  constructor(what: string, suggestions: readonly string[] = [], options: ToolErrorOptions = {}) {
    const hint =
      options.hint ??
      (suggestions.length > 0
        ? `Closest matches: ${suggestions.slice(0, 5).join(', ')}.`
        : 'Use a list or search tool to find valid names.');
    super('not_found', `${what} was not found`, { ...options, hint });
    this.name = 'NotFoundError';
    this.suggestions = suggestions;
  }
}

/** The arguments are valid JSON but make no sense (e.g. brightness and percent together). */
export class InvalidInputError extends ToolError {
  constructor(message: string, options: ToolErrorOptions = {}) {
    super('invalid_input', message, options);
    this.name = 'InvalidInputError';
  }
}

/** The server is configured in a way that makes this call impossible. */
export class ConfigError extends ToolError {
  constructor(message: string, options: ToolErrorOptions = {}) {
    super('config', message, options);
    this.name = 'ConfigError';
  }
}

/** The call was refused by policy (read-only mode, a scoping rule). */
export class ForbiddenError extends ToolError {
  constructor(message: string, options: ToolErrorOptions = {}) {
    super('forbidden', message, options);
    this.name = 'ForbiddenError';
  }
}

export class ToolTimeoutError extends ToolError {
  constructor(tool: string, timeoutMs: number, service?: string) {
    const who = service ? `${service} did not answer in time` : 'the tool did not finish in time';
    super('timeout', `${tool} timed out after ${(timeoutMs / 1000).toFixed(1)} s: ${who}`, {
      hint: service
        ? `Check that ${service} is up and responsive, then try again; the limit is MCP_TOOL_TIMEOUT_MS.`
        : 'Try again with a narrower request; the limit is MCP_TOOL_TIMEOUT_MS.',
    });
    this.name = 'ToolTimeoutError';
  }
}

/**
 * Maps anything thrown to a ToolError. Unknown errors become `internal` with a reference
 * id, so the detail stays in the server log (redacted) and out of the model's context.
 */
export function toToolError(error: unknown, reference: string): ToolError {
  if (error instanceof ToolError) return error;
  return new ToolError('internal', `Internal error (reference ${reference})`, {
    hint: 'This is a bug in the MCP server, not in your request. The server log has the details under that reference.',
    cause: error,
  });
}

/** The text a client sees for a failed call. */
export function formatToolError(error: ToolError): string {
  return error.hint ? `${error.message}. ${error.hint}` : `${error.message}.`;
}
