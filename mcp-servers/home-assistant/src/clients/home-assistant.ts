// The Home Assistant client: one persistent WebSocket (home-assistant-js-websocket) with
// reconnect and backoff, a live cache of states and registries kept current by subscriptions
// (so reads never refetch every state), scoping applied to everything it returns, and REST
// (on the kit's UpstreamClient) only where the documented API has no WebSocket equivalent.
// Every failure becomes an error that names Home Assistant and says what to try.
import {
  createConnection,
  createLongLivedTokenAuth,
  ERR_CANNOT_CONNECT,
  ERR_CONNECTION_LOST,
  ERR_INVALID_AUTH,
  type Connection,
  type MessageBase,
} from 'home-assistant-js-websocket';
import {
  InvalidInputError,
  NotFoundError,
  UpstreamError,
  UpstreamClient,
  errorFields,
  type Logger,
  type ServerMetrics,
} from '@homelab/kit';
import { z } from 'zod';
import { closestMatches } from './fuzzy.js';
import type { EntityScope } from './scope.js';

const SERVICE = 'Home Assistant';

export const stateSchema = z.object({
  entity_id: z.string().regex(/^[a-z0-9_]+\.[a-z0-9_]+$/),
  state: z.string(),
  attributes: z.record(z.string(), z.unknown()).default({}),
  last_changed: z.string(),
  last_updated: z.string(),
});
export type HassState = z.output<typeof stateSchema>;

const areaSchema = z
  .object({
    area_id: z.string(),
    name: z.string(),
    floor_id: z.string().nullish(),
    aliases: z.array(z.string()).default([]),
  })
  .loose();
const deviceSchema = z
  .object({
    id: z.string(),
    name: z.string().nullish(),
    name_by_user: z.string().nullish(),
    area_id: z.string().nullish(),
    manufacturer: z.string().nullish(),
    model: z.string().nullish(),
  })
  .loose();
const entityDisplaySchema = z.object({
  entities: z.array(
    z
      .object({
        ei: z.string(),
        ai: z.string().nullish(),
        di: z.string().nullish(),
        en: z.string().nullish(),
        hb: z.boolean().optional(),
      })
      .loose(),
  ),
});
const stateChangedSchema = z.object({
  data: z.object({ entity_id: z.string(), new_state: stateSchema.nullable() }),
});

export interface Area {
  id: string;
  name: string;
}

export interface Device {
  id: string;
  name: string;
  areaId: string | undefined;
  manufacturer: string | undefined;
  model: string | undefined;
}

/** A state enriched with what the registries know, as the tools see it. */
export interface EntityView extends HassState {
  domain: string;
  name: string;
  area: Area | undefined;
  device: Device | undefined;
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'auth_invalid';

export interface HomeAssistantClientOptions {
  url: string;
  token: string;
  timeoutMs: number;
  scope: EntityScope;
  log: Logger;
  metrics?: ServerMetrics;
}

const BACKOFF_MS = [500, 1000, 2000, 5000, 10_000, 30_000];
/** How long a call waits for a (re)connection in progress before failing. */
const READY_WAIT_MS = 3000;

function describeWsError(raw: unknown): { code: string; message: string } {
  // The library rejects with the result's `error` object, or with a whole error message
  // ({type: 'result', success: false, error}) when the connection drops.
  const error =
    typeof raw === 'object' &&
    raw !== null &&
    'error' in raw &&
    typeof (raw as { error: unknown }).error === 'object'
      ? (raw as { error: unknown }).error
      : raw;
  if (error === ERR_CONNECTION_LOST) return { code: 'connection_lost', message: 'connection lost' };
  if (error === ERR_INVALID_AUTH) return { code: 'invalid_auth', message: 'token refused' };
  if (error === ERR_CANNOT_CONNECT) return { code: 'cannot_connect', message: 'cannot connect' };
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code, message } = error as { code: unknown; message?: unknown };
    if (code === ERR_CONNECTION_LOST)
      return { code: 'connection_lost', message: 'connection lost' };
    return { code: String(code), message: typeof message === 'string' ? message : String(code) };
  }
  return { code: 'unknown_error', message: error instanceof Error ? error.message : String(error) };
}

