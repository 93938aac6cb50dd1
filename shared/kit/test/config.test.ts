import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigLoadError, loadConfig, secret } from '../src/config.js';

const shape = {
  SERVICE_URL: z.url({ error: 'expected a URL' }).describe('Where the service is'),
  SERVICE_TOKEN: secret('API token'),
  SERVICE_RETRIES: z.coerce.number().int().min(0).max(5).default(2).describe('Retries'),
};

function load(env: Record<string, string>, argv: string[] = []) {
  return loadConfig(shape, { env, argv, port: 3999 });
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigLoadError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigLoadError');
}

describe('loadConfig', () => {
  it('applies defaults and reads the server and kit variables', () => {
    const config = load({ SERVICE_URL: 'http://127.0.0.1:1', SERVICE_TOKEN: 'tok-123456' });
    expect(config.server).toEqual({
      SERVICE_URL: 'http://127.0.0.1:1',
      SERVICE_TOKEN: 'tok-123456',
      SERVICE_RETRIES: 2,
    });
    expect(config.kit).toMatchObject({
      transport: 'stdio',
      host: '127.0.0.1',
      port: 3999,
      readOnly: false,
      toolTimeoutMs: 30_000,
    });
    expect(config.secrets).toEqual(['tok-123456']);
  });

  it('names every bad or missing variable in one message', () => {
    const problems = problemsOf(() =>
      load({
        SERVICE_URL: 'not a url',
        SERVICE_RETRIES: '9',
        MCP_PORT: 'abc',
        MCP_TRANSPORT: 'carrier-pigeon',
        MCP_READ_ONLY: 'maybe',
      }),
    );
    const named = problems.map((p) => p.split(':')[0]);
    expect(named.sort()).toEqual([
      'MCP_PORT',
      'MCP_READ_ONLY',
      'MCP_TRANSPORT',
      'SERVICE_RETRIES',
      'SERVICE_TOKEN',
      'SERVICE_URL',
    ]);
    expect(problems.find((p) => p.startsWith('SERVICE_TOKEN'))).toContain('SERVICE_TOKEN_FILE');
    expect(problems.find((p) => p.startsWith('SERVICE_URL'))).toContain('not a url');
  });

  it('reads secrets from NAME_FILE and never echoes a bad secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kit-config-'));
    const file = join(dir, 'token');
    writeFileSync(file, 'from-file-secret\n');
    const config = load({
      SERVICE_URL: 'http://127.0.0.1:1',
      SERVICE_TOKEN_FILE: file,
      MCP_AUTH_TOKEN_FILE: file,
    });
    expect(config.server.SERVICE_TOKEN).toBe('from-file-secret');
    expect(config.kit.authToken).toBe('from-file-secret');

    const missing = problemsOf(() =>
      load({ SERVICE_URL: 'http://127.0.0.1:1', SERVICE_TOKEN_FILE: join(dir, 'nope') }),
    );
    expect(missing).toEqual([expect.stringMatching(/^SERVICE_TOKEN_FILE: cannot read .*ENOENT/)]);

    const notSecret = problemsOf(() => load({ SERVICE_URL_FILE: file, SERVICE_TOKEN: 'abcd1234' }));
    expect(notSecret).toHaveLength(1);
    expect(notSecret[0]).toMatch(/SERVICE_URL_FILE: only secrets/);
  });

  it('treats empty strings as unset and parses lists and booleans', () => {
    const config = load({
      SERVICE_URL: 'http://127.0.0.1:1',
      SERVICE_TOKEN: 'abcd1234',
      SERVICE_RETRIES: '',
      MCP_DENY_TOOLS: ' a, b ,,c',
      MCP_READ_ONLY: 'yes',
    });
    expect(config.server.SERVICE_RETRIES).toBe(2);
    expect(config.kit.denyTools).toEqual(['a', 'b', 'c']);
    expect(config.kit.readOnly).toBe(true);
  });

  it('lets flags override the environment and rejects unknown flags', () => {
    const env = {
      SERVICE_URL: 'http://127.0.0.1:1',
      SERVICE_TOKEN: 'abcd1234',
      MCP_TRANSPORT: 'stdio',
    };
    const config = load(env, ['--transport', 'http', '--port=4100', '--read-only']);
    expect(config.kit).toMatchObject({ transport: 'http', port: 4100, readOnly: true });
    expect(problemsOf(() => load(env, ['--verbose']))[0]).toMatch(/unknown option --verbose/);
    expect(problemsOf(() => load(env, ['--port']))[0]).toMatch(/needs a value/);
  });
});
