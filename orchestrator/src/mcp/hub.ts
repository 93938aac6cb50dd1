// The orchestrator's clients to the MCP servers (Streamable HTTP with a bearer token, or a stdio
// child), with every tool namespaced `<server>__<tool>` and its risk and read-only flag kept from
// tools/list. A server that went away is reconnected on the next call. The planner sees only
// read-only tools from here; mutating calls go through the Executor, which calls `call`.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { errorFields, type Logger } from '@homelab/kit';
import type { ToolCall, ToolCallResult, ToolCaller } from '../execute/executor.js';

export type ServerEndpoint =
  | { name: string; url: string; token?: string }
  | { name: string; command: string; args?: string[]; env?: Record<string, string> };

export interface HubTool {
  /** `<server>__<tool>` */
  name: string;
  server: string;
  tool: Tool;
  risk: 'read' | 'low' | 'high' | 'unknown';
  readOnly: boolean;
}

interface Connection {
  client: Client;
  transport: Transport;
  tools: Tool[];
}

const SEPARATOR = '__';

/** A tool that only reads: declared read-only and of risk `read` by its server. */
export function isReadOnlyTool(tool: HubTool): boolean {
  return tool.readOnly && tool.risk === 'read';
}

export class McpHub implements ToolCaller {
  private readonly connections = new Map<string, Promise<Connection>>();

  constructor(
    private readonly endpoints: readonly ServerEndpoint[],
    private readonly log: Logger,
  ) {
    for (const endpoint of endpoints) {
      if (!/^[a-z][a-z0-9-]*$/.test(endpoint.name))
        throw new Error(`server name "${endpoint.name}" must be lowercase letters, digits and -`);
    }
  }

  private async open(endpoint: ServerEndpoint, onClose: () => void): Promise<Connection> {
    let transport: Transport;
    if ('url' in endpoint) {
      const { StreamableHTTPClientTransport } =
        await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
      transport = new StreamableHTTPClientTransport(new URL(endpoint.url), {
        requestInit: endpoint.token
          ? { headers: { authorization: `Bearer ${endpoint.token}` } }
          : {},
      });
    } else {
      const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
      transport = new StdioClientTransport({
        command: endpoint.command,
        args: endpoint.args ?? [],
        env: { PATH: process.env.PATH ?? '', ...endpoint.env },
        stderr: 'ignore',
      });
    }
    const client = new Client({ name: 'homelab-orchestrator', version: '0.1.0' });
    await client.connect(transport);
    const { tools } = await client.listTools();
    const connection: Connection = { client, transport, tools };
    client.onclose = onClose;
    return connection;
  }

  private connection(name: string): Promise<Connection> {
    const endpoint = this.endpoints.find((e) => e.name === name);
    if (!endpoint)
      throw new Error(
        `no MCP server named ${name} (known: ${this.endpoints.map((e) => e.name).join(', ')})`,
      );
    const existing = this.connections.get(name);
    if (existing) return existing;
    const forget = () => {
      if (this.connections.get(name) !== pending) return;
      this.connections.delete(name);
      this.log.warn('MCP server connection closed; it will be reopened on the next call', {
        server: name,
      });
    };
    const pending: Promise<Connection> = this.open(endpoint, forget);
    this.connections.set(name, pending);
    pending.catch(() => this.connections.delete(name));
    return pending;
  }

  private async serverTools(server: string): Promise<HubTool[]> {
    const { tools } = await this.connection(server);
    return tools.map((tool) => {
      const risk = tool._meta?.['homelab/risk'];
      return {
        name: `${server}${SEPARATOR}${tool.name}`,
        server,
        tool,
        risk: risk === 'read' || risk === 'low' || risk === 'high' ? risk : 'unknown',
        readOnly: tool.annotations?.readOnlyHint === true,
      };
    });
  }

