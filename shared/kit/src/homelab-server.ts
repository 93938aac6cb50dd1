// One homelab MCP server, independent of transport: the exposed tools with their JSON schemas
// computed once, the single call wrapper (validation, timeout, error mapping, redaction,
// metrics), health, and a factory for protocol sessions. Transports (stdio, Streamable HTTP,
// SSE, in-memory for tests) each connect sessions made here.
import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ListResourcesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { KitSettings } from './config.js';
import {
  formatToolError,
  InvalidInputError,
  NotFoundError,
  ToolError,
  ToolTimeoutError,
  toToolError,
} from './errors.js';
import type { Logger } from './log.js';
import { errorFields } from './log.js';
import { ServerMetrics } from './metrics.js';
import type { Redactor } from './redact.js';
import { selectTools, type ExposedTool } from './surface.js';
import type { ToolsetDefinition } from './tool.js';

export interface ReadinessCheck {
  /** The upstream's name as a person knows it, e.g. "Home Assistant". */
  name: string;
  check: (signal: AbortSignal) => Promise<void>;
}

export interface ServerDefinition<Clients, Config> {
  /** Short id, e.g. "home-assistant"; also the metrics and log label. */
  name: string;
  title: string;
  version: string;
  /** Shown to the model at initialize: what this server is for and how to use it well. */
  instructions?: string;
  toolsets: ReadonlyArray<ToolsetDefinition<Clients, Config>>;
  readiness?: ReadonlyArray<ReadinessCheck>;
  /** Named in timeout messages ("Home Assistant did not answer in time"). */
  upstreamName?: string;
}

export interface ServerDeps<Clients, Config> {
  clients: Clients;
  config: Config;
  kit: KitSettings;
  log: Logger;
  redactor: Redactor;
  metrics?: ServerMetrics;
}

export interface UpstreamHealth {
  name: string;
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface HealthStatus {
  status: 'ok' | 'degraded';
  server: string;
  version: string;
  uptimeSeconds: number;
  tools: number;
  readOnly: boolean;
  upstreams: UpstreamHealth[];
}

const HEALTH_CACHE_MS = 5000;
const READINESS_TIMEOUT_MS = 5000;
export const HEALTH_RESOURCE_URI = 'health://status';

function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Tool['inputSchema'] {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json as Tool['inputSchema'];
}

function describeZodIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 8)
    .map(
      (issue) =>
        `${issue.path.length > 0 ? issue.path.join('.') : '(arguments)'}: ${issue.message}`,
    )
    .join('; ');
}

export class HomelabServer<Clients = unknown, Config = unknown> {
  readonly definition: ServerDefinition<Clients, Config>;
  readonly metrics: ServerMetrics;
  readonly log: Logger;
  readonly redactor: Redactor;
  readonly kit: KitSettings;
  private readonly deps: ServerDeps<Clients, Config>;
  private readonly exposed = new Map<string, ExposedTool<Clients, Config>>();
  private readonly toolList: Tool[];
  private healthCache: { at: number; value: Promise<HealthStatus> } | undefined;

