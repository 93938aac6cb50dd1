// The built-in web console: the approval channel that needs no phone and no chat server. It is
// served by the orchestrator's own HTTP server under /console as plain server-rendered pages and
// forms (no scripts, nothing fetched from elsewhere), shows what is waiting for an answer with
// the exact calls and their dry-run diffs, and sends the owner's button presses to the same reply
// handler as Signal and Mattermost, so the gate and the audit log treat them alike. Everything a
// request carries (path, query, cookie, form) is validated before use; a bad request gets a page
// saying what is wrong, never a crash.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorFields, type Logger } from '@homelab/kit';
import { z } from 'zod';
import type { ReplyHandler } from '../approve/channel.js';
import { readBytes, TooLarge, type HttpRoute } from '../http/server.js';
import { parseDuration } from '../runbooks/duration.js';
import type { Db } from '../store/database.js';
import {
  checkLogin,
  HASH_PASSWORD_HINT,
  LoginThrottle,
  sameSecret,
  SessionStore,
  type Session,
} from './auth.js';
import { consoleEnabled, type ConsoleConfig } from './config.js';
import {
  auditLogPage,
  consoleOffPage,
  detailsPage,
  incidentPage,
  incidentsPage,
  loginPage,
  messagePage,
  pendingPage,
  runbooksPage,
} from './pages.js';
import {
  auditConsole,
  auditPage,
  autonomyOverrides,
  countersFor,
  incidentTimeline,
  incidentsPage as incidentRows,
  openQuestions,
  pendingProposals,
  runbookCounters,
} from './queries.js';

/** What the console shows of a loaded runbook. */
export interface ConsoleRunbook {
  id: string;
  title: string;
  /** The level in its file (`ask_human` or `auto`). */
  automationLevel: string;
  file?: string;
}

export interface ConsoleOptions {
  db: Db;
  /** The inbox: reads a reply with the command grammar and acts on it (same as every channel). */
  handler: ReplyHandler;
  /** The runbooks currently loaded (called on each visit of the runbooks page). */
  runbooks: () => ConsoleRunbook[];
  config: ConsoleConfig;
  log: Logger;
  /** The clock (sessions, login limits, audit times); tests move it. */
  now?: () => Date;
}

export const COOKIE_NAME = 'homelab_console';
/** Largest form body accepted. */
export const MAX_FORM_BYTES = 64 * 1024;
const PAGE_SIZE = 25;
const MAX_INSTRUCTION = 2000;
const MIN_SNOOZE_MS = 60_000;
const MAX_SNOOZE_MS = 30 * 86_400_000;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  // same-origin rather than no-referrer: under no-referrer browsers send `Origin: null` with every
  // form, which would leave the Origin check nothing to compare; no URL leaves the console either way.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
} as const;

function sendHtml(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...SECURITY_HEADERS,
    ...headers,
  });
  res.end(body);
}

function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}) {
  res.writeHead(303, { location, 'content-length': 0, ...SECURITY_HEADERS, ...headers });
  res.end();
}

/** A positive whole number from a path segment or a query value. */
const positiveInt = (what: string, maxDigits: number) =>
  z
    .string()
    .regex(new RegExp(`^[1-9][0-9]{0,${maxDigits - 1}}$`), `${what} must be a whole number from 1`)
    .transform(Number);

const idSchema = positiveInt('the id', 15);
const pageSchema = positiveInt('page', 6);

const loginFormSchema = z.strictObject({
  password: z
    .string()
    .min(1, 'type the password or the token')
    .max(1024, 'the password is at most 1024 characters'),
});

const csrfFormSchema = z.strictObject({ csrf: z.string() });

