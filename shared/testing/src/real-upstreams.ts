// Starts real upstream services for the real-upstream test tier, on 127.0.0.1 with free ports
// and throwaway data directories, and stops them afterwards. A missing binary is a failure
// with the install command, never a silent skip.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The path of a command (a name on PATH, or a path to an executable file), or an error naming the install command. */
export function requireBinary(name: string, install: string): string {
  const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || !path) throw new Error(`${name} is not installed; run: ${install}`);
  return path;
}

export interface WaitForOptions {
  /** Request headers (e.g. a bearer token). */
  headers?: Record<string, string>;
  /** Called on each 2xx answer; the wait ends when it returns true. Default: any 2xx. */
  until?: (response: Response) => boolean | Promise<boolean>;
}

/** Polls `url` every 100 ms until it answers 2xx (and `options.until` agrees), the child exits, or time runs out. */
export async function waitFor(
  url: string,
  timeoutMs: number,
  child?: ChildProcess,
  options: WaitForOptions = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null))
      throw new Error(
        `process exited with ${child.exitCode ?? child.signalCode} before ${url} answered`,
      );
    try {
      const response = await fetch(url, {
        headers: options.headers,
        signal: AbortSignal.timeout(1000),
      });
      if (response.ok && (!options.until || (await options.until(response)))) return;
      last = response.ok ? 'not ready yet' : `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})`);
}

export interface RealService {
  url: string;
  logs(): string;
  stop(): Promise<void>;
}

/** A real Alertmanager (Debian's prometheus-alertmanager); `configYaml` replaces the default null receiver. */
export async function startAlertmanager(configYaml?: string): Promise<RealService> {
  const binary = requireBinary(
    'prometheus-alertmanager',
    'apt-get install -y --no-install-recommends prometheus-alertmanager',
  );
  const dir = mkdtempSync(join(tmpdir(), 'homelab-alertmanager-'));
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(config, configYaml ?? "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
  const port = await freePort();
  const child = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.path=${dir}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/-/ready`, 20_000, child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`Alertmanager did not start: ${(error as Error).message}\n${output}`, {
      cause: error,
    });
  }
  return {
    url,
    logs: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
