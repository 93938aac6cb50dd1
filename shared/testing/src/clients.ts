// MCP clients for tests, all on the official SDK Client: in memory (fast, for unit and contract
// tests), over Streamable HTTP, over SSE, and over stdio against a built main.js.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { HomelabServer } from '@homelab/kit';

export interface ConnectedClient {
  client: Client;
  close(): Promise<void>;
}

const CLIENT_INFO = { name: 'homelab-tests', version: '0.0.0' };

export async function connectInMemory<Clients, Config>(
  server: HomelabServer<Clients, Config>,
): Promise<ConnectedClient> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const session = server.createSession();
  await session.connect(serverSide);
  const client = new Client(CLIENT_INFO);
  await client.connect(clientSide);
  return {
    client,
    close: async () => {
      await client.close();
      await session.close();
    },
  };
}

export async function connectStreamableHttp(url: string, token?: string): Promise<ConnectedClient> {
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
  });
  const client = new Client(CLIENT_INFO);
  await client.connect(transport);
  return {
    client,
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}

export async function connectSse(url: string, token?: string): Promise<ConnectedClient> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const transport = new SSEClientTransport(new URL(url), {
    requestInit: { headers },
    eventSourceInit: {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), ...headers },
        }),
    },
  });
  const client = new Client(CLIENT_INFO);
  await client.connect(transport);
  return { client, close: () => client.close() };
}

export async function connectStdio(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<ConnectedClient & { stderr: () => string }> {
  const transport = new StdioClientTransport({
    command,
    args,
    env: { PATH: process.env.PATH ?? '', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const client = new Client(CLIENT_INFO);
  await client.connect(transport);
  return { client, close: () => client.close(), stderr: () => stderr };
}