/** The commands the console's buttons send, plus the custom instruction box; nothing else. */
const commandFormSchema = z
  .strictObject({
    csrf: z.string(),
    command: z.string().max(40, 'unknown command'),
    instruction: z
      .string()
      .max(MAX_INSTRUCTION * 2, 'the instruction is too long')
      .optional(),
  })
  .transform((form, ctx) => {
    const { command } = form;
    const instruction = form.instruction?.trim();
    if (command !== 'custom' && instruction)
      ctx.addIssue({ code: 'custom', message: 'an instruction goes only with the custom command' });
    if (/^[1-9]$/.test(command) || command === 'ignore' || command === 'details')
      return { text: command };
    const snooze = /^snooze ([0-9a-z]{2,40})$/.exec(command);
    if (snooze) {
      const ms = parseDuration(snooze[1] ?? '');
      if (ms !== undefined && ms >= MIN_SNOOZE_MS && ms <= MAX_SNOOZE_MS) return { text: command };
      ctx.addIssue({ code: 'custom', message: 'snooze takes a duration from 1m to 30d, e.g. 1h' });
      return z.NEVER;
    }
    if (command === 'custom') {
      if (!instruction) {
        ctx.addIssue({ code: 'custom', message: 'write an instruction in the custom: box' });
        return z.NEVER;
      }
      if (instruction.length > MAX_INSTRUCTION) {
        ctx.addIssue({
          code: 'custom',
          message: `a custom instruction can be at most ${MAX_INSTRUCTION} characters`,
        });
        return z.NEVER;
      }
      return { text: `custom: ${instruction}` };
    }
    ctx.addIssue({
      code: 'custom',
      message: 'unknown command: expected 1-9, ignore, snooze <duration>, details or custom',
    });
    return z.NEVER;
  });

/** The three answers to "Is this a problem?"; nothing else is accepted on that form. */
const answerFormSchema = z
  .strictObject({
    csrf: z.string(),
    answer: z.enum(['yes', 'no, expected', 'snooze 1h'], {
      error: 'expected yes, no, expected or snooze 1h',
    }),
  })
  .transform((form) => ({ text: form.answer }));

