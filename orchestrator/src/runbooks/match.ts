// The plan stage's first step, without a model: which runbooks fit an incident, most specific
// first, each with its solutions rendered into concrete tool calls (the shape recordProposal
// takes). A runbook whose templates cannot all be filled from this incident is skipped with the
// reason, so the log can say why; it never yields a call with an empty or unfilled argument.
import type { SolutionInput, ToolCall } from '../execute/executor.js';
import type { IncidentAlertView, IncidentContext } from '../incidents/context.js';
import { parseDuration } from './duration.js';
import { renderDeep, renderString, TemplateError, type TemplateVariables } from './render.js';
import {
  compileMatcher,
  type Runbook,
  type RunbookCall,
  type RunbookSolution,
  type RunbookTrigger,
  type RunbookVerify,
} from './schema.js';

/** Label values longer than this never match a ~regex (bounds the cost of a bad pattern). */
export const MAX_REGEX_INPUT = 1024;
const DEFAULT_APPROVAL_TTL_MS = 3_600_000;

/** A runbook solution filled in for one incident: what recordProposal stores, plus the details. */
export interface RenderedSolution extends SolutionInput {
  /** The solution's id in its runbook (for the learn stage's counters). */
  id: string;
  impact: string;
  reversible: boolean;
  rollback?: ToolCall[];
  /** The runbook's verify with its templates filled (the form the pipeline's verify plan reads). */
  verify?: RunbookVerify;
}

export interface RunbookMatch {
  runbook: Runbook;
  runbookId: string;
  automationLevel: Runbook['automation_level'];
  /** The runbook's title, rendered. */
  title: string;
  /** How many trigger conditions held (source, alertname, each label). */
  specificity: number;
  solutions: RenderedSolution[];
  approvalTtlMs: number;
}

export interface RunbookSkip {
  runbookId: string;
  /** e.g. "solutions.0.calls.0.arguments.namespace: {{labels.namespace}} is not set on this incident" */
  reason: string;
}

export interface RunbookMatches {
  /** Most specific trigger first, then by runbook id. */
  matches: RunbookMatch[];
  /** Runbooks whose trigger held but which could not be rendered for this incident. */
  skipped: RunbookSkip[];
}

/** The number of conditions a trigger sets (the documentation-only fields do not count). */
export function triggerSpecificity(trigger: RunbookTrigger): number {
  return (
    (trigger.source !== undefined ? 1 : 0) +
    (trigger.alertname !== undefined ? 1 : 0) +
    Object.keys(trigger.labels ?? {}).length
  );
}

/** The alert whose annotations templates see: the first firing one, else the first. */
function primaryAlert(incident: IncidentContext): IncidentAlertView | undefined {
  return incident.alerts.find((a) => a.status === 'firing') ?? incident.alerts[0];
}

