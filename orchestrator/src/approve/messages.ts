// The texts the owner reads, in the seed's formats ("Issue Detected", "Solutions Found",
// "Complete" with "Next time: [Auto] [Ask] [Investigate]"), built from what the store recorded so
// every channel shows the same thing. Plain text: Signal has no markup, Mattermost renders it as is.
import type { DryRunResult, ToolCall } from '../execute/executor.js';
import type { Db } from '../store/database.js';
import type { MessageAction } from './channel.js';

/** The id people type and see: `p17` (the grammar reads it back as a proposal reference). */
export function shortId(proposalId: number): string {
  return `p${proposalId}`;
}

export interface ProposalView {
  id: number;
  incidentId: number | null;
  summary: string;
  status: string;
  origin: string;
  createdAt: string;
  solutions: Array<{
    number: number;
    title: string;
    impact: string;
    risk: 'read' | 'low' | 'high';
    reversible: boolean;
    calls: ToolCall[];
    callsSha256: string;
    dryRun: DryRunResult[];
    rollback: ToolCall[] | null;
  }>;
}

interface SolutionRow {
  number: number;
  title: string;
  impact: string;
  risk: 'read' | 'low' | 'high';
  reversible: number;
  calls: string;
  calls_sha256: string;
  dry_run: string;
  rollback_calls: string | null;
}

export function proposalView(db: Db, proposalId: number): ProposalView | undefined {
  const row = db
    .prepare(
      'SELECT id, incident_id, summary, status, origin, created_at FROM proposals WHERE id = ?',
    )
    .get(proposalId) as
    | {
        id: number;
        incident_id: number | null;
        summary: string;
        status: string;
        origin: string;
        created_at: string;
      }
    | undefined;
  if (!row) return undefined;
  const solutions = db
    .prepare('SELECT * FROM solutions WHERE proposal_id = ? ORDER BY number')
    .all(proposalId) as SolutionRow[];
  return {
    id: row.id,
    incidentId: row.incident_id,
    summary: row.summary,
    status: row.status,
    origin: row.origin,
    createdAt: row.created_at,
    solutions: solutions.map((s) => ({
      number: s.number,
      title: s.title,
      impact: s.impact,
      risk: s.risk,
      reversible: s.reversible === 1,
      calls: JSON.parse(s.calls) as ToolCall[],
      callsSha256: s.calls_sha256,
      dryRun: JSON.parse(s.dry_run) as DryRunResult[],
      rollback: s.rollback_calls === null ? null : (JSON.parse(s.rollback_calls) as ToolCall[]),
    })),
  };
}

const RISK_WORD = { read: 'None', low: 'Low', high: 'High' } as const;

function changeLines(dryRun: DryRunResult[]): string[] {
  return dryRun.flatMap((preview) => {
    if (preview.isError)
      return [`   Dry run of ${preview.tool} failed: ${preview.text.slice(0, 200)}`];
    const changes = Array.isArray(preview.changes)
      ? (preview.changes as Array<{ path?: string; before?: unknown; after?: unknown }>)
      : [];
    if (changes.length === 0) return [`   Dry run of ${preview.tool}: no change`];
    return [
      ...(preview.summary ? [`   Dry run: ${preview.summary.slice(0, 200)}`] : []),
      ...changes
        .slice(0, 5)
        .map(
          (c) =>
            `   ${c.path ?? '(value)'}: ${JSON.stringify(c.before) ?? '(none)'} → ${JSON.stringify(c.after) ?? '(removed)'}`,
        ),
    ];
  });
}

export function issueDetectedText(incident: { id: number; title: string }): string {
  return [`Issue Detected (#${incident.id})`, '', incident.title].join('\n');
}

export function solutionsFoundText(view: ProposalView): string {
  const lines = [
    `Solutions Found (${shortId(view.id)}${view.incidentId ? `, incident #${view.incidentId}` : ''})`,
    '',
    view.summary,
  ];
  for (const s of view.solutions) {
    lines.push(
      '',
      `${s.number}. ${s.title}`,
      `   Impact: ${s.impact || 'not stated'}`,
      `   Risk: ${RISK_WORD[s.risk]}${s.reversible ? ', reversible' : ''}`,
      ...changeLines(s.dryRun),
    );
  }
  const numbers = view.solutions.map((s) => s.number).join(', ');
  lines.push(
    '',
    view.solutions.length > 0
      ? `Reply: ${numbers}, ignore, snooze 1h, details, or custom: <instruction> (quote this message or add ${shortId(view.id)})`
      : 'Nothing to approve.',
  );
  return lines.join('\n');
}

/** The buttons under a proposal, for channels that show buttons. */
export function solutionActions(view: ProposalView): MessageAction[] {
  return [
    ...view.solutions.map((s) => ({
      label: `${s.number}. ${s.title}`.slice(0, 60),
      command: String(s.number),
    })),
    { label: 'Ignore', command: 'ignore' },
    { label: 'Snooze 1h', command: 'snooze 1h' },
    { label: 'Details', command: 'details' },
  ];
}

/** Verbose mode's first message: the seed's "Is this a problem?" before any model research. */
export function isThisAProblemText(incident: { id: number; title: string }): string {
  return [
    issueDetectedText(incident),
    '',
    'Is this a problem?',
    'Reply: yes, no, expected, or snooze 1h',
  ].join('\n');
}

export const IS_THIS_A_PROBLEM_ACTIONS: MessageAction[] = [
  { label: 'Yes', command: 'yes' },
  { label: 'No, expected', command: 'no, expected' },
  { label: 'Snooze 1h', command: 'snooze 1h' },
];

/** The reply to `details`: every call with its arguments, the rollback, the whole dry run. */
export function detailsText(view: ProposalView): string {
  const lines = [
    `${shortId(view.id)} (${view.status}, from ${view.origin}${view.incidentId ? `, incident #${view.incidentId}` : ''}), created ${view.createdAt}`,
    view.summary,
  ];
  for (const s of view.solutions) {
    lines.push('', `${s.number}. ${s.title}`, `   Impact: ${s.impact || 'not stated'}`);
    lines.push(
      `   Risk: ${RISK_WORD[s.risk]}${s.reversible ? ', reversible' : ', not reversible'}`,
    );
    for (const call of s.calls)
      lines.push(`   Call: ${call.tool} ${JSON.stringify(call.arguments)}`);
    if (s.rollback?.length)
      for (const call of s.rollback)
        lines.push(`   Rollback: ${call.tool} ${JSON.stringify(call.arguments)}`);
    else lines.push('   Rollback: none recorded');
    for (const preview of s.dryRun)
      lines.push(
        `   Dry run of ${preview.tool}${preview.isError ? ' (failed)' : ''}: ${(preview.summary ?? preview.text).slice(0, 800)}`,
      );
    lines.push(`   Calls hash: ${s.callsSha256.slice(0, 12)}`);
  }
  return lines.join('\n');
}

export function completeText(input: {
  title: string;
  status: 'succeeded' | 'failed';
  detail: string;
}): string {
  return [
    input.status === 'succeeded' ? `Complete: ${input.title}` : `Failed: ${input.title}`,
    `Status: ${input.detail}`,
    '',
    'Next time: [Auto] [Ask] [Investigate]',
  ].join('\n');
}