function problemText(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unexpected field ${issue.keys.join(', ')}`;
      const field = issue.path.map(String).join('.');
      if (issue.code === 'invalid_type' && field) return `the field ${field} is missing`;
      return field ? `${field}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/** Session ids offered in the Cookie header under our name (a browser may send more than one). */
function offeredSessionIds(req: IncomingMessage): string[] {
  const header = req.headers.cookie;
  if (typeof header !== 'string' || header.length > 8192) return [];
  return header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${COOKIE_NAME}=`))
    .map((part) => part.slice(COOKIE_NAME.length + 1));
}

/**
 * A form must come from the console's own pages. An Origin header, when sent, must name this
 * very host; `Origin: null` (what a browser sends when it withholds the origin) counts only when
 * the browser itself says the request is same-origin (Sec-Fetch-Site, which no page can forge).
 * Whenever Sec-Fetch-Site is sent it must be same-origin.
 */
function sameOriginForm(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (origin === 'null') return site === 'same-origin';
  const host = req.headers.host;
  if (typeof origin !== 'string' || typeof host !== 'string') return false;
  try {
    const url = new URL(origin);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.host.toLowerCase() === host.toLowerCase()
    );
  } catch {
    return false;
  }
}

export function createConsole(options: ConsoleOptions): { route: HttpRoute } {
  const { db, handler, config, log } = options;
  const now = options.now ?? (() => new Date());
  const enabled = consoleEnabled(config);
  const user = config.ORCH_CONSOLE_USER;
  const sessions = new SessionStore(config.ORCH_CONSOLE_SESSION_TTL, now);
  const throttle = new LoginThrottle(now);
  const credentials = {
    passwordHash: config.ORCH_CONSOLE_PASSWORD_HASH,
    token: config.ORCH_CONSOLE_TOKEN,
  };

  const cookie = (value: string, maxAgeSeconds: number) =>
    [
      `${COOKIE_NAME}=${value}`,
      'HttpOnly',
      'SameSite=Strict',
      'Path=/console',
      `Max-Age=${maxAgeSeconds}`,
      ...(config.ORCH_CONSOLE_SECURE_COOKIE ? ['Secure'] : []),
    ].join('; ');

  const sessionOf = (req: IncomingMessage): Session | undefined => {
    for (const id of offeredSessionIds(req)) {
      const session = sessions.get(id);
      if (session) return session;
    }
    return undefined;
  };

  const notAllowed = (res: ServerResponse, allow: string, session?: Session) =>
    sendHtml(res, 405, messagePage('Method not allowed', `Use ${allow} here.`, session), {
      allow,
    });

  const forbidden = (res: ServerResponse, message: string, session?: Session) =>
    sendHtml(res, 403, messagePage('Forbidden', message, session));

  const crossOrigin = (res: ServerResponse, session?: Session) =>
    forbidden(
      res,
      'This form was sent from another site (its Origin or Sec-Fetch-Site header does not match this host), so it was refused. Use the console at its own address; a reverse proxy must pass the Host header through unchanged.',
      session,
    );

  /**
   * The fields of a urlencoded form within the size limit (each at most once), or undefined
   * after answering 415, 413 or 400.
   */
  const readForm = async (
    req: IncomingMessage,
    res: ServerResponse,
    session?: Session,
  ): Promise<Record<string, string> | undefined> => {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      sendHtml(
        res,
        415,
        messagePage(
          'Unsupported form encoding',
          'The console accepts only forms sent as application/x-www-form-urlencoded.',
          session,
        ),
      );
      return undefined;
    }
    const tooLarge = () =>
      sendHtml(
        res,
        413,
        messagePage(
          'Form too large',
          `A console form may be at most ${MAX_FORM_BYTES / 1024} KiB.`,
          session,
        ),
        { connection: 'close' },
      );
    if (Number(req.headers['content-length'] ?? 0) > MAX_FORM_BYTES) {
      tooLarge();
      return undefined;
    }
    let bytes: Buffer;
    try {
      bytes = await readBytes(req, MAX_FORM_BYTES);
    } catch (error) {
      if (!(error instanceof TooLarge)) throw error;
      tooLarge();
      return undefined;
    }
    const bad = (message: string) => {
      sendHtml(res, 400, messagePage('Bad form', message, session));
      return undefined;
    };
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return bad('The form is not valid UTF-8.');
    }
    const params = new URLSearchParams(text);
    const fields: Record<string, string> = {};
    for (const name of new Set(params.keys())) {
      const values = params.getAll(name);
      if (values.length > 1) return bad(`The field ${name.slice(0, 40)} was sent more than once.`);
      fields[name] = values[0] ?? '';
    }
    if (Object.keys(fields).length > 10) return bad('The form has too many fields.');
    return fields;
  };

  /** The form of a logged-in POST with its CSRF token checked, or undefined after answering. */
  const protectedForm = async (req: IncomingMessage, res: ServerResponse, session: Session) => {
    if (!sameOriginForm(req)) return crossOrigin(res, session);
    const fields = await readForm(req, res, session);
    if (!fields) return undefined;
    const csrf = fields.csrf;
    if (csrf === undefined || !sameSecret(csrf, session.csrf)) {
      log.warn('console form refused: missing or wrong CSRF token');
      return forbidden(
        res,
        'The form did not carry this session’s CSRF token (an old page, or a form from another site). Reload the page and try again.',
        session,
      );
    }
    return fields;
  };

  /** The id in a path segment, or undefined after answering 400. */
  const pathId = (
    res: ServerResponse,
    session: Session,
    what: 'incident' | 'proposal',
    text: string,
  ): number | undefined => {
    const id = idSchema.safeParse(text);
    if (id.success) return id.data;
    sendHtml(
      res,
      400,
      messagePage(`Bad ${what} id`, `The ${what} id must be a whole number from 1.`, session),
    );
    return undefined;
  };

  const pageNumber = (url: URL, res: ServerResponse, session: Session): number | undefined => {
    const values = url.searchParams.getAll('page');
    if (values.length === 0) return 1;
    const parsed = values.length === 1 ? pageSchema.safeParse(values[0]) : undefined;
    if (parsed?.success) return parsed.data;
    sendHtml(
      res,
      400,
      messagePage(
        'Bad page number',
        'page must be one whole number from 1, e.g. ?page=2.',
        session,
      ),
    );
    return undefined;
  };

  const login = async (req: IncomingMessage, res: ServerResponse) => {
    if (!sameOriginForm(req)) return crossOrigin(res);
    const waitMs = throttle.retryAfterMs();
    if (waitMs > 0) {
      log.warn('console login refused: too many failed logins', { retryAfterMs: waitMs });
      const seconds = Math.ceil(waitMs / 1000);
      return sendHtml(
        res,
        429,
        messagePage(
          'Too many failed logins',
          `Logins are paused after repeated failures. Try again in ${Math.ceil(seconds / 60)} minute(s).`,
        ),
        { 'retry-after': String(seconds) },
      );
    }
    const fields = await readForm(req, res);
    if (!fields) return;
    const form = loginFormSchema.safeParse(fields);
    if (!form.success) return sendHtml(res, 400, loginPage(problemText(form.error)));
    const method = await checkLogin(form.data.password, credentials);
    const at = now();
    if (!method) {
      throttle.recordFailure();
      const from = req.socket.remoteAddress ?? 'unknown address';
      auditConsole(db, {
        at,
        actor: 'unknown',
        action: 'login',
        outcome: 'refused',
        detail: `wrong password or token from ${from}`,
      });
      log.warn('console login refused: wrong password or token', { from });
      return sendHtml(res, 401, loginPage('Wrong password or token.'));
    }
    const old = sessionOf(req);
    if (old) sessions.delete(old.id);
    const session = sessions.create();
    auditConsole(db, {
      at,
      actor: user,
      action: 'login',
      outcome: 'done',
      detail: `with the ${method}`,
    });
    log.info('console login', { user, method });
    redirect(res, '/console', { 'set-cookie': cookie(session.id, sessions.ttlSeconds) });
  };

  const logout = async (req: IncomingMessage, res: ServerResponse, session: Session) => {
    const fields = await protectedForm(req, res, session);
    if (!fields) return;
    const form = csrfFormSchema.safeParse(fields);
    if (!form.success)
      return sendHtml(res, 400, messagePage('Bad form', problemText(form.error), session));
    sessions.delete(session.id);
    auditConsole(db, { at: now(), actor: user, action: 'logout', outcome: 'done', detail: '' });
    log.info('console logout', { user });
    redirect(res, '/console/login', { 'set-cookie': cookie('', 0) });
  };

  /**
   * A form that answers a proposal (its buttons and custom box) or an incident's question: checked
   * like every POST, then handed to the inbox as a reply that names its target, and the outcome
   * shown once on the pending page (details on a page of their own).
   */
  const submitReply = async (
    req: IncomingMessage,
    res: ServerResponse,
    session: Session,
    idText: string,
    target: 'proposal' | 'incident',
  ) => {
    const id = pathId(res, session, target, idText);
    if (id === undefined) return;
    const fields = await protectedForm(req, res, session);
    if (!fields) return;
    const form = (target === 'proposal' ? commandFormSchema : answerFormSchema).safeParse(fields);
    if (!form.success)
      return sendHtml(res, 400, messagePage('Bad command', problemText(form.error), session));
    const name = target === 'proposal' ? `p${id}` : `incident #${id}`;
    if (
      !db
        .prepare(`SELECT 1 FROM ${target === 'proposal' ? 'proposals' : 'incidents'} WHERE id = ?`)
        .get(id)
    )
      return sendHtml(res, 404, messagePage(`No such ${target}`, `There is no ${name}.`, session));
    const { text } = form.data;
    const outcome = await handler({
      channel: 'console',
      sender: user,
      text,
      ...(target === 'proposal' ? { proposalId: id } : { incidentId: id }),
      messageId: `console:${randomBytes(16).toString('hex')}`,
    });
    log.info('console command', { user, [`${target}Id`]: id, outcome: outcome.outcome });
    if (target === 'proposal' && text === 'details')
      return sendHtml(res, 200, detailsPage(id, outcome.text ?? 'No details were given.', session));
    session.flash = {
      outcome: outcome.outcome,
      text: outcome.text ?? `${name}: ${text} (${outcome.outcome})`,
    };
    redirect(res, '/console');
  };

  const pending = (res: ServerResponse, session: Session) => {
    const flash = session.flash;
    delete session.flash;
    sendHtml(res, 200, pendingPage(pendingProposals(db), openQuestions(db), session, flash));
  };

  const runbooks = (res: ServerResponse, session: Session) => {
    const counters = runbookCounters(db);
    const overrides = autonomyOverrides(db);
    const lines = options.runbooks().map((r) => ({
      id: r.id,
      title: r.title,
      automationLevel: r.automationLevel,
      file: r.file,
      override: overrides.get(r.id),
      counters: countersFor(counters, r.id),
    }));
    sendHtml(res, 200, runbooksPage(lines, session));
  };

  const incident = (res: ServerResponse, session: Session, idText: string) => {
    const id = pathId(res, session, 'incident', idText);
    if (id === undefined) return;
    const timeline = incidentTimeline(db, id);
    if (!timeline)
      return sendHtml(
        res,
        404,
        messagePage('No such incident', `There is no incident #${id}.`, session),
      );
    sendHtml(res, 200, incidentPage(timeline, session));
  };

  /** Pages for a logged-in visitor. */
  const loggedIn = async (
    req: IncomingMessage,
    res: ServerResponse,
    session: Session,
    method: 'GET' | 'POST' | 'OTHER',
    path: string,
    url: URL,
  ) => {
    const onlyGet = (show: () => void) =>
      method === 'GET' ? show() : notAllowed(res, 'GET', session);
    if (path === '/console') return onlyGet(() => pending(res, session));
    if (path === '/console/logout')
      return method === 'POST' ? logout(req, res, session) : notAllowed(res, 'POST', session);
    if (path === '/console/incidents' || path === '/console/audit')
      return onlyGet(() => {
        const page = pageNumber(url, res, session);
        if (page === undefined) return;
        if (path === '/console/audit')
          return sendHtml(res, 200, auditLogPage(auditPage(db, page, PAGE_SIZE * 2), session));
        sendHtml(res, 200, incidentsPage(incidentRows(db, page, PAGE_SIZE), session));
      });
    const answerPath = /^\/console\/incidents\/([^/]+)\/answer$/.exec(path);
    if (answerPath)
      return method === 'POST'
        ? submitReply(req, res, session, answerPath[1] ?? '', 'incident')
        : notAllowed(res, 'POST', session);
    const incidentPath = /^\/console\/incidents\/([^/]+)$/.exec(path);
    if (incidentPath) return onlyGet(() => incident(res, session, incidentPath[1] ?? ''));
    if (path === '/console/runbooks') return onlyGet(() => runbooks(res, session));
    const commandPath = /^\/console\/proposals\/([^/]+)\/command$/.exec(path);
    if (commandPath)
      return method === 'POST'
        ? submitReply(req, res, session, commandPath[1] ?? '', 'proposal')
        : notAllowed(res, 'POST', session);
    sendHtml(res, 404, messagePage('Not found', 'There is no such console page.', session));
  };

  const dispatch = async (req: IncomingMessage, res: ServerResponse) => {
    if (!enabled) return sendHtml(res, 404, consoleOffPage(HASH_PASSWORD_HINT));
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const method =
      req.method === 'GET' || req.method === 'HEAD'
        ? 'GET'
        : req.method === 'POST'
          ? 'POST'
          : 'OTHER';
    const session = sessionOf(req);
    if (path === '/console/login') {
      if (method === 'POST') return login(req, res);
      if (method !== 'GET') return notAllowed(res, 'GET, POST');
      return session ? redirect(res, '/console') : sendHtml(res, 200, loginPage());
    }
    if (!session) {
      if (method === 'GET') return redirect(res, '/console/login');
      return sendHtml(
        res,
        401,
        messagePage(
          'Not logged in',
          'Your session has ended or you are not logged in; log in again.',
        ),
      );
    }
    return loggedIn(req, res, session, method, path, url);
  };

  return {
    route: {
      prefix: '/console',
      handle: async (req, res) => {
        try {
          await dispatch(req, res);
        } catch (error) {
          log.error('console request failed', {
            path: (req.url ?? '').split('?')[0],
            ...errorFields(error),
          });
          if (res.headersSent) res.end();
          else
            sendHtml(
              res,
              500,
              messagePage(
                'Something went wrong',
                'The console could not answer this request; the reason is in the orchestrator’s log.',
              ),
            );
        }
      },
    },
  };
}
