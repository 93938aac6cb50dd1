// A real Home Assistant for the real-upstream tier: runs the pinned release that
// scripts/real-upstreams/home-assistant.sh installs into the machine's cache, on 127.0.0.1 with a
// free port and a throwaway config dir (the demo integration, one automation, script and scene,
// the recorder in SQLite), onboards it without a browser and hands out a long-lived access token.
// Also a minimal WebSocket API client for tests. See shared/testing/real-home-assistant.md for
// the shapes a real instance answers with.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary, waitFor } from './real-upstreams.js';

export const HOME_ASSISTANT_INSTALLER = 'bash scripts/real-upstreams/home-assistant.sh';

export interface HomeAssistantOptions {
  /** YAML appended to the generated configuration.yaml (top-level keys not already used). */
  extraConfig?: string;
  /** How long startup plus onboarding may take (default 120 s). */
  timeoutMs?: number;
  /** The venv holding `bin/hass` (default: the installer's, under HOMELAB_CACHE). */
  venv?: string;
}

export interface RealHomeAssistant {
  /** Base URL, e.g. http://127.0.0.1:41234 (REST under /api/, WebSocket at /api/websocket). */
  url: string;
  /** A long-lived access token of the owner user. */
  token: string;
  /** The running Home Assistant version, e.g. "2024.3.3". */
  version: string;
  configDir: string;
  /** Milliseconds from spawning hass to fully started (onboarded, state RUNNING). */
  startupMs: number;
  /** Everything hass printed so far. */
  logs(): string;
  stop(): Promise<void>;
}

/** Entity ids and names the generated configuration defines (beside the demo integration's). */
export const HOME_ASSISTANT_FIXTURE = {
  locationName: 'Homelab Test',
  timeZone: 'Europe/Amsterdam',
  username: 'homelab',
  automation: { id: 'homelab_event_bed_light', entityId: 'automation.bed_light_on_homelab_event' },
  automationEvent: 'homelab_test_event',
  script: { id: 'homelab_blink_kitchen', entityId: 'script.homelab_blink_kitchen' },
  scene: { id: 'homelab_movie_time', entityId: 'scene.movie_time' },
} as const;

const MAX_LOG_CHARS = 2_000_000;

export function homeAssistantVenv(): string {
  const cache = process.env.HOMELAB_CACHE || join(homedir(), '.cache', 'homelab');
  return join(cache, 'home-assistant', 'venv');
}

/** The files of the throwaway config dir, by path relative to it. */
function configFiles(port: number, extra: string): Record<string, string> {
  const f = HOME_ASSISTANT_FIXTURE;
  return {
    'configuration.yaml': `homeassistant:
  name: ${f.locationName}
  latitude: 52.3731
  longitude: 4.8922
  elevation: 2
  unit_system: metric
  currency: EUR
  country: NL
  time_zone: ${f.timeZone}
http:
  server_host: 127.0.0.1
  server_port: ${port}
api:
websocket_api:
config:
history:
logbook:
recorder:
  commit_interval: 0
system_log:
trace:
demo:
automation: !include automations.yaml
script: !include scripts.yaml
scene: !include scenes.yaml
${extra}`,
    'automations.yaml': `- id: ${f.automation.id}
  alias: Bed light on homelab event
  description: Turns the bed light on when a ${f.automationEvent} event fires.
  trigger:
    - platform: event
      event_type: ${f.automationEvent}
  action:
    - service: light.turn_on
      target:
        entity_id: light.bed_light
      data:
        brightness: 200
`,
    'scripts.yaml': `${f.script.id}:
  alias: Blink kitchen
  sequence:
    - service: light.toggle
      target:
        entity_id: light.kitchen_lights
`,
    'scenes.yaml': `- id: ${f.scene.id}
  name: Movie time
  entities:
    light.ceiling_lights:
      state: "on"
      brightness: 60
`,
    '.storage/onboarding': JSON.stringify({
      version: 4,
      minor_version: 1,
      key: 'onboarding',
      data: { done: ['core_config'] },
    }),
  };
}

async function postJson(url: string, body: unknown, token?: string): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${url}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as unknown;
}

/**
 * Onboards a fresh instance over its real HTTP and WebSocket APIs and returns a long-lived token:
 * creates the owner (POST /api/onboarding/users), trades the auth code for an access token
 * (POST /auth/token), finishes the analytics and integration steps, and asks for a long-lived
 * token (WebSocket auth/long_lived_access_token). The core_config step is marked done in
 * .storage/onboarding before start: finishing it over the API would set up integrations that
 * reach the internet (met, radio_browser, google_translate).
 */
