import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { describe, expect, it } from 'vitest';
import { ConfigLoadError } from '../src/config.js';
import { CANARY, fixtureServer } from './helpers.js';

function textOf(result: { content?: unknown }): string {
  return ((result.content as Array<{ text?: string }> | undefined) ?? [])
    .map((c) => c.text ?? '')
    .join('');
}

describe('HomelabServer call wrapper', () => {
  it('returns structured content plus compact text for a good call', async () => {
    const { server } = fixtureServer();
    const result = await server.callTool('echo', { message: 'hi' });
    expect(result.isError).toBeUndefined();
    expect(result.structuredContent).toEqual({ message: 'hi', calls: 1 });
    expect(JSON.parse(textOf(result))).toEqual({ message: 'hi', calls: 1 });
  });

  it('turns a thrown error into isError without details or secrets, and keeps serving', async () => {
    const { server, lines } = fixtureServer();
    const failed = await server.callTool('explode', {});
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toMatch(
      /^Internal error \(reference [0-9a-f]{8}\)\. This is a bug in the MCP server/,
    );
    expect(textOf(failed)).not.toContain('password');
    expect(textOf(failed)).not.toMatch(/at .*\.ts:\d+/);
    const logged = lines.join('');
    expect(logged).toContain('database password is [REDACTED]');
    expect(logged).not.toContain(CANARY);
    const next = await server.callTool('echo', { message: 'still here' });
    expect(next.isError).toBeUndefined();
  });

  it('names the service and what to try when an upstream fails', async () => {
    const { server } = fixtureServer();
    const result = await server.callTool('upstream_down', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      'Sonarr: failed with 500 on GET /api/v3/series?apikey=[REDACTED]. Sonarr has an internal problem; check its logs, then try again.',
    );
  });

  it('names the closest matches for an unknown thing', async () => {
    const { server } = fixtureServer();
    const result = await server.callTool('find_thing', { id: 'light.kitchn' });
    expect(textOf(result)).toBe(
      'Entity light.kitchn was not found. Closest matches: light.kitchen, light.kitchen_2.',
    );
  });

  it('times out a hung tool, aborts its signal, and answers the next call', async () => {
    const { server, clients } = fixtureServer({ toolTimeoutMs: 150 });
    const result = await server.callTool('sleepy', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /^sleepy timed out after 0\.1 s: Fixture upstream did not answer in time\. Check that Fixture upstream is up/,
    );
    expect(clients.calls).toBe(-1);
    expect((await server.callTool('echo', { message: 'again' })).isError).toBeUndefined();
  });

  it('rejects invalid arguments with the field and the reason', async () => {
    const { server } = fixtureServer();
    const result = await server.callTool('echo', { message: '' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^Invalid arguments for echo: message: Too small/);
    const wrongType = await server.callTool('echo', { message: 42 });
    expect(textOf(wrongType)).toMatch(/message: Invalid input: expected string, received number/);
  });

  it('redacts secrets from successful output', async () => {
    const { server } = fixtureServer();
    const result = await server.callTool('leaky', {});
    expect(result.structuredContent).toEqual({ log: 'connected with [REDACTED]' });
    expect(textOf(result)).not.toContain(CANARY);
  });

  it('treats output that breaks its schema as an internal error', async () => {
    const { server, lines } = fixtureServer();
    const result = await server.callTool('wrong_shape', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/^Internal error/);
    expect(lines.join('')).toContain('tool output does not match its schema');
  });

  it('adds dryRun to mutating tools and passes it to the handler', async () => {
    const { server } = fixtureServer();
    const tool = server.listTools().find((t) => t.name === 'set_value');
    expect(tool?.inputSchema.properties).toHaveProperty('dryRun');
    expect(tool?.inputSchema.required ?? []).not.toContain('dryRun');
    expect(
      (await server.callTool('set_value', { value: 3, dryRun: true })).structuredContent,
    ).toEqual({ dryRun: true, value: 3 });
    expect((await server.callTool('set_value', { value: 3 })).structuredContent).toEqual({
      dryRun: false,
      value: 3,
    });
  });

  it('counts calls by tool and outcome', async () => {
    const { server } = fixtureServer();
    await server.callTool('echo', { message: 'a' });
    await server.callTool('explode', {});
    await server.callTool('echo', {});
    expect(server.metrics.toolCalls.get({ tool: 'echo', outcome: 'ok' })).toBe(1);
    expect(server.metrics.toolCalls.get({ tool: 'explode', outcome: 'error' })).toBe(1);
    expect(server.metrics.toolCalls.get({ tool: 'echo', outcome: 'invalid_input' })).toBe(1);
  });
});

describe('HomelabServer switches', () => {
  const names = (overrides: Parameters<typeof fixtureServer>[0]) =>
    fixtureServer(overrides)
      .server.listTools()
      .map((t) => t.name);

  it('registers no write in read-only mode, and says why when one is called', async () => {
    expect(names({ readOnly: true })).toEqual([
      'echo',
      'explode',
      'upstream_down',
      'find_thing',
      'sleepy',
      'leaky',
      'wrong_shape',
    ]);
    const { server } = fixtureServer({ readOnly: true });
    const result = await server.callTool('set_value', { value: 1 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/switched off on this server \(read-only mode/);
  });

  it('drops destructive tools, denied tools, other toolsets, and opt-in tools unless enabled', () => {
    expect(names({ disableDestructive: true })).not.toContain('delete_everything');
    expect(names({})).not.toContain('raw_call');
    expect(names({ enableTools: ['raw_call'] })).toContain('raw_call');
    expect(names({ denyTools: ['echo'] })).not.toContain('echo');
    expect(names({ toolsets: ['changes'] })).toEqual(['set_value', 'delete_everything']);
  });

  it('refuses unknown names in the switches with one message', () => {
    expect(() => fixtureServer({ toolsets: ['nope'], denyTools: ['ghost'] })).toThrow(
      ConfigLoadError,
    );
    try {
      fixtureServer({ toolsets: ['nope'], denyTools: ['ghost'], enableTools: ['phantom'] });
    } catch (error) {
      expect((error as ConfigLoadError).problems).toEqual([
        'MCP_TOOLSETS: unknown toolset "nope" (known: basics, changes)',
        'MCP_DENY_TOOLS: unknown tool "ghost"',
        'MCP_ENABLE_TOOLS: unknown tool "phantom"',
      ]);
    }
  });

  it('publishes risk and toolset in _meta and the annotations', () => {
    const tool = fixtureServer({})
      .server.listTools()
      .find((t) => t.name === 'delete_everything');
    expect(tool?._meta).toEqual({ 'homelab/risk': 'high', 'homelab/toolset': 'changes' });
    expect(tool?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
  });
});

describe('HomelabServer health and protocol', () => {
  it('reports each upstream, redacted, in health://status over a real MCP session', async () => {
    const { server } = fixtureServer();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.createSession().connect(serverSide);
    const client = new Client({ name: 't', version: '0' });
    await client.connect(clientSide);
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(['health://status']);
    const read = await client.readResource({ uri: 'health://status' });
    const status = JSON.parse((read.contents[0] as { text: string }).text);
    expect(status).toMatchObject({
      status: 'degraded',
      server: 'fixture',
      version: '1.0.0',
      readOnly: false,
    });
    expect(status.upstreams).toEqual([
      { name: 'Always up', ok: true, latencyMs: expect.any(Number) },
      {
        name: 'Flaky',
        ok: false,
        latencyMs: expect.any(Number),
        error: 'refused token [REDACTED]',
      },
    ]);
    const call = await client.callTool({
      name: 'echo',
      arguments: { message: 'over the protocol' },
    });
    expect(call.structuredContent).toEqual({ message: 'over the protocol', calls: 1 });
    await expect(client.readResource({ uri: 'health://nope' })).rejects.toThrow(/not found/);
    await client.close();
  });
});
