// One mapping from every model SDK's failures to a ModelCallError, because the triage decides by
// the kind alone (quota, auth, unavailable, bad_request, malformed) and a person reads the
// message: it names the provider, the model and the status, says what to check, and never
// contains the API key (every message passes through the kit's Redactor). The SDKs are loaded
// lazily by the providers, so their error classes are handed in rather than imported here.
import { Redactor, upstreamNetworkError } from '@homelab/kit';
import { z } from 'zod';
import { ModelCallError } from '../provider.js';

/** Who was called, for messages a person can act on. */
export interface CallContext {
  /** As a person knows it: "Anthropic", "Gemini", "LiteLLM proxy". */
  service: string;
  model: string;
  baseUrl: string;
  /** The variable holding the key, named in auth messages. */
  credentialVariable: string;
  /** The variable setting baseUrl, named in connection messages. */
  urlVariable?: string;
  timeoutMs: number;
  /** Removed from every message. */
  apiKey: string;
  /** The caller's signal: an abort is a cancellation, not an outage. */
  signal?: AbortSignal;
}

/** A failed call, described without any SDK type. */
export type CallFailure =
  | {
      kind: 'status';
      status: number;
      detail: string;
      retryAfterSeconds?: number;
      /** The API said the key itself is invalid (Gemini answers that with 400). */
      keyRejected?: boolean;
    }
  | { kind: 'timeout' }
  | { kind: 'network'; cause: unknown }
  | { kind: 'cancelled' }
  | { kind: 'malformed'; detail: string }
  | { kind: 'unexpected'; detail: string };

/** The text on one line, shortened, without a final period (the message adds its own). */
function excerpt(text: string): string {
  const clean = text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.\s]+$/, '');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

/** The base URL without any user:password part, fit for a message. */
function displayUrl(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return baseUrl;
  }
}

/** Seconds from a Retry-After value: delta-seconds or an HTTP date. */
export function retryAfterSeconds(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

function retryAfterFromHeaders(headers: Headers | undefined): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && /^\d+(\.\d+)?$/.test(milliseconds.trim()))
    return Math.ceil(Number(milliseconds) / 1000);
  return retryAfterSeconds(headers.get('retry-after'));
}

function statusFailureMessage(
  context: CallContext,
  failure: Extract<CallFailure, { kind: 'status' }>,
): { kind: ModelCallError['kind']; message: string } {
  const { service, model, credentialVariable } = context;
  const { status } = failure;
  const detail = failure.detail ? `: ${excerpt(failure.detail)}` : '';
  if (status === 401 || failure.keyRejected) {
    return {
      kind: 'auth',
      message: `${service} refused the API key (${status})${detail}. Check ${credentialVariable}: the key may be wrong, expired or revoked.`,
    };
  }
  if (status === 403) {
    return {
      kind: 'auth',
      message: `${service} denied access to ${model} (403)${detail}. The key in ${credentialVariable} is accepted but lacks access to this model or API; check its permissions and the account's plan.`,
    };
  }
  if (status === 429) {
    const wait =
      failure.retryAfterSeconds === undefined ? '' : `, retry after ${failure.retryAfterSeconds} s`;
    return {
      kind: 'quota',
      message: `${service} is rate limiting ${model} or its quota is used up (429${wait})${detail}. Check the rate limits and quota of the account behind ${credentialVariable}.`,
    };
  }
  if (status === 402) {
    return {
      kind: 'quota',
      message: `${service} refused ${model} for billing (402)${detail}. Check the credit balance of the account behind ${credentialVariable}.`,
    };
  }
  if (status === 408 || status === 409 || status >= 500) {
    const overloaded = status === 529 ? ', overloaded' : '';
    return {
      kind: 'unavailable',
      message: `${service} failed to answer ${model} (${status}${overloaded})${detail}. The provider has a problem on its side; try again later.`,
    };
  }
  if (status === 404) {
    const where = context.urlVariable
      ? `${context.urlVariable}=${displayUrl(context.baseUrl)}`
      : displayUrl(context.baseUrl);
    return {
      kind: 'bad_request',
      message: `${service} does not know ${model} or the API path (404)${detail}. Check the model id and that ${where} points at the API.`,
    };
  }
  return {
    kind: 'bad_request',
    message: `${service} rejected the request for ${model} (${status})${detail}. Check the model id, the length of the conversation and the tool schemas.`,
  };
}

/** The ModelCallError for a failure: kind, actionable message, status and retry delay. */
export function modelCallError(context: CallContext, failure: CallFailure): ModelCallError {
  const redactor = new Redactor();
  redactor.add(context.apiKey);
  const build = (
    kind: ModelCallError['kind'],
    message: string,
    status?: number,
    retryAfter?: number,
  ): ModelCallError => new ModelCallError(kind, redactor.redactString(message), status, retryAfter);
  const { service, model } = context;
  switch (failure.kind) {
    case 'status': {
      const { kind, message } = statusFailureMessage(context, failure);
      return build(kind, message, failure.status, failure.retryAfterSeconds);
    }
    case 'timeout':
      return build(
        'unavailable',
        `${service} did not answer ${model} within ${Math.round(context.timeoutMs / 100) / 10} s. The provider may be overloaded; try again later or raise the timeout.`,
      );
    case 'network': {
      const unreachable = upstreamNetworkError(
        service,
        context.urlVariable,
        displayUrl(context.baseUrl),
        failure.cause,
      );
      return build('unavailable', `${unreachable.message}. Check the network path to it.`);
    }
    case 'cancelled':
      return build('unavailable', `The call to ${service} for ${model} was cancelled.`);
    case 'malformed':
      return build(
        'malformed',
        `${service} answered ${model} with something that is not a model response: ${excerpt(failure.detail)}.`,
      );
    case 'unexpected':
      return build(
        'unavailable',
        `The call to ${service} for ${model} failed: ${excerpt(failure.detail)}.`,
      );
  }
}

