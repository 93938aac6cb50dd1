#!/usr/bin/env node
// The kit under benchmark: a real server main (runServer, config from the environment) with one
// trivial read-only tool, so the numbers measure the kit's own overhead and nothing else.
// stdio by default; MCP_TRANSPORT=http serves Streamable HTTP at /mcp and SSE at /sse.
import { HomelabServer, runServer, toolFactory } from '@homelab/kit';
import { z } from 'zod';

const tool = toolFactory();

const echo = tool.read({
  name: 'echo',
  title: 'Echo',
  description: 'Returns the message it was given.',
  input: z.object({ message: z.string().describe('Text to echo') }),
  output: z.object({ message: z.string() }),
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  risk: 'read',
  handler: (input) => ({ message: input.message }),
});

await runServer({
  configShape: {},
  defaultPort: 3990,
  build: ({ config, kit, log, redactor, metrics }) =>
    new HomelabServer(
      {
        name: 'bench-echo',
        title: 'Bench echo',
        version: '0.1.0',
        toolsets: [tool.toolset({ name: 'bench', description: 'Benchmark tools', tools: [echo] })],
      },
      { clients: {}, config, kit, log, redactor, metrics },
    ),
});