function strings(record: unknown): Record<string, string> {
  if (record === null || typeof record !== 'object') return {};
  return Object.fromEntries(
    Object.entries(record).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}

/** What templates can name for an incident (without the trigger's regex groups). */
export function incidentVariables(incident: IncidentContext): Omit<TemplateVariables, 'match'> {
  const labels = strings(incident.labels);
  const primary = primaryAlert(incident);
  const alertname = labels.alertname ?? primary?.alertname;
  const severity = incident.severity ?? labels.severity;
  return {
    labels,
    annotations: strings(primary?.annotations),
    ...(typeof alertname === 'string' ? { alertname } : {}),
    ...(typeof severity === 'string' ? { severity } : {}),
  };
}

/** One condition against one value: exact, or an anchored ~regex whose named groups are kept. */
function conditionHolds(
  condition: string,
  value: string | undefined,
  groups: Record<string, string>,
): boolean {
  if (value === undefined) return false;
  const regex = compileMatcher(condition);
  if (!regex) return value === condition;
  if (value.length > MAX_REGEX_INPUT) return false;
  const found = regex.exec(value);
  if (!found) return false;
  for (const [name, captured] of Object.entries(found.groups ?? {}))
    if (captured !== undefined) groups[name] = captured;
  return true;
}

/** Whether every condition of a trigger holds; the regex groups captured when it does. */
export function triggerMatches(
  trigger: RunbookTrigger,
  incident: IncidentContext,
  vars: Omit<TemplateVariables, 'match'> = incidentVariables(incident),
): Record<string, string> | undefined {
  const groups: Record<string, string> = {};
  if (trigger.source !== undefined && incident.source !== trigger.source) return undefined;
  if (trigger.alertname !== undefined && !conditionHolds(trigger.alertname, vars.alertname, groups))
    return undefined;
  for (const [name, condition] of Object.entries(trigger.labels ?? {})) {
    const value = Object.hasOwn(vars.labels, name) ? vars.labels[name] : undefined;
    if (!conditionHolds(condition, value, groups)) return undefined;
  }
  return groups;
}

function renderCalls(calls: RunbookCall[], vars: TemplateVariables, path: string): ToolCall[] {
  return calls.map((c, i) => ({
    tool: c.tool,
    arguments: renderDeep(c.arguments, vars, `${path}.${i}.arguments`),
  }));
}

function renderSolution(
  solution: RunbookSolution,
  vars: TemplateVariables,
  path: string,
): RenderedSolution {
  const rendered: RenderedSolution = {
    id: solution.id,
    title: renderString(solution.title, vars, `${path}.title`),
    risk: solution.risk,
    calls: renderCalls(solution.calls, vars, `${path}.calls`),
    impact: renderString(solution.impact, vars, `${path}.impact`),
    reversible: solution.reversible,
  };
  if (solution.rollback)
    rendered.rollback = renderCalls(solution.rollback, vars, `${path}.rollback`);
  const verify = solution.verify;
  if (verify && 'tool' in verify) {
    const { equals } = verify.expect;
    rendered.verify = {
      ...verify,
      arguments: renderDeep(verify.arguments, vars, `${path}.verify.arguments`),
      expect:
        typeof equals === 'string'
          ? { ...verify.expect, equals: renderString(equals, vars, `${path}.verify.expect.equals`) }
          : { ...verify.expect },
    };
  } else if (verify) {
    rendered.verify = { ...verify };
  }
  return rendered;
}

/**
 * The runbooks whose trigger fits the incident, most specific first (more conditions, then id),
 * each rendered for it; those that fit but cannot be rendered are in `skipped` with the reason.
 */
export function matchRunbooks(
  runbooks: readonly Runbook[],
  incident: IncidentContext,
): RunbookMatches {
  const base = incidentVariables(incident);
  const matches: RunbookMatch[] = [];
  const skipped: RunbookSkip[] = [];
  for (const runbook of runbooks) {
    try {
      const groups = triggerMatches(runbook.trigger, incident, base);
      if (!groups) continue;
      const vars: TemplateVariables = { ...base, match: groups };
      matches.push({
        runbook,
        runbookId: runbook.id,
        automationLevel: runbook.automation_level,
        title: renderString(runbook.title, vars, 'title'),
        specificity: triggerSpecificity(runbook.trigger),
        solutions: runbook.solutions.map((s, i) => renderSolution(s, vars, `solutions.${i}`)),
        approvalTtlMs: parseDuration(runbook.approval_ttl) ?? DEFAULT_APPROVAL_TTL_MS,
      });
    } catch (error) {
      skipped.push({
        runbookId: runbook.id,
        reason:
          error instanceof TemplateError
            ? error.message
            : `cannot be evaluated: ${(error as Error).message}`,
      });
    }
  }
  matches.sort(
    (a, b) =>
      b.specificity - a.specificity ||
      (a.runbook.id < b.runbook.id ? -1 : a.runbook.id > b.runbook.id ? 1 : 0),
  );
  return { matches, skipped };
}
