#!/usr/bin/env node
// Starts the infrastructure MCP server: stdio by default, `--transport http` for /mcp and /sse.
import { runServer } from '@homelab/kit';
import { configShape, DEFAULT_PORT } from './config.js';
import { buildServer, createClients } from './server.js';

await runServer({
  configShape,
  defaultPort: DEFAULT_PORT,
  build: ({ config, kit, log, redactor, metrics }) =>
    buildServer({
      clients: createClients(config, { metrics }),
      config,
      kit,
      log,
      redactor,
      metrics,
    }),
});
