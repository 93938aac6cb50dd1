import { describe, expect, it } from 'vitest';
import { ServerMetrics } from '../src/metrics.js';

describe('ServerMetrics', () => {
  it('renders counters, histograms and gauges in the Prometheus text format', () => {
    const metrics = new ServerMetrics();
    metrics.toolCalls.inc({ tool: 'list_lights', outcome: 'ok' });
    metrics.toolCalls.inc({ tool: 'list_lights', outcome: 'ok' });
    metrics.toolCalls.inc({ tool: 'say "hi"', outcome: 'error' });
    metrics.toolDuration.observe({ tool: 'list_lights' }, 0.02);
    metrics.sessions.set({ transport: 'sse' }, 3);
    const text = metrics.render();
    expect(text).toContain('# TYPE mcp_tool_calls_total counter');
    expect(text).toContain('mcp_tool_calls_total{outcome="ok",tool="list_lights"} 2');
    expect(text).toContain('mcp_tool_calls_total{outcome="error",tool="say \\"hi\\""} 1');
    expect(text).toContain('mcp_tool_duration_seconds_bucket{tool="list_lights",le="0.01"} 0');
    expect(text).toContain('mcp_tool_duration_seconds_bucket{tool="list_lights",le="0.025"} 1');
    expect(text).toContain('mcp_tool_duration_seconds_bucket{tool="list_lights",le="+Inf"} 1');
    expect(text).toContain('mcp_tool_duration_seconds_count{tool="list_lights"} 1');
    expect(text).toContain('mcp_sessions_active{transport="sse"} 3');
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
  });
});
