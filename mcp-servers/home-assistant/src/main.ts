#!/usr/bin/env node
// Starts the Home Assistant MCP server: stdio by default, `--transport http` for /mcp and /sse.
import { runServer } from '@homelab/kit';
import { configShape, DEFAULT_PORT, DEFAULT_TOOL_TIMEOUT_MS } from './config.js';
import { buildServer, createClients } from './server.js';

await runServer({
  configShape,
  defaultPort: DEFAULT_PORT,
  defaultToolTimeoutMs: DEFAULT_TOOL_TIMEOUT_MS,
  build: ({ config, kit, log, redactor, metrics }) => {
    const clients = createClients(config, { log, metrics });
    clients.ha.start();
    return buildServer({ clients, config, kit, log, redactor, metrics });
  },
});
