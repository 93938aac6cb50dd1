// `make start`: runs the system on this machine. Starts the simulated homelab for every upstream
// you have not configured, then each MCP server built so far over Streamable HTTP + SSE on
// 127.0.0.1 with a bearer token, and the orchestrator, and prints how to connect. Ctrl-C stops
// everything.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { startSimulatedHomelab } = await import(join(root, 'shared/simulator/dist/index.js'));

/** The servers built so far: where their main.js is, their port, and the upstream variables they need. */
const SERVERS = [
  {
    name: 'example',
    main: 'shared/example-server/dist/main.js',
    port: 3900,
    upstreamVariables: ['ALERTMANAGER_URL'],
  },
  {
    name: 'home-assistant',
    main: 'mcp-servers/home-assistant/dist/main.js',
    port: 3901,
    upstreamVariables: ['HA_URL'],
  },
  {
    name: 'infrastructure',
    main: 'mcp-servers/infrastructure/dist/main.js',
    port: 3902,
    upstreamVariables: ['KUBE_API_URL', 'ARGOCD_URL'],
  },
];

const token = process.env.MCP_AUTH_TOKEN || randomBytes(18).toString('base64url');
// Any upstream variable you set (e.g. HA_URL) means "use my real one": it is not simulated.
const configured = new Set(Object.keys(process.env).filter((name) => process.env[name]));
const homelab = await startSimulatedHomelab({ skip: [...configured] });
const children = [];

function stopAll(code) {
  for (const child of children) child.kill('SIGTERM');
  homelab.close().finally(() => process.exit(code));
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

const lines = [];
for (const server of SERVERS) {
  const main = join(root, server.main);
  if (!existsSync(main)) {
    console.error(`start: ${server.main} is missing; run make build first`);
    stopAll(1);
  }
  const child = spawn(
    process.execPath,
    [main, '--transport', 'http', '--port', String(server.port)],
    {
      env: {
        ...homelab.env,
        ...process.env,
        MCP_AUTH_TOKEN: token,
        MCP_HOST: process.env.MCP_HOST || '127.0.0.1',
        // A small young generation: ~6 MiB less idle, ~100 MiB less under load, same speed (bench/).
        NODE_OPTIONS: process.env.NODE_OPTIONS || '--max-semi-space-size=1',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  child.on('exit', (code) => {
    console.error(`start: ${server.name} exited with ${code}`);
    stopAll(code ?? 1);
  });
  children.push(child);
  const upstream = server.upstreamVariables
    .map((v) => `${v}=${configured.has(v) ? process.env[v] : `${homelab.env[v]} (simulated)`}`)
    .join(' ');
  lines.push(
    `  ${server.name.padEnd(16)} http://127.0.0.1:${server.port}/mcp  (SSE: /sse)  ${upstream}`,
  );
}

// The orchestrator, connected to the servers above (the ones it knows by name). Model triage is
// on only when you give it a key (ORCH_GEMINI_API_KEY, ORCH_ANTHROPIC_API_KEY or ORCH_LITELLM_URL);
// otherwise it says so and still runs runbooks, approvals and execution.
const orchestratorPort = Number(process.env.ORCH_PORT || 3800);
const serverVariables = {};
for (const server of SERVERS.filter((s) => s.name !== 'example')) {
  const name = server.name.toUpperCase().replaceAll('-', '_');
  serverVariables[`ORCH_MCP_${name}_URL`] = `http://127.0.0.1:${server.port}/mcp`;
  serverVariables[`ORCH_MCP_${name}_TOKEN`] = token;
}
const orchestrator = spawn(process.execPath, [join(root, 'orchestrator/dist/main.js')], {
  env: {
    ...serverVariables,
    ...process.env,
    ORCH_DB_PATH: process.env.ORCH_DB_PATH || join(root, 'data', 'homelab.sqlite'),
    ORCH_PORT: String(orchestratorPort),
    ORCH_WEBHOOK_TOKEN: process.env.ORCH_WEBHOOK_TOKEN || token,
    ORCH_RUNBOOKS_DIR: process.env.ORCH_RUNBOOKS_DIR || join(root, 'runbooks'),
    // The web console logs in with the same token unless you gave it a password hash or token.
    ...(process.env.ORCH_CONSOLE_PASSWORD_HASH ||
    process.env.ORCH_CONSOLE_TOKEN ||
    token.length < 16
      ? {}
      : { ORCH_CONSOLE_TOKEN: token }),
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
orchestrator.on('exit', (code) => {
  console.error(`start: orchestrator exited with ${code}`);
  stopAll(code ?? 1);
});
children.push(orchestrator);

console.log(`
Homelab agent is running.
MCP servers (Streamable HTTP; SSE at /sse):
${lines.join('\n')}
Orchestrator: webhooks at http://127.0.0.1:${orchestratorPort}/webhook/alertmanager and /webhook/coroot (same bearer token);
  web console at http://127.0.0.1:${orchestratorPort}/console (log in with the token below) to approve, deny or snooze;
  its messages also appear in this log ("message to the owner"); Signal and Mattermost: see orchestrator/README.md.
Bearer token: ${token}

Try it:  npx @modelcontextprotocol/inspector --cli http://127.0.0.1:${SERVERS[0].port}/mcp --header "Authorization: Bearer ${token}" --method tools/list
Ctrl-C stops everything.
`);