/** A failure the SDK did not classify: a body that is not JSON, or anything else. */
function unclassifiedFailure(error: unknown): CallFailure {
  const detail = error instanceof Error ? error.message : String(error);
  return error instanceof SyntaxError
    ? { kind: 'malformed', detail }
    : { kind: 'unexpected', detail };
}

// Error bodies: Anthropic `{type, error: {type, message}}`, OpenAI/LiteLLM `{error: {message}}`
// (the openai SDK hands over the inner object), Gemini `{error: {code, message, status, details}}`.
const errorMessageSchema = z.looseObject({ message: z.string() });
const wrappedErrorSchema = z.looseObject({ error: errorMessageSchema });

function messageOfBody(body: unknown): string | undefined {
  const wrapped = wrappedErrorSchema.safeParse(body);
  if (wrapped.success) return wrapped.data.error.message;
  const bare = errorMessageSchema.safeParse(body);
  if (bare.success) return bare.data.message;
  return typeof body === 'string' && body !== '' ? body : undefined;
}

interface StatusError {
  readonly status: number | undefined;
  readonly headers: Headers | undefined;
  readonly error: unknown;
  readonly message: string;
}

/** The error classes the Stainless-generated SDKs (@anthropic-ai/sdk, openai) export. */
export interface StainlessErrorClasses {
  APIError: abstract new (...args: never[]) => StatusError;
  APIConnectionError: abstract new (...args: never[]) => Error;
  APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
  APIUserAbortError: abstract new (...args: never[]) => Error;
}

/** Maps an error thrown by @anthropic-ai/sdk or openai. */
export function stainlessCallError(
  error: unknown,
  context: CallContext,
  classes: StainlessErrorClasses,
): ModelCallError {
  return modelCallError(context, stainlessFailure(error, context, classes));
}

function stainlessFailure(
  error: unknown,
  context: CallContext,
  classes: StainlessErrorClasses,
): CallFailure {
  if (context.signal?.aborted || error instanceof classes.APIUserAbortError)
    return { kind: 'cancelled' };
  if (error instanceof classes.APIConnectionTimeoutError) return { kind: 'timeout' };
  if (error instanceof classes.APIConnectionError)
    return { kind: 'network', cause: error.cause ?? error };
  if (error instanceof classes.APIError && error.status !== undefined) {
    return {
      kind: 'status',
      status: error.status,
      detail: messageOfBody(error.error) ?? error.message,
      retryAfterSeconds: retryAfterFromHeaders(error.headers),
    };
  }
  return unclassifiedFailure(error);
}

/** What @google/genai throws for an HTTP error: the status and the JSON body as the message. */
export interface GeminiErrorClasses {
  ApiError: abstract new (...args: never[]) => Error & { status: number };
}

const googleErrorSchema = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    status: z.string().optional(),
    details: z.array(z.looseObject({ '@type': z.string().optional() })).optional(),
  }),
});
const retryInfoSchema = z.looseObject({ retryDelay: z.string().regex(/^\d+(\.\d+)?s$/) });
const errorInfoSchema = z.looseObject({ reason: z.string() });

function googleErrorBody(message: string): z.infer<typeof googleErrorSchema>['error'] | undefined {
  try {
    const parsed = googleErrorSchema.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Maps an error thrown by @google/genai. Its ApiError carries no headers, so the provider
 * passes the Retry-After header it saw; a `google.rpc.RetryInfo` detail in the body counts too.
 */
export function geminiCallError(
  error: unknown,
  context: CallContext,
  classes: GeminiErrorClasses,
  retryAfterHeader?: string | null,
): ModelCallError {
  return modelCallError(context, geminiFailure(error, context, classes, retryAfterHeader));
}

function geminiFailure(
  error: unknown,
  context: CallContext,
  classes: GeminiErrorClasses,
  retryAfterHeader: string | null | undefined,
): CallFailure {
  if (context.signal?.aborted) return { kind: 'cancelled' };
  if (error instanceof classes.ApiError) {
    const body = googleErrorBody(error.message);
    const details = body?.details ?? [];
    const retryDelay = details
      .map((detail) => retryInfoSchema.safeParse(detail))
      .find((parsed) => parsed.success)?.data?.retryDelay;
    const reasons = details.flatMap((detail) => {
      const parsed = errorInfoSchema.safeParse(detail);
      return parsed.success ? [parsed.data.reason] : [];
    });
    const detail = [body?.status, body?.message].filter(Boolean).join(' ');
    return {
      kind: 'status',
      status: error.status,
      detail: detail || error.message,
      retryAfterSeconds:
        retryAfterSeconds(retryAfterHeader) ??
        (retryDelay === undefined ? undefined : Math.ceil(Number.parseFloat(retryDelay))),
      keyRejected:
        reasons.includes('API_KEY_INVALID') || /API key not valid/i.test(body?.message ?? ''),
    };
  }
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))
    return { kind: 'timeout' };
  if (error instanceof TypeError && error.cause !== undefined)
    return { kind: 'network', cause: error.cause };
  return unclassifiedFailure(error);
}

/** The error for an SDK that could not be loaded or would not build its client. */
export function sdkLoadError(context: CallContext, error: unknown): ModelCallError {
  const reason = error instanceof Error ? error.message : String(error);
  return modelCallError(context, {
    kind: 'unexpected',
    detail: `its SDK could not be loaded (${reason})`,
  });
}

/** The error for an answer that does not have the shape a provider relies on. */
export function malformedAnswer(context: CallContext, issues: z.ZodError): ModelCallError {
  const detail = issues.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  return modelCallError(context, { kind: 'malformed', detail });
}