export class HomeAssistantClient {
  readonly rest: UpstreamClient;
  private readonly options: HomeAssistantClientOptions;
  private connection: Connection | undefined;
  private state: ConnectionState = 'connecting';
  private lastError: string | undefined;
  private haVersion: string | undefined;
  private closed = false;
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private readonly states = new Map<string, HassState>();
  private areas = new Map<string, Area>();
  private devices = new Map<string, Device>();
  private entityRegistry = new Map<
    string,
    { areaId?: string; deviceId?: string; hidden?: boolean }
  >();
  private registryTimer: NodeJS.Timeout | undefined;
  private readonly stateListeners = new Set<(state: HassState | null, entityId: string) => void>();

  constructor(options: HomeAssistantClientOptions) {
    this.options = options;
    this.rest = new UpstreamClient({
      service: SERVICE,
      baseUrl: options.url,
      headers: { authorization: `Bearer ${options.token}` },
      timeoutMs: options.timeoutMs,
      urlVariable: 'HA_URL',
      credentialVariable: 'HA_TOKEN',
      metrics: options.metrics,
    });
  }

  /** Starts connecting in the background; the server is usable (with clear errors) while it does. */
  start(): void {
    void this.connectLoop(0);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.registryTimer);
    this.connection?.close();
  }

  status(): {
    state: ConnectionState;
    haVersion: string | undefined;
    lastError: string | undefined;
    entities: number;
  } {
    return {
      state: this.state,
      haVersion: this.haVersion,
      lastError: this.lastError,
      entities: this.states.size,
    };
  }

  private async connectLoop(attempt: number): Promise<void> {
    if (this.closed) return;
    const auth = createLongLivedTokenAuth(this.options.url.replace(/\/+$/, ''), this.options.token);
    try {
      const connection = await createConnection({ auth, setupRetry: 0 });
      if (this.closed) {
        connection.close();
        return;
      }
      this.connection = connection;
      this.haVersion = connection.haVersion;
      connection.addEventListener('ready', () => {
        this.options.log.info('reconnected to Home Assistant; resynchronising');
        void this.sync();
      });
      connection.addEventListener('disconnected', () => {
        this.state = 'disconnected';
        this.synced = false;
        this.lastError = 'connection lost; reconnecting';
        this.options.log.warn('lost the Home Assistant WebSocket; reconnecting');
      });
      connection.addEventListener('reconnect-error', () => {
        this.state = 'auth_invalid';
        this.lastError = 'token refused on reconnect';
        this.options.log.error('Home Assistant refused the token on reconnect; check HA_TOKEN');
      });
      await connection.subscribeEvents((event) => this.onStateChanged(event), 'state_changed');
      for (const type of [
        'area_registry_updated',
        'device_registry_updated',
        'entity_registry_updated',
      ]) {
        await connection.subscribeEvents(() => this.scheduleRegistryRefresh(), type);
      }
      this.state = 'connected';
      this.lastError = undefined;
      this.options.log.info('connected to Home Assistant', { haVersion: connection.haVersion });
      await this.sync();
    } catch (error) {
      const { code, message } = describeWsError(error);
      if (code === 'invalid_auth') {
        this.state = 'auth_invalid';
        this.lastError = 'token refused (auth_invalid)';
        this.options.log.error('Home Assistant refused the token; check HA_TOKEN');
        this.scheduleReconnect(attempt, BACKOFF_MS.at(-1) ?? 30_000);
        return;
      }
      this.state = 'disconnected';
      this.lastError = message;
      this.options.log.warn('cannot connect to Home Assistant; retrying', {
        attempt,
        code,
        url: this.options.url,
      });
      this.scheduleReconnect(attempt);
    }
  }

  private scheduleReconnect(attempt: number, delay?: number): void {
    if (this.closed) return;
    const wait = delay ?? BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)] ?? 30_000;
    setTimeout(() => void this.connectLoop(attempt + 1), wait).unref();
  }

  private onStateChanged(event: unknown): void {
    const parsed = stateChangedSchema.safeParse(event);
    if (!parsed.success) {
      this.options.log.warn('ignored a malformed state_changed event');
      return;
    }
    const { entity_id: entityId, new_state: newState } = parsed.data.data;
    if (newState) this.states.set(entityId, newState);
    else this.states.delete(entityId);
    for (const listener of this.stateListeners) listener(newState, entityId);
  }

  private scheduleRegistryRefresh(): void {
    clearTimeout(this.registryTimer);
    this.registryTimer = setTimeout(() => {
      this.loadRegistries().catch((error: unknown) =>
        this.options.log.warn('registry refresh failed', errorFields(error)),
      );
    }, 300);
    this.registryTimer.unref();
  }

  private async sync(): Promise<void> {
    try {
      const states = z.array(stateSchema).parse(await this.rawCommand({ type: 'get_states' }));
      this.states.clear();
      for (const state of states) this.states.set(state.entity_id, state);
      await this.loadRegistries();
      this.synced = true;
      this.state = 'connected';
      for (const resolve of [...this.syncWaiters]) resolve();
    } catch (error) {
      this.options.log.warn('could not load states from Home Assistant', errorFields(error));
    }
  }

  private async loadRegistries(): Promise<void> {
    const [areas, devices, display] = await Promise.all([
      this.rawCommand({ type: 'config/area_registry/list' }),
      this.rawCommand({ type: 'config/device_registry/list' }),
      this.rawCommand({ type: 'config/entity_registry/list_for_display' }),
    ]);
    this.areas = new Map(
      z
        .array(areaSchema)
        .parse(areas)
        .map((a) => [a.area_id, { id: a.area_id, name: a.name }]),
    );
    this.devices = new Map(
      z
        .array(deviceSchema)
        .parse(devices)
        .map((d) => [
          d.id,
          {
            id: d.id,
            name: d.name_by_user ?? d.name ?? d.id,
            areaId: d.area_id ?? undefined,
            manufacturer: d.manufacturer ?? undefined,
            model: d.model ?? undefined,
          },
        ]),
    );
    this.entityRegistry = new Map(
      entityDisplaySchema
        .parse(display)
        .entities.map((e) => [
          e.ei,
          { areaId: e.ai ?? undefined, deviceId: e.di ?? undefined, hidden: e.hb },
        ]),
    );
  }

  /**
   * Waits for a connected, synchronised client: the first sync, or a reconnect in progress
   * (a few seconds at most); otherwise fails with the reason the connection is not there.
   */
  async ready(signal?: AbortSignal): Promise<void> {
    if (this.synced && this.state === 'connected') return;
    if (this.state === 'auth_invalid') this.throwDisconnected();
    const synced = await new Promise<boolean>((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.syncWaiters = this.syncWaiters.filter((w) => w !== waiter);
        resolve(value);
      };
      const waiter = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), Math.min(this.options.timeoutMs, READY_WAIT_MS));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(waiter);
    });
    if (!synced || this.state !== 'connected') this.throwDisconnected();
  }

  private throwDisconnected(): never {
    if (this.state === 'auth_invalid') {
      throw new UpstreamError(SERVICE, 'refused the token (auth_invalid)', {
        hint: 'Check HA_TOKEN: create a long-lived access token on your Home Assistant profile page.',
      });
    }
    throw new UpstreamError(
      SERVICE,
      `is not connected (${this.lastError ?? 'connecting'}); reconnecting in the background`,
      {
        hint: `Check that Home Assistant is running at HA_URL=${this.options.url}; try again in a few seconds.`,
        retryable: true,
      },
    );
  }

  private async rawCommand(message: MessageBase, signal?: AbortSignal): Promise<unknown> {
    const connection = this.connection;
    if (!connection || !connection.connected) this.throwDisconnected();
    const started = performance.now();
    const metric = (outcome: string) => {
      this.options.metrics?.upstreamRequests.inc({ service: SERVICE, outcome });
      this.options.metrics?.upstreamDuration.observe(
        { service: SERVICE },
        (performance.now() - started) / 1000,
      );
    };
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      const result = await Promise.race([
        connection.sendMessagePromise<unknown>(message),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new UpstreamError(
                  SERVICE,
                  `did not answer ${message.type} within ${(this.options.timeoutMs / 1000).toFixed(1)} s`,
                  {
                    hint: 'Home Assistant may be busy or starting up; check it and try again.',
                    retryable: true,
                  },
                ),
              ),
            this.options.timeoutMs,
          );
          onAbort = () =>
            reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
          signal?.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
      metric('ok');
      return result;
    } catch (error) {
      if (error instanceof UpstreamError || signal?.aborted) {
        metric(signal?.aborted ? 'cancelled' : 'timeout');
        throw error;
      }
      const { code, message: text } = describeWsError(error);
      metric(code);
      if (code === 'connection_lost') {
        throw new UpstreamError(SERVICE, `connection was lost during ${message.type}`, {
          hint: 'The command may or may not have been applied; read the state again before retrying.',
          retryable: true,
        });
      }
      if (code === 'service_validation_error' || code === 'invalid_format') {
        throw new InvalidInputError(`${SERVICE} rejected ${message.type}: ${text}`, {
          hint: 'Check the values against what the entity supports.',
        });
      }
      if (code === 'not_found') throw new NotFoundError(`${SERVICE}: ${text}`);
      if (code === 'unauthorized') {
        throw new UpstreamError(SERVICE, `refused ${message.type}: ${text}`, {
          hint: 'The token belongs to a user without the needed permission (an admin is needed for diagnostics).',
        });
      }
      throw new UpstreamError(SERVICE, `${message.type} failed (${code}): ${text}`, {
        hint: 'Check the Home Assistant log for details.',
      });
    } finally {
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** A WebSocket command, after the initial sync; the result is validated by `schema`. */
  async command<T>(message: MessageBase, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
    await this.ready(signal);
    const result = schema.safeParse(await this.rawCommand(message, signal));
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new UpstreamError(
        SERVICE,
        `sent an unexpected answer to ${message.type} (${issue?.path.join('.') || 'result'}: ${issue?.message})`,
        {
          hint: 'This Home Assistant version may not be supported; please report it with the version number.',
        },
      );
    }
    return result.data;
  }

  async callService(
    domain: string,
    service: string,
    target: { entity_id: string | string[] } | undefined,
    serviceData: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.command(
      {
        type: 'call_service',
        domain,
        service,
        service_data: serviceData,
        ...(target ? { target } : {}),
      },
      z.unknown(),
      signal,
    );
  }

  /** Resolves with the entity's state once `predicate` holds (or undefined after `timeoutMs`). */
  waitForState(
    entityId: string,
    predicate: (state: HassState) => boolean,
    timeoutMs: number,
  ): Promise<HassState | undefined> {
    const current = this.states.get(entityId);
    if (current && predicate(current)) return Promise.resolve(current);
    return new Promise((resolve) => {
      const listener = (state: HassState | null, changed: string) => {
        if (changed !== entityId || !state || !predicate(state)) return;
        clearTimeout(timer);
        this.stateListeners.delete(listener);
        resolve(state);
      };
      const timer = setTimeout(() => {
        this.stateListeners.delete(listener);
        resolve(this.states.get(entityId));
      }, timeoutMs);
      this.stateListeners.add(listener);
    });
  }

  private view(state: HassState): EntityView {
    const registry = this.entityRegistry.get(state.entity_id);
    const device = registry?.deviceId ? this.devices.get(registry.deviceId) : undefined;
    const areaId = registry?.areaId ?? device?.areaId;
    const name =
      typeof state.attributes.friendly_name === 'string'
        ? state.attributes.friendly_name
        : state.entity_id;
    return {
      ...state,
      domain: state.entity_id.split('.')[0] ?? '',
      name,
      area: areaId ? this.areas.get(areaId) : undefined,
      device,
    };
  }

  /** Every entity the scope allows, from the live cache. */
  entities(): EntityView[] {
    const out: EntityView[] = [];
    for (const state of this.states.values()) {
      const view = this.view(state);
      if (this.options.scope.allows(view.entity_id, view.area)) out.push(view);
    }
    return out;
  }

  /** One entity, or a NotFoundError naming the closest matches (within scope). */
  requireEntity(entityId: string, domains?: readonly string[]): EntityView {
    const state = this.states.get(entityId);
    const view = state ? this.view(state) : undefined;
    if (view && this.options.scope.allows(view.entity_id, view.area)) {
      if (domains && !domains.includes(view.domain)) {
        throw new InvalidInputError(
          `${entityId} is a ${view.domain} entity; this tool works on ${domains.join(' or ')} entities`,
        );
      }
      return view;
    }
    const candidates = this.entities()
      .filter((e) => !domains || domains.includes(e.domain))
      .map((e) => ({ id: e.entity_id, texts: [e.entity_id, e.name, e.area?.name] }));
    throw new NotFoundError(`Entity ${entityId}`, closestMatches(entityId, candidates));
  }

  listAreas(): Area[] {
    return [...this.areas.values()];
  }

  listDevices(): Device[] {
    return [...this.devices.values()];
  }

  areaOf(areaId: string | undefined): Area | undefined {
    return areaId ? this.areas.get(areaId) : undefined;
  }
}
