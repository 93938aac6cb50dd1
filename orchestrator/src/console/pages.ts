// The console's HTML, rendered on the server: plain pages and forms that work with JavaScript
// off, styled inline (the Content-Security-Policy allows nothing else to load). Every value from
// the store, a tool or a request goes through the `html` template, which escapes whatever is not
// already markup with the one escaping function below, so no page can forget to escape.
import type { DryRunResult } from '../execute/executor.js';
import type { Flash } from './auth.js';
import type {
  AuditRow,
  AutonomyOverride,
  IncidentRow,
  IncidentTimeline,
  OpenQuestion,
  Paged,
  PendingProposal,
  RunbookCounters,
  TimelineEvent,
} from './queries.js';
import { z } from 'zod';

/** Markup that is already safe: the result of `html`, never built from raw input. */
export class Html {
  constructor(readonly text: string) {}
}

type Interpolation = Html | string | number | null | undefined | false | readonly Interpolation[];

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** The one HTML escaping function: text becomes safe in element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(value: Interpolation): string {
  if (value instanceof Html) return value.text;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Template tag: literal parts are markup, every interpolated value is escaped unless it is Html. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** An ISO UTC time as stored, shown the same way; anything unparsable is shown as it is. */
export function isoTime(at: string | null | undefined): Html {
  if (!at) return html`<span class="muted">—</span>`;
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) return html`${at}`;
  const iso = new Date(ms).toISOString().replace('.000Z', 'Z');
  return html`<time datetime="${iso}">${iso}</time>`;
}

