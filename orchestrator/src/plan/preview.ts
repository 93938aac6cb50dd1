// What an approver sees before saying yes: every mutating call of a solution dry-run against the
// real server (McpHub.dryRun forces dryRun: true), and the solution's risk raised to the highest
// risk its tools declare — a model or a runbook may not call a high-risk change "low".
import type { DryRunResult, SolutionInput, ToolCall, ToolCallResult } from '../execute/executor.js';
import { isReadOnlyTool, type HubTool } from '../mcp/hub.js';

export interface PreviewTools {
  describe(name: string): Promise<HubTool | undefined>;
  dryRun(call: ToolCall): Promise<ToolCallResult>;
}

const RISK_ORDER = { read: 0, low: 1, high: 2 } as const;

/** Longest dry-run text kept per call (the changes are kept whole). */
const PREVIEW_TEXT_CHARS = 4_000;

export async function previewSolution(
  solution: SolutionInput,
  tools: PreviewTools,
): Promise<SolutionInput> {
  let risk = solution.risk;
  const dryRun: DryRunResult[] = [];
  for (const call of solution.calls) {
    const tool = await tools.describe(call.tool);
    const toolRisk = !tool || tool.risk === 'unknown' ? 'high' : tool.risk;
    if (RISK_ORDER[toolRisk] > RISK_ORDER[risk]) risk = toolRisk;
    if (tool && isReadOnlyTool(tool)) continue;
    const preview = await tools.dryRun(call);
    const structured = preview.structured as { changes?: unknown; summary?: unknown } | undefined;
    dryRun.push({
      tool: call.tool,
      isError: preview.isError,
      text: preview.text.slice(0, PREVIEW_TEXT_CHARS),
      changes: structured?.changes,
      summary: typeof structured?.summary === 'string' ? structured.summary : undefined,
    });
  }
  return { ...solution, risk, dryRun };
}
