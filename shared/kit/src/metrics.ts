// A small Prometheus registry (counters, gauges, histograms) rendered in the text exposition
// format at /metrics. Hand-rolled because prom-client costs memory every server would carry
// for the handful of series we need.

type Labels = Record<string, string>;

const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const labelKeyCache = new Map<string, string>();

/** Canonical `{a="x",b="y"}` form; cached, since the same few label sets repeat on every call. */
function labelKey(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  let raw = '';
  for (const key of keys) raw += `${key}\u0000${labels[key] ?? ''}\u0001`;
  const cached = labelKeyCache.get(raw);
  if (cached !== undefined) return cached;
  const rendered = renderLabels(labels);
  if (labelKeyCache.size < 10_000) labelKeyCache.set(raw, rendered);
  return rendered;
}

function renderLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `{${keys.map((k) => `${k}="${escape(labels[k] ?? '')}"`).join(',')}}`;
}

function withLabel(key: string, extra: string): string {
  return key === '' ? `{${extra}}` : `${key.slice(0, -1)},${extra}}`;
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, value] of this.values) lines.push(`${this.name}${key} ${value}`);
    return lines.join('\n');
  }
}

export class Gauge implements Metric {
  private readonly values = new Map<string, number | (() => number)>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  set(labels: Labels, value: number | (() => number)): void {
    this.values.set(labelKey(labels), value);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [key, value] of this.values) {
      lines.push(`${this.name}${key} ${typeof value === 'function' ? value() : value}`);
    }
    return lines.join('\n');
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[] = DEFAULT_BUCKETS,
  ) {}
  observe(labels: Labels, seconds: number): void {
    const key = labelKey(labels);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    for (let i = 0; i < this.buckets.length; i++) {
      if (seconds <= (this.buckets[i] ?? Infinity)) entry.counts[i] = (entry.counts[i] ?? 0) + 1;
    }
    entry.sum += seconds;
    entry.count += 1;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, entry] of this.series) {
      this.buckets.forEach((le, i) => {
        lines.push(`${this.name}_bucket${withLabel(key, `le="${le}"`)} ${entry.counts[i] ?? 0}`);
      });
      lines.push(`${this.name}_bucket${withLabel(key, 'le="+Inf"')} ${entry.count}`);
      lines.push(`${this.name}_sum${key} ${entry.sum}`);
      lines.push(`${this.name}_count${key} ${entry.count}`);
    }
    return lines.join('\n');
  }
}

/** The series every server exports. */
export class ServerMetrics {
  readonly toolCalls = new Counter(
    'mcp_tool_calls_total',
    'Tool calls by tool and outcome (ok, error, timeout, invalid_input).',
  );
  readonly toolDuration = new Histogram(
    'mcp_tool_duration_seconds',
    'Tool call latency in seconds.',
  );
  readonly upstreamRequests = new Counter(
    'mcp_upstream_requests_total',
    'Requests to upstream services by service and outcome.',
  );
  readonly upstreamDuration = new Histogram(
    'mcp_upstream_duration_seconds',
    'Upstream request latency in seconds.',
  );
  readonly sessions = new Gauge('mcp_sessions_active', 'Open MCP sessions by transport.');
  readonly process = new Gauge(
    'process_resident_memory_bytes',
    'Resident set size of the server process.',
  );
  readonly uptime = new Gauge('process_uptime_seconds', 'Seconds since the server started.');

  constructor() {
    this.process.set({}, () => process.memoryUsage.rss());
    this.uptime.set({}, () => Math.round(process.uptime()));
  }

  render(): string {
    return (
      [
        this.toolCalls,
        this.toolDuration,
        this.upstreamRequests,
        this.upstreamDuration,
        this.sessions,
        this.process,
        this.uptime,
      ]
        .map((m) => m.render())
        .join('\n') + '\n'
    );
  }
}
