#!/usr/bin/env node
// The comparison: the same echo tool on fastmcp 4.20, the most used TypeScript MCP framework.
// Same environment as the kit server so the bench drives both alike: MCP_TRANSPORT=http serves
// fastmcp's httpStream (Streamable HTTP at /mcp, SSE at /sse, /healthz) on MCP_HOST:MCP_PORT;
// anything else serves stdio. fastmcp's defaults are kept (SSE-framed answers, pings on).
import { FastMCP } from 'fastmcp';
import { z } from 'zod';

const server = new FastMCP({
  name: 'bench-echo',
  version: '0.1.0',
  health: { enabled: true, path: '/healthz', message: 'ok' },
});

server.addTool({
  name: 'echo',
  description: 'Returns the message it was given.',
  parameters: z.object({ message: z.string().describe('Text to echo') }),
  outputSchema: z.object({ message: z.string() }),
  annotations: {
    title: 'Echo',
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  execute: async (args) => ({ message: args.message }),
});

if (process.env.MCP_TRANSPORT === 'http') {
  await server.start({
    transportType: 'httpStream',
    httpStream: {
      host: process.env.MCP_HOST ?? '127.0.0.1',
      port: Number(process.env.MCP_PORT ?? 3991),
    },
  });
} else {
  await server.start({ transportType: 'stdio' });
}

const stop = () => {
  void server.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