  /** Every tool of every reachable server, namespaced; unreachable servers are logged and skipped. */
  async listTools(): Promise<HubTool[]> {
    const all: HubTool[] = [];
    for (const endpoint of this.endpoints) {
      try {
        all.push(...(await this.serverTools(endpoint.name)));
      } catch (error) {
        this.log.warn('MCP server unreachable; its tools are left out', {
          server: endpoint.name,
          ...errorFields(error),
        });
      }
    }
    return all;
  }

  /**
   * Calls one namespaced tool. A stale session (the server restarted: "Session not found") was
   * never applied, so it is reconnected and retried once; any other transport failure is not
   * retried, since a change may or may not have been applied, and says so.
   */
  async call(call: ToolCall, signal?: AbortSignal): Promise<ToolCallResult> {
    const at = call.tool.indexOf(SEPARATOR);
    if (at <= 0)
      return { isError: true, text: `tool name ${call.tool} is not <server>${SEPARATOR}<tool>` };
    const server = call.tool.slice(0, at);
    const name = call.tool.slice(at + SEPARATOR.length);
    for (let attempt = 0; ; attempt++) {
      let connection: Connection;
      try {
        connection = await this.connection(server);
      } catch (error) {
        return {
          isError: true,
          text: `MCP server ${server} is unreachable: ${error instanceof Error ? error.message : String(error)}`,
        };
      }
      try {
        const result = await connection.client.callTool(
          { name, arguments: call.arguments },
          undefined,
          { signal },
        );
        const text = ((result.content as Array<{ type: string; text?: string }> | undefined) ?? [])
          .map((c) => c.text ?? '')
          .join('\n');
        return { isError: result.isError === true, text, structured: result.structuredContent };
      } catch (error) {
        this.connections.delete(server);
        await connection.client.close().catch(() => undefined);
        const message = error instanceof Error ? error.message : String(error);
        if (attempt === 0 && /session not found/i.test(message)) {
          this.log.warn('MCP session expired (server restarted); reconnecting', { server });
          continue;
        }
        return {
          isError: true,
          text: `calling ${call.tool} failed in transport (${message}); it may or may not have been applied`,
        };
      }
    }
  }

  /**
   * The caller the planner (and any model) gets: only tools the server marks read-only pass;
   * anything else is refused here, before a request is made, whatever a prompt or tool output said.
   */
  readOnlyCaller(): ToolCaller {
    return {
      call: async (call, signal) => {
        const tool = await this.describe(call.tool);
        if (!tool) return { isError: true, text: `unknown or unreachable tool ${call.tool}` };
        if (!isReadOnlyTool(tool)) {
          this.log.warn('refused a non-read-only tool outside the execution gate', {
            tool: call.tool,
          });
          return {
            isError: true,
            text: `${call.tool} changes things; it can only run as part of an approved solution`,
          };
        }
        return this.call(call, signal);
      },
    };
  }

  /** One namespaced tool as tools/list described it (undefined when unknown or unreachable). */
  async describe(name: string): Promise<HubTool | undefined> {
    const at = name.indexOf(SEPARATOR);
    if (at <= 0) return undefined;
    const server = name.slice(0, at);
    if (!this.endpoints.some((e) => e.name === server)) return undefined;
    return (await this.serverTools(server).catch(() => [])).find((t) => t.name === name);
  }

  /**
   * Previews a change: the call is made with `dryRun: true` forced, and only to a tool whose
   * input schema declares `dryRun` (every mutating tool of our servers), so nothing is applied.
   */
  async dryRun(call: ToolCall, signal?: AbortSignal): Promise<ToolCallResult> {
    const tool = await this.describe(call.tool);
    if (!tool) return { isError: true, text: `unknown or unreachable tool ${call.tool}` };
    const properties = (tool.tool.inputSchema.properties ?? {}) as Record<string, unknown>;
    if (!('dryRun' in properties))
      return { isError: true, text: `${call.tool} has no dry run; its effect cannot be previewed` };
    return this.call({ tool: call.tool, arguments: { ...call.arguments, dryRun: true } }, signal);
  }

  async close(): Promise<void> {
    const open = [...this.connections.values()];
    this.connections.clear();
    await Promise.allSettled(open.map(async (p) => (await p).client.close()));
  }
}