async function onboard(url: string): Promise<string> {
  const clientId = `${url}/`;
  const password = randomBytes(18).toString('base64url');
  const { auth_code: code } = (await postJson(`${url}/api/onboarding/users`, {
    client_id: clientId,
    name: 'Homelab Test',
    username: HOME_ASSISTANT_FIXTURE.username,
    password,
    language: 'en',
  })) as { auth_code: string };
  const tokenResponse = await fetch(`${url}/auth/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: clientId }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!tokenResponse.ok)
    throw new Error(`POST /auth/token: HTTP ${tokenResponse.status} ${await tokenResponse.text()}`);
  const { access_token: accessToken } = (await tokenResponse.json()) as { access_token: string };
  await postJson(`${url}/api/onboarding/analytics`, {}, accessToken);
  await postJson(
    `${url}/api/onboarding/integration`,
    { client_id: clientId, redirect_uri: `${url}/?auth_callback=1` },
    accessToken,
  );
  const socket = await connectHomeAssistantSocket(url, accessToken);
  try {
    return await socket.command<string>('auth/long_lived_access_token', {
      client_name: 'homelab-tests',
      lifespan: 3650,
    });
  } finally {
    socket.close();
  }
}

/** Starts a real Home Assistant on 127.0.0.1, onboarded, with a long-lived token. */
export async function startHomeAssistant(
  options: HomeAssistantOptions = {},
): Promise<RealHomeAssistant> {
  const venv = options.venv ?? homeAssistantVenv();
  const hass = requireBinary(join(venv, 'bin', 'hass'), HOME_ASSISTANT_INSTALLER);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const configDir = mkdtempSync(join(tmpdir(), 'homelab-home-assistant-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(join(configDir, '.storage'));
  for (const [name, text] of Object.entries(configFiles(port, options.extraConfig ?? '')))
    writeFileSync(join(configDir, name), text);

  const started = Date.now();
  const child = spawn(hass, ['-c', configDir, '--skip-pip', '--log-no-color'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };
  const killOnExit = () => killGroup('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      killGroup('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
    killGroup('SIGKILL');
    rmSync(configDir, { recursive: true, force: true });
  };

  try {
    const deadline = started + timeoutMs;
    await waitFor(`${url}/api/onboarding`, timeoutMs, child);
    const token = await onboard(url);
    let version = '';
    await waitFor(`${url}/api/config`, Math.max(deadline - Date.now(), 1000), child, {
      headers: { authorization: `Bearer ${token}` },
      until: async (response) => {
        const config = (await response.json()) as { state?: string; version: string };
        version = config.version;
        return config.state === 'RUNNING';
      },
    });
    return {
      url,
      token,
      version,
      configDir,
      startupMs: Date.now() - started,
      logs: () => output,
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(
      `Home Assistant did not start: ${(error as Error).message}\n${output.slice(-20_000)}`,
      { cause: error },
    );
  }
}

/** An authenticated connection to Home Assistant's WebSocket API. */
export interface HomeAssistantSocket {
  /** The version the server announced in auth_ok. */
  haVersion: string;
  /** Sends `{id, type, ...fields}` and resolves with `result`, or rejects with `code: message`. */
  command<T = unknown>(type: string, fields?: Record<string, unknown>): Promise<T>;
  close(): void;
}

export class HomeAssistantCommandError extends Error {
  constructor(
    readonly type: string,
    readonly code: string,
    message: string,
  ) {
    super(`${type} failed: ${code}: ${message}`);
  }
}

interface Pending {
  type: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** Opens `ws://HOST/api/websocket` and authenticates with `token` (rejects on auth_invalid). */
export function connectHomeAssistantSocket(
  url: string,
  token: string,
  timeoutMs = 10_000,
): Promise<HomeAssistantSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/websocket`);
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let haVersion = '';
  const failAll = (error: Error) => {
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  };
  const socket: HomeAssistantSocket = {
    get haVersion() {
      return haVersion;
    },
    command<T>(type: string, fields: Record<string, unknown> = {}) {
      const id = ++nextId;
      return new Promise<T>((resolve, reject) => {
        if (ws.readyState !== WebSocket.OPEN) {
          reject(new Error(`WebSocket to ${url} is closed`));
          return;
        }
        pending.set(id, { type, resolve: resolve as (value: unknown) => void, reject });
        ws.send(JSON.stringify({ ...fields, id, type }));
      });
    },
    close() {
      ws.close();
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`WebSocket to ${url} not authenticated after ${timeoutMs} ms`));
      ws.close();
    }, timeoutMs);
    ws.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        type: string;
        ha_version?: string;
        message?: string;
        success?: boolean;
        result?: unknown;
        error?: { code: string; message: string };
      };
      if (message.type === 'auth_required') {
        ws.send(JSON.stringify({ type: 'auth', access_token: token }));
      } else if (message.type === 'auth_ok') {
        clearTimeout(timer);
        haVersion = message.ha_version ?? '';
        resolve(socket);
      } else if (message.type === 'auth_invalid') {
        clearTimeout(timer);
        reject(new Error(`WebSocket auth_invalid: ${message.message ?? ''}`));
        ws.close();
      } else if (message.type === 'result' && message.id !== undefined) {
        const entry = pending.get(message.id);
        if (!entry) return;
        pending.delete(message.id);
        if (message.success) entry.resolve(message.result);
        else
          entry.reject(
            new HomeAssistantCommandError(
              entry.type,
              message.error?.code ?? 'unknown_error',
              message.error?.message ?? '',
            ),
          );
      }
    });
    ws.addEventListener('error', () => {
      clearTimeout(timer);
      const error = new Error(`WebSocket to ${url} failed`);
      reject(error);
      failAll(error);
    });
    ws.addEventListener('close', () => {
      clearTimeout(timer);
      reject(new Error(`WebSocket to ${url} closed before auth_ok`));
      failAll(new Error(`WebSocket to ${url} closed`));
    });
  });
}