/** A value from a dry run or a tool's arguments, as exact JSON. */
function json(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

const STYLE = `
  :root { color-scheme: light dark; --line: #8884; --muted: #888; --accent: #2f6fd0; }
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; }
  nav { display: flex; gap: 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
  nav strong { margin-right: 1rem; }
  nav form { margin: 0 0 0 auto; }
  main { max-width: 70rem; margin: 0 auto; padding: 1rem; }
  a { color: var(--accent); }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin: 0 0 .3rem; } h3 { font-size: 1rem; margin: .6rem 0 .2rem; }
  h4 { font-size: .9rem; margin: .5rem 0 .2rem; }
  table { border-collapse: collapse; width: 100%; margin: .3rem 0; display: block; overflow-x: auto; }
  th, td { border: 1px solid var(--line); padding: .25rem .45rem; text-align: left; vertical-align: top; }
  pre, code { font: 13px/1.35 ui-monospace, monospace; white-space: pre-wrap; word-break: break-word; }
  pre { margin: .2rem 0; padding: .4rem; border: 1px solid var(--line); }
  .muted { color: var(--muted); }
  .card { border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; margin: 0 0 1rem; }
  .solution { border-top: 1px dashed var(--line); padding-top: .4rem; margin-top: .4rem; }
  .actions { display: flex; gap: .4rem; flex-wrap: wrap; margin-top: .7rem; }
  button { font: inherit; padding: .3rem .8rem; cursor: pointer; }
  .flash { border-left: 4px solid var(--accent); padding: .5rem .8rem; margin: 0 0 1rem; }
  .flash.refused, .error { border-color: #c33; color: #c33; }
  .risk-high { color: #c33; font-weight: bold; }
  .pager { display: flex; gap: 1rem; margin: .6rem 0; }
  ol.timeline { list-style: none; padding: 0; }
  ol.timeline > li { border-left: 3px solid var(--line); padding: .2rem 0 .5rem .8rem; }
  ol.timeline time { color: var(--muted); margin-right: .5rem; }
  label { display: block; margin: .4rem 0; }
  input[type=password], input[type=text] { font: inherit; padding: .3rem; width: min(30rem, 100%); }
`;

/** What a page knows of the visitor's session: the CSRF token its forms carry. */
export interface PageSession {
  csrf: string;
}

function navigation(session: PageSession): Html {
  return html`<nav>
    <strong>Homelab console</strong>
    <a href="/console">Pending</a>
    <a href="/console/incidents">Incidents</a>
    <a href="/console/runbooks">Runbooks</a>
    <a href="/console/audit">Audit</a>
    <form method="post" action="/console/logout">
      <input type="hidden" name="csrf" value="${session.csrf}" />
      <button type="submit">Log out</button>
    </form>
  </nav>`;
}

export function layout(title: string, body: Html, session?: PageSession): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Homelab console</title>
        <style>
          ${new Html(STYLE)}
        </style>
      </head>
      <body>
        ${session ? navigation(session) : html`<nav><strong>Homelab console</strong></nav>`}
        <main>
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html> `.text;
}

/** A page that only says what went wrong (and what to do about it). */
export function messagePage(title: string, message: string, session?: PageSession): string {
  return layout(title, html`<p class="error">${message}</p>`, session);
}

export function loginPage(error?: string): string {
  return layout(
    'Log in',
    html`${error ? html`<p class="error">${error}</p>` : ''}
      <form method="post" action="/console/login">
        <label
          >Password or token<br />
          <input
            type="password"
            name="password"
            autocomplete="current-password"
            required
            autofocus
            maxlength="1024"
          />
        </label>
        <button type="submit">Log in</button>
      </form>`,
  );
}

/** Every /console page while no secret is configured (404): which variables turn it on. */
export function consoleOffPage(hashHint: string): string {
  return layout(
    'The console is off',
    html`<p>
        The web console is off because no login secret is configured. Set one or both of these
        variables on the orchestrator and restart it:
      </p>
      <ul>
        <li><code>ORCH_CONSOLE_PASSWORD_HASH</code>: a password hash; to make one, ${hashHint}.</li>
        <li>
          <code>ORCH_CONSOLE_TOKEN</code>: a random token of at least 16 characters, e.g. the output
          of <code>openssl rand -base64 32</code>.
        </li>
      </ul>
      <p>
        Also: <code>ORCH_CONSOLE_USER</code> (default <code>admin</code>) is the name recorded as
        the approver; <code>ORCH_CONSOLE_SESSION_TTL</code> (default <code>12h</code>) is how long a
        login lasts; set <code>ORCH_CONSOLE_SECURE_COOKIE=true</code> when the console is served
        over HTTPS.
      </p>`,
  );
}

const RISK_TEXT = { read: 'none (read only)', low: 'low', high: 'high' } as const;

const changesSchema = z.array(
  z.object({ path: z.string().optional(), before: z.unknown(), after: z.unknown() }),
);

function dryRunBlock(preview: DryRunResult): Html {
  if (preview.isError)
    return html`<p class="error">Dry run of <code>${preview.tool}</code> failed:</p>
      <pre class="error">${preview.text}</pre>`;
  const changes = changesSchema.safeParse(preview.changes ?? []);
  const summary = preview.summary
    ? html`<p>Dry run of <code>${preview.tool}</code>: ${preview.summary}</p>`
    : html`<p>Dry run of <code>${preview.tool}</code>:</p>`;
  if (!changes.success)
    return html`${summary}
      <pre>${preview.text}</pre>`;
  return html`${summary}
  ${table(
    ['Path', 'Before', 'After'],
    changes.data.map((c) => [
      html`<code>${c.path ?? '(value)'}</code>`,
      c.before === undefined
        ? html`<span class="muted">(none)</span>`
        : html`<code>${json(c.before)}</code>`,
      c.after === undefined
        ? html`<span class="muted">(removed)</span>`
        : html`<code>${json(c.after)}</code>`,
    ]),
    'no change',
  )}`;
}

function commandButtons(item: PendingProposal, csrf: string): Html {
  const action = `/console/proposals/${item.view.id}/command`;
  const approvable = item.view.solutions.filter((s) => s.number >= 1 && s.number <= 9);
  return html`<form method="post" action="${action}" class="actions">
      <input type="hidden" name="csrf" value="${csrf}" />
      ${approvable.map(
        (s) =>
          html`<button type="submit" name="command" value="${String(s.number)}">
            Approve ${s.number}
          </button>`,
      )}
      <button type="submit" name="command" value="ignore">Deny</button>
      <button type="submit" name="command" value="snooze 1h">Snooze 1h</button>
      <button type="submit" name="command" value="details">Details</button>
    </form>
    <form method="post" action="${action}">
      <input type="hidden" name="csrf" value="${csrf}" />
      <label
        >custom:
        <input
          type="text"
          name="instruction"
          maxlength="2000"
          required
          placeholder="plan your own fix, e.g. restart sonarr"
      /></label>
      <button type="submit" name="command" value="custom">Send instruction</button>
    </form>`;
}

function proposalCard(item: PendingProposal, csrf: string): Html {
  const { view } = item;
  const incident =
    view.incidentId === null
      ? html`no incident`
      : html`incident
          <a href="/console/incidents/${view.incidentId}"
            >#${view.incidentId}${item.incidentTitle ? html` ${item.incidentTitle}` : ''}</a
          >`;
  return html`<section class="card" id="p${view.id}">
    <h2>p${view.id}: ${view.summary}</h2>
    <p class="muted">
      ${incident} · from ${view.origin} · created ${isoTime(view.createdAt)} · expires
      ${item.expiresAt ? isoTime(item.expiresAt) : 'per ORCH_PROPOSAL_TTL'}${
        item.snoozedUntil ? html` · snoozed until ${isoTime(item.snoozedUntil)}` : ''
      }
    </p>
    ${view.solutions.length === 0 ? html`<p>Nothing to approve.</p>` : ''}
    ${view.solutions.map(
      (s) =>
        html`<div class="solution">
          <h3>${s.number}. ${s.title}</h3>
          <p>
            Impact: ${s.impact || html`<span class="muted">not stated</span>`} · Risk:
            <span class="risk-${s.risk}">${RISK_TEXT[s.risk]}</span> · Reversible:
            ${s.reversible ? 'yes' : 'no'}
          </p>
          <h4>Calls</h4>
          <ol>
            ${s.calls.map(
              (c) =>
                html`<li>
                  <code>${c.tool}</code>
                  <pre>${json(c.arguments)}</pre>
                </li>`,
            )}
          </ol>
          <h4>Dry run</h4>
          ${s.dryRun.length === 0 ? html`<p class="muted">no dry run recorded</p>` : s.dryRun.map(dryRunBlock)}
        </div>`,
    )}
    ${commandButtons(item, csrf)}
  </section>`;
}

/** An incident asking "Is this a problem?" (verbose mode), with the seed's three answers. */
function questionCard(question: OpenQuestion, csrf: string): Html {
  return html`<section class="card" id="incident-${question.incidentId}">
    <h2>
      <a href="/console/incidents/${question.incidentId}">#${question.incidentId}</a>
      ${question.title}
    </h2>
    <p class="muted">opened ${isoTime(question.openedAt)} · Is this a problem?</p>
    <form method="post" action="/console/incidents/${question.incidentId}/answer" class="actions">
      <input type="hidden" name="csrf" value="${csrf}" />
      <button type="submit" name="answer" value="yes">Yes</button>
      <button type="submit" name="answer" value="no, expected">No, expected</button>
      <button type="submit" name="answer" value="snooze 1h">Snooze 1h</button>
    </form>
  </section>`;
}

export function pendingPage(
  items: PendingProposal[],
  questions: OpenQuestion[],
  session: PageSession,
  flash?: Flash,
): string {
  const flashBlock = flash
    ? html`<div class="flash ${flash.outcome}" role="status"><pre>${flash.text}</pre></div>`
    : '';
  return layout(
    'Pending approvals',
    html`${flashBlock}
    ${items.length === 0 && questions.length === 0 ? html`<p>Nothing is waiting for an answer.</p>` : ''}
    ${questions.map((q) => questionCard(q, session.csrf))}
    ${items.map((i) => proposalCard(i, session.csrf))}`,
    session,
  );
}

export function detailsPage(proposalId: number, text: string, session: PageSession): string {
  return layout(
    `Details of p${proposalId}`,
    html`<pre>${text}</pre>
      <p><a href="/console#p${proposalId}">Back to pending approvals</a></p>`,
    session,
  );
}

/** A table with a heading row; one row of cells per item, or one line saying there are none. */
function table(headings: readonly string[], rows: readonly Interpolation[][], empty: string): Html {
  if (rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<table>
    <thead>
      <tr>
        ${headings.map((h) => html`<th>${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (cells) =>
          html`<tr>
            ${cells.map((cell) => html`<td>${cell}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function pager(base: string, paged: Paged<unknown>): Html {
  return html`<p class="pager">
    ${paged.page > 1 ? html`<a href="${base}?page=${paged.page - 1}">← Newer</a>` : ''}
    <span class="muted">Page ${paged.page} of ${paged.pages} (${paged.total} in all)</span>
    ${paged.page < paged.pages ? html`<a href="${base}?page=${paged.page + 1}">Older →</a>` : ''}
  </p>`;
}

/** One page of a long list: links to the neighbouring pages above its table. */
function pagedTable<T>(
  base: string,
  paged: Paged<T>,
  headings: readonly string[],
  cells: (row: T) => Interpolation[],
  empty: string,
): Html {
  return html`${pager(base, paged)} ${table(headings, paged.rows.map(cells), empty)}`;
}

export function incidentsPage(paged: Paged<IncidentRow>, session: PageSession): string {
  return layout(
    'Incidents',
    pagedTable(
      '/console/incidents',
      paged,
      ['Id', 'Title', 'Severity', 'Status', 'Source', 'Opened', 'Resolved', 'Proposals'],
      (i) => [
        html`<a href="/console/incidents/${i.id}">#${i.id}</a>`,
        i.title,
        i.severity,
        i.status,
        i.source,
        isoTime(i.opened_at),
        isoTime(i.resolved_at),
        i.proposals,
      ],
      'No incidents on this page.',
    ),
    session,
  );
}

function labelList(labels: Record<string, string>): Html {
  const entries = Object.entries(labels);
  if (entries.length === 0) return html`<span class="muted">no labels</span>`;
  return html`${entries.map(([k, v], i) => html`${i > 0 ? ', ' : ''}<code>${k}=${v}</code>`)}`;
}

function proposalRef(id: number | null): Html {
  return id === null ? html`` : html` (p${id})`;
}

function describeEvent(event: TimelineEvent): Html {
  switch (event.kind) {
    case 'opened':
      return html`<strong>Opened</strong> from
        ${event.source}${event.severity ? html`, severity ${event.severity}` : ''}: ${event.title}`;
    case 'alert':
      return html`<strong>Alert</strong> ${event.alertname} fired (status now ${event.status}):
        ${labelList(event.labels)}`;
    case 'alert_resolved':
      return html`<strong>Alert resolved</strong> ${event.alertname}`;
    case 'triage':
      return html`<strong>Triage</strong> outcome ${event.outcome ?? 'running'}, model alias
        ${event.alias ?? 'none'}${event.finishedAt ? html`, finished ${isoTime(event.finishedAt)}` : ''}`;
    case 'proposal':
      return html`<strong>Proposal p${event.id}</strong> (${event.status}, from
        ${event.origin}${event.runbookId ? html`, runbook <code>${event.runbookId}</code>` : ''}):
        ${event.summary}
        <ol>
          ${event.solutions.map((s) => html`<li value="${s.number}">${s.title} <span class="muted">(risk ${s.risk})</span></li>`)}
        </ol>`;
    case 'decision':
      return html`<strong>Decided</strong> p${event.proposalId}: ${event.status}, by
        ${event.by}${event.via ? html` via ${event.via}` : ''}`;
    case 'approval':
      return html`<strong>Approval</strong> of solution ${event.solution} of p${event.proposalId} by
        ${event.by} via ${event.channel};
        ${
          event.usedAt
            ? html`used ${isoTime(event.usedAt)}`
            : html`expires ${isoTime(event.expiresAt)}`
        }`;
    case 'execution':
      return html`<strong>Execution</strong> step ${event.step} of p${event.proposalId}:
        <code>${event.tool}</code> ${event.state}${
          event.finishedAt ? html`, finished ${isoTime(event.finishedAt)}` : ''
        }`;
    case 'verification':
      return html`<strong>Verification</strong> of p${event.proposalId} by ${event.method}:
        ${event.status}${event.detail ? html`: ${event.detail}` : ''}${
          event.finishedAt ? html`, finished ${isoTime(event.finishedAt)}` : ''
        }`;
    case 'audit':
      return html`<strong>Audit</strong> ${event.actor} via ${event.channel}:
        ${event.action}${proposalRef(event.proposalId)} →
        ${event.outcome}${event.detail ? html`: ${event.detail}` : ''}`;
    case 'resolved':
      return html`<strong>Resolved</strong>`;
  }
}

export function incidentPage(timeline: IncidentTimeline, session: PageSession): string {
  const { incident } = timeline;
  return layout(
    `Incident #${incident.id}`,
    html`<p>${incident.title}</p>
      <p class="muted">
        ${incident.status} · ${incident.source} · group <code>${incident.group_key}</code>${
          incident.reopen_count > 0 ? html` · reopened ${incident.reopen_count} times` : ''
        }
        · last update ${isoTime(incident.updated_at)}
      </p>
      <ol class="timeline">
        ${timeline.events.map(
          (e) => html`<li class="event-${e.kind}">${isoTime(e.at)}${describeEvent(e)}</li>`,
        )}
      </ol>
      <p><a href="/console/incidents">All incidents</a></p>`,
    session,
  );
}

export interface RunbookLine {
  id: string;
  title: string;
  automationLevel: string;
  file?: string | undefined;
  override?: AutonomyOverride | undefined;
  counters: RunbookCounters;
}

export function runbooksPage(runbooks: RunbookLine[], session: PageSession): string {
  return layout(
    'Runbooks',
    table(
      [
        'Runbook',
        'Title',
        'Level (file)',
        'Override',
        'Proposed',
        'Approved',
        'Executed OK',
        'Execution failed',
        'Verified',
        'Verification failed',
      ],
      runbooks.map((r) => [
        html`<code>${r.id}</code>${r.file ? html`<br /><span class="muted">${r.file}</span>` : ''}`,
        r.title,
        r.automationLevel,
        r.override
          ? html`${r.override.level}<br /><span class="muted"
                >by ${r.override.setBy}, ${isoTime(r.override.setAt)}</span
              >`
          : html`<span class="muted">none</span>`,
        r.counters.proposed,
        html`${r.counters.approvedByPeople}${
          r.counters.grantedByRunbook > 0
            ? html` <span class="muted">(+${r.counters.grantedByRunbook} automatic)</span>`
            : ''
        }`,
        r.counters.executedOk,
        r.counters.executedFailed,
        r.counters.verifiedPassed,
        r.counters.verifiedFailed,
      ]),
      'No runbooks loaded.',
    ),
    session,
  );
}

export function auditLogPage(paged: Paged<AuditRow>, session: PageSession): string {
  return layout(
    'Audit log',
    pagedTable(
      '/console/audit',
      paged,
      ['At', 'Channel', 'Actor', 'Action', 'Proposal', 'Incident', 'Outcome', 'Detail'],
      (a) => [
        isoTime(a.at),
        a.channel,
        a.actor,
        a.action,
        a.proposal_id === null ? '' : `p${a.proposal_id}`,
        a.incident_id === null
          ? ''
          : html`<a href="/console/incidents/${a.incident_id}">#${a.incident_id}</a>`,
        a.outcome,
        a.detail,
      ],
      'No entries on this page.',
    ),
    session,
  );
}