  constructor(definition: ServerDefinition<Clients, Config>, deps: ServerDeps<Clients, Config>) {
    this.definition = definition;
    this.deps = deps;
    this.kit = deps.kit;
    this.log = deps.log;
    this.redactor = deps.redactor;
    this.metrics = deps.metrics ?? new ServerMetrics();
    for (const entry of selectTools(definition.toolsets, deps.kit))
      this.exposed.set(entry.tool.name, entry);
    this.toolList = [...this.exposed.values()].map(({ tool, toolset }) => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: jsonSchemaOf(tool.input, 'input'),
      outputSchema: jsonSchemaOf(tool.output, 'output'),
      annotations: { title: tool.title, ...tool.annotations },
      _meta: { 'homelab/risk': tool.risk, 'homelab/toolset': toolset },
    }));
  }

  /** The tools/list answer: only the tools the switches let through. */
  listTools(): Tool[] {
    return this.toolList;
  }

  /**
   * The single wrapper every call goes through. Never throws: any failure becomes an
   * `isError` result with an actionable, redacted message, and the server carries on.
   */
  async callTool(name: string, args: unknown, clientSignal?: AbortSignal): Promise<CallToolResult> {
    const started = performance.now();
    const entry = this.exposed.get(name);
    if (!entry) {
      const known = [...this.exposed.keys()];
      const hint = this.definition.toolsets.some((t) => t.tools.some((tool) => tool.name === name))
        ? 'It exists but is switched off on this server (read-only mode, MCP_DENY_TOOLS, MCP_TOOLSETS or an opt-in tool).'
        : `Available tools: ${known.join(', ')}.`;
      return this.failure(
        name,
        new NotFoundError(`Tool ${name}`, [], { hint }),
        started,
        'unknown_tool',
      );
    }
    const { tool } = entry;
    const parsed = tool.input.safeParse(args ?? {});
    if (!parsed.success) {
      const error = new InvalidInputError(
        `Invalid arguments for ${name}: ${describeZodIssues(parsed.error)}`,
        {
          hint: 'Check the tool input schema and try again.',
        },
      );
      return this.failure(name, error, started, 'invalid_input');
    }
    const timeoutMs = this.kit.toolTimeoutMs;
    const controller = new AbortController();
    const abortFromClient = () => controller.abort(clientSignal?.reason);
    clientSignal?.addEventListener('abort', abortFromClient, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const callLog = this.log.child({ tool: name });
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new ToolTimeoutError(name, timeoutMs, this.definition.upstreamName);
          controller.abort(error);
          reject(error);
        }, timeoutMs);
      });
      const run = Promise.resolve().then(() =>
        tool.handler(parsed.data, {
          clients: this.deps.clients,
          config: this.deps.config,
          log: callLog,
          signal: controller.signal,
        }),
      );
      run.catch(() => undefined);
      const output = await Promise.race([run, timeout]);
      const checked = tool.output.safeParse(output);
      if (!checked.success) {
        const reference = randomUUID().slice(0, 8);
        callLog.error('tool output does not match its schema', {
          reference,
          issues: describeZodIssues(checked.error),
        });
        return this.failure(
          name,
          toToolError(new Error('output schema mismatch'), reference),
          started,
          'error',
        );
      }
      const structured = this.redactor.redact(checked.data as Record<string, unknown>);
      const text = this.redactor.redactString(
        tool.text ? tool.text(checked.data) : JSON.stringify(structured),
      );
      this.record(name, 'ok', started);
      if (tool.mutating) {
        callLog.info('mutating tool called', {
          dryRun: (parsed.data as { dryRun?: boolean }).dryRun === true,
        });
      }
      return { content: [{ type: 'text', text }], structuredContent: structured };
    } catch (error) {
      if (error instanceof ToolTimeoutError) return this.failure(name, error, started, 'timeout');
      if (error instanceof ToolError)
        return this.failure(
          name,
          error,
          started,
          error.kind === 'upstream' ? 'upstream_error' : 'error',
        );
      const reference = randomUUID().slice(0, 8);
      callLog.error('tool failed', { reference, ...errorFields(error) });
      return this.failure(name, toToolError(error, reference), started, 'error');
    } finally {
      clearTimeout(timer);
      clientSignal?.removeEventListener('abort', abortFromClient);
    }
  }

  private failure(
    name: string,
    error: ToolError,
    started: number,
    outcome: string,
  ): CallToolResult {
    this.record(name, outcome, started);
    this.log.warn('tool call failed', {
      tool: name,
      kind: error.kind,
      outcome,
      message: error.message,
    });
    return {
      isError: true,
      content: [{ type: 'text', text: this.redactor.redactString(formatToolError(error)) }],
    };
  }

  private record(tool: string, outcome: string, started: number): void {
    const seconds = (performance.now() - started) / 1000;
    this.metrics.toolCalls.inc({ tool, outcome });
    this.metrics.toolDuration.observe({ tool }, seconds);
  }

  /** Runs the readiness checks (cached briefly so probes cannot hammer an upstream). */
  health(): Promise<HealthStatus> {
    const now = Date.now();
    if (this.healthCache && now - this.healthCache.at < HEALTH_CACHE_MS)
      return this.healthCache.value;
    const value = this.computeHealth();
    this.healthCache = { at: now, value };
    return value;
  }

  private async computeHealth(): Promise<HealthStatus> {
    const upstreams = await Promise.all(
      (this.definition.readiness ?? []).map(async ({ name, check }): Promise<UpstreamHealth> => {
        const started = performance.now();
        try {
          await check(AbortSignal.timeout(READINESS_TIMEOUT_MS));
          return { name, ok: true, latencyMs: Math.round(performance.now() - started) };
        } catch (error) {
          const message =
            error instanceof ToolError
              ? formatToolError(error)
              : error instanceof Error
                ? error.message
                : String(error);
          return {
            name,
            ok: false,
            latencyMs: Math.round(performance.now() - started),
            error: this.redactor.redactString(message),
          };
        }
      }),
    );
    return {
      status: upstreams.every((u) => u.ok) ? 'ok' : 'degraded',
      server: this.definition.name,
      version: this.definition.version,
      uptimeSeconds: Math.round(process.uptime()),
      tools: this.toolList.length,
      readOnly: this.kit.readOnly,
      upstreams,
    };
  }

  /** A protocol session (one per stdio process, HTTP session or SSE stream). */
  createSession(): Server {
    const session = new Server(
      {
        name: this.definition.name,
        title: this.definition.title,
        version: this.definition.version,
      },
      {
        capabilities: { tools: { listChanged: false }, resources: {} },
        ...(this.definition.instructions ? { instructions: this.definition.instructions } : {}),
      },
    );
    session.setRequestHandler(ListToolsRequestSchema, () => ({ tools: this.toolList }));
    session.setRequestHandler(CallToolRequestSchema, (request, extra) =>
      this.callTool(request.params.name, request.params.arguments, extra.signal),
    );
    session.setRequestHandler(ListResourcesRequestSchema, () => ({
      resources: [
        {
          uri: HEALTH_RESOURCE_URI,
          name: 'status',
          title: `${this.definition.title} health`,
          description: 'Server version, exposed tools and whether each upstream answers.',
          mimeType: 'application/json',
        },
      ],
    }));
    session.setRequestHandler(ReadResourceRequestSchema, async (request) => {
      if (request.params.uri !== HEALTH_RESOURCE_URI) {
        throw new NotFoundError(`Resource ${request.params.uri}`, [HEALTH_RESOURCE_URI]);
      }
      const status = await this.health();
      return {
        contents: [
          { uri: HEALTH_RESOURCE_URI, mimeType: 'application/json', text: JSON.stringify(status) },
        ],
      };
    });
    return session;
  }
}
