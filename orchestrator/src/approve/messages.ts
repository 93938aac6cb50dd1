// The texts the owner reads, in the seed's formats ("Issue Detected", "Solutions Found",
// "Complete" with "Next time: [Auto] [Ask] [Investigate]"), built from what the store recorded so
// every channel shows the same thing. Plain text: Signal has no markup, Mattermost renders it as is.
import type { DryRunResult, ToolCall } from '../execute/executor.js';
import type { Db } from '../store/database.js';

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
    `Solutions Found (proposal ${view.id}${view.incidentId ? `, incident #${view.incidentId}` : ''})`,
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
      ? `Reply: ${numbers}, ignore, or custom: <instruction>`
      : 'Nothing to approve.',
  );
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
