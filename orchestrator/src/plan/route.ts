// Which model alias answers a question, without calling any model: the seed's keyword classifier
// and routing map (seed/architecture.md, "Routing Logic"). Runbook matching comes before this
// and needs no model at all.

export const MODEL_ALIASES = [
  'gemini-flash',
  'gemini-pro',
  'gemini-thinking',
  'claude-sonnet',
  'claude-opus',
] as const;
export type ModelAlias = (typeof MODEL_ALIASES)[number];

export type QueryType =
  'triage' | 'solution' | 'code' | 'code_critical' | 'architecture' | 'complex' | 'default';

const ROUTES: Record<QueryType, ModelAlias> = {
  triage: 'gemini-flash',
  solution: 'gemini-pro',
  code: 'gemini-pro',
  code_critical: 'claude-sonnet',
  architecture: 'claude-opus',
  complex: 'gemini-thinking',
  default: 'gemini-flash',
};

function mentions(text: string, phrases: readonly string[]): boolean {
  return phrases.some((phrase) =>
    new RegExp(`\\b${phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'i').test(text),
  );
}

/** The seed's classification, in its order: triage, solution, code (critical or not), architecture, complex. */
export function classifyQuery(query: string): QueryType {
  if (mentions(query, ['is this', 'problem', 'issue', 'alert', 'anomaly'])) return 'triage';
  if (mentions(query, ['fix', 'solve', 'resolve', 'how to', 'help with'])) return 'solution';
  if (mentions(query, ['write', 'implement', 'create', 'code', 'script'])) {
    return mentions(query, ['terraform', 'firewall', 'network', 'security'])
      ? 'code_critical'
      : 'code';
  }
  if (mentions(query, ['architect', 'design', 'restructure', 'migrate'])) return 'architecture';
  if (mentions(query, ['compare', 'trade-off', 'evaluate', 'analyze deeply'])) return 'complex';
  return 'default';
}

export function routeQuery(query: string): { type: QueryType; alias: ModelAlias } {
  const type = classifyQuery(query);
  return { type, alias: ROUTES[type] };
}
