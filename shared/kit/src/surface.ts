// Decides which tools a server exposes. The switches (read-only, no destructive tools, toolset
// allow-list, tool deny-list, opt-in tools) are applied here once, for every server, so a tool
// that is switched off is never registered — it cannot be listed or called.
import type { KitSettings } from './config.js';
import { ConfigLoadError } from './config.js';
import type { ToolDefinition, ToolsetDefinition } from './tool.js';

export interface ExposedTool<Clients, Config> {
  tool: ToolDefinition<Clients, Config>;
  toolset: string;
}

export type SurfaceSwitches = Pick<
  KitSettings,
  'readOnly' | 'disableDestructive' | 'toolsets' | 'denyTools' | 'enableTools'
>;

export function selectTools<Clients, Config>(
  toolsets: ReadonlyArray<ToolsetDefinition<Clients, Config>>,
  switches: SurfaceSwitches,
): Array<ExposedTool<Clients, Config>> {
  const problems: string[] = [];
  const toolsetNames = toolsets.map((t) => t.name);
  const allTools = toolsets.flatMap((t) => t.tools.map((tool) => tool.name));
  const seen = new Set<string>();
  for (const name of allTools) {
    if (seen.has(name)) problems.push(`tool ${name} is defined twice`);
    seen.add(name);
  }
  for (const name of switches.toolsets)
    if (!toolsetNames.includes(name))
      problems.push(`MCP_TOOLSETS: unknown toolset "${name}" (known: ${toolsetNames.join(', ')})`);
  for (const name of switches.denyTools)
    if (!seen.has(name)) problems.push(`MCP_DENY_TOOLS: unknown tool "${name}"`);
  for (const name of switches.enableTools)
    if (!seen.has(name)) problems.push(`MCP_ENABLE_TOOLS: unknown tool "${name}"`);
  if (problems.length > 0) throw new ConfigLoadError(problems);

  const exposed: Array<ExposedTool<Clients, Config>> = [];
  for (const toolset of toolsets) {
    if (switches.toolsets.length > 0 && !switches.toolsets.includes(toolset.name)) continue;
    for (const tool of toolset.tools) {
      if (switches.readOnly && tool.mutating) continue;
      if (switches.disableDestructive && tool.annotations.destructiveHint) continue;
      if (switches.denyTools.includes(tool.name)) continue;
      if (!tool.enabledByDefault && !switches.enableTools.includes(tool.name)) continue;
      exposed.push({ tool, toolset: toolset.name });
    }
  }
  return exposed;
}
