#!/usr/bin/env node
// The floor: the same echo tool on the bare MCP SDK (McpServer, one per session), with no kit.
// It tells how much of the kit's memory and time is the SDK's own. MCP_TRANSPORT=http serves
// stateful Streamable HTTP at /mcp (JSON answers, like the kit) and /healthz on MCP_HOST:MCP_PORT
// from node:http; anything else serves stdio. No SSE: the baseline is the Streamable HTTP number.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

function createSession() {
  const server = new McpServer({ name: 'bench-echo', version: '0.1.0' });
  server.registerTool(
    'echo',
    {
      title: 'Echo',
      description: 'Returns the message it was given.',
      inputSchema: { message: z.string().describe('Text to echo') },
      outputSchema: { message: z.string() },
      annotations: {
        readOnlyHint: true,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    ({ message }) => ({
      content: [{ type: 'text', text: JSON.stringify({ message }) }],
      structuredContent: { message },
    }),
  );
  return server;
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
}

async function serveHttp(host, port) {
  const { StreamableHTTPServerTransport } =
    await import('@modelcontextprotocol/sdk/server/streamableHttp.js');
  const transports = new Map();
  const http = createServer((req, res) => {
    const handle = async () => {
      if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      if (req.url !== '/mcp') {
        res.writeHead(404).end();
        return;
      }
      const body = req.method === 'POST' ? await readBody(req) : undefined;
      const id = req.headers['mcp-session-id'];
      let transport = typeof id === 'string' ? transports.get(id) : undefined;
      if (!transport) {
        if (typeof id === 'string') {
          res.writeHead(404).end();
          return;
        }
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          enableJsonResponse: true,
          onsessioninitialized: (sessionId) => transports.set(sessionId, transport),
        });
        transport.onclose = () => transports.delete(transport.sessionId);
        await createSession().connect(transport);
      }
      await transport.handleRequest(req, res, body);
    };
    handle().catch((error) => {
      console.error(error);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise((resolve) => http.listen(port, host, resolve));
  return () => http.close();
}

if (process.env.MCP_TRANSPORT === 'http') {
  const close = await serveHttp(
    process.env.MCP_HOST ?? '127.0.0.1',
    Number(process.env.MCP_PORT ?? 3992),
  );
  const stop = () => {
    close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  await createSession().connect(new StdioServerTransport());
}
