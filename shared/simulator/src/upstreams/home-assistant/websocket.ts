// The WebSocket API of the simulated Home Assistant (/api/websocket): the auth handshake, the
// per-connection id rule (`id_reuse`), subscriptions that end with their connection, and the
// commands (websocket_api/commands.py, config/*_registry.py, trace/websocket_api.py,
// system_log, config/config_entries.py). Also the WebSocket faults: a command answered late,
// answered with an error, or cut off mid-call by a dropped connection.

import { z } from 'zod';
import type { SimSocket } from '../../types.js';
import {
  domainOf,
  fireEvent,
  haTime,
  newContext,
  type EventListener,
  type HomeAssistantState,
  type TraceRun,
} from './model.js';
import { answeredCommand } from './schemas.js';
import {
  HaError,
  callService,
  serviceDescriptions,
  type Translation,
  type WsErrorCode,
} from './services.js';

/** A WebSocket fault: applies to commands of type `command` (any when omitted). */
export type HaWsFault = {
  /** Message type, e.g. `call_service`, `get_states`, or `auth` for the handshake. */
  command?: string;
  /** For call_service: only calls of this service, e.g. `light.turn_on`. */
  service?: string;
  /** How many matching commands it hits (default: all). */
  times?: number;
} & (
  | {
      kind: 'drop';
      /** Close frame code; without one the TCP connection is cut (client sees 1006). */ code?: number;
    }
  | { kind: 'delay'; ms: number }
  | { kind: 'error'; code?: WsErrorCode; message?: string }
);

export interface HaWsFaultController {
  inject(fault: HaWsFault): void;
  clear(): void;
  readonly active: readonly HaWsFault[];
}

const wsErrorCodes = [
  'id_reuse',
  'invalid_format',
  'not_allowed',
  'not_found',
  'not_supported',
  'home_assistant_error',
  'service_validation_error',
  'unknown_command',
  'unknown_error',
  'unauthorized',
  'timeout',
  'template_error',
] as const;

const faultCommon = {
  command: z.string().min(1).optional(),
  service: z
    .string()
    .regex(/^[a-z0-9_]+\.[a-z0-9_]+$/)
    .optional(),
  times: z.number().int().positive().optional(),
};
const faultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...faultCommon,
    kind: z.literal('drop'),
    code: z.number().int().min(1000).max(4999).optional(),
  }),
  z.strictObject({ ...faultCommon, kind: z.literal('delay'), ms: z.number().int().nonnegative() }),
  z.strictObject({
    ...faultCommon,
    kind: z.literal('error'),
    code: z.enum(wsErrorCodes).optional(),
    message: z.string().optional(),
  }),
]);

/** The WebSocket faults in force, applied in the order injected. */
export class WsFaultTable implements HaWsFaultController {
  private entries: Array<{ fault: HaWsFault; remaining: number }> = [];

  inject(fault: HaWsFault): void {
    const parsed = faultSchema.safeParse(fault);
    if (!parsed.success)
      throw new Error(`invalid WebSocket fault: ${z.prettifyError(parsed.error)}`);
    this.entries.push({ fault: { ...fault }, remaining: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.entries = [];
  }

  get active(): readonly HaWsFault[] {
    return this.entries.map(({ fault, remaining }) =>
      Number.isFinite(remaining) ? { ...fault, times: remaining } : { ...fault },
    );
  }

  /** The first fault matching a message (uses one of its `times`). */
  take(type: string, message: Record<string, unknown>): HaWsFault | undefined {
    const entry = this.entries.find(({ fault }) => {
      if (fault.command !== undefined && fault.command !== type) return false;
      if (fault.service !== undefined) {
        return (
          type === 'call_service' &&
          `${String(message.domain)}.${String(message.service)}` === fault.service
        );
      }
      return true;
    });
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.entries = this.entries.filter((other) => other !== entry);
    return entry.fault;
  }
}

/** Cuts a connection: a close frame with `code`, or (without one) the TCP connection. */
export function cutConnection(conn: SimSocket, code: number | undefined): void {
  const abrupt = (conn as SimSocket & { disconnect?: (code: number | undefined) => void })
    .disconnect;
  if (code === undefined && typeof abrupt === 'function') abrupt.call(conn, undefined);
  else conn.close(code ?? 1011);
}

type Message = Record<string, unknown> & { id: number; type: string };

function traceSummary(run: TraceRun): Record<string, unknown> {
  return {
    last_step: Object.keys(run.steps).at(-1) ?? null,
    run_id: run.runId,
    state: run.finishUs === null ? 'running' : 'stopped',
    script_execution: run.scriptExecution,
    timestamp: {
      start: haTime(run.startUs),
      finish: run.finishUs === null ? null : haTime(run.finishUs),
    },
    domain: run.domain,
    item_id: run.itemId,
    ...(run.domain === 'automation' ? { trigger: run.trigger } : {}),
    ...(run.error !== null ? { error: run.error } : {}),
  };
}

/** Integration types (manifest `integration_type`) for config_entries/get's type_filter. */
const INTEGRATION_TYPES: Record<string, string> = {
  backup: 'service',
  demo: 'hub',
  hue: 'hub',
  met: 'service',
  mqtt: 'service',
  ring: 'hub',
  sun: 'service',
};

function invalidFormat(message: string): HaError {
  return new HaError('invalid_format', message);
}

/** The commands, by type. Each returns the `result` (or throws HaError). */
function commandHandlers(
  state: HomeAssistantState,
  subscriptions: Map<number, () => void>,
  sendEvent: (id: number, event: unknown) => void,
): Record<string, (message: Message) => unknown> {
  return {
    supported_features: () => null,
    get_states: () => [...state.states.values()],
    get_config: () => state.config,
    get_services: () => serviceDescriptions(state),
    call_service: async (message) => {
      if (typeof message.domain !== 'string')
        throw invalidFormat("required key not provided @ data['domain']");
      if (typeof message.service !== 'string')
        throw invalidFormat("required key not provided @ data['service']");
      const target = message.target ?? {};
      const serviceData = message.service_data ?? {};
      if (typeof target !== 'object' || target === null || Array.isArray(target)) {
        throw invalidFormat("expected a dictionary for dictionary value @ data['target']");
      }
      if (typeof serviceData !== 'object' || serviceData === null || Array.isArray(serviceData)) {
        throw invalidFormat("expected dict for dictionary value @ data['service_data']");
      }
      if (JSON.stringify(target).includes('{{'))
        throw invalidFormat('Templates are not supported here');
      const context = newContext(undefined, state.userId);
      const returnResponse = message.return_response === true;
      const { response } = await callService(state, {
        domain: message.domain,
        service: message.service,
        data: { ...serviceData, ...target },
        context,
        returnResponse,
      });
      return { context, response: returnResponse ? response : null };
    },
    fire_event: (message) => {
      if (typeof message.event_type !== 'string') {
        throw invalidFormat("required key not provided @ data['event_type']");
      }
      const context = newContext(undefined, state.userId);
      const data = message.event_data;
      const eventData =
        typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
      fireEvent(state, message.event_type, eventData, context, 'REMOTE');
      return { context };
    },
    subscribe_events: (message) => {
      const eventType = typeof message.event_type === 'string' ? message.event_type : '*';
      const listener: EventListener = (event) => {
        if (eventType === '*' || event.event_type === eventType) sendEvent(message.id, event);
      };
      state.listeners.add(listener);
      subscriptions.set(message.id, () => state.listeners.delete(listener));
      return null;
    },
    unsubscribe_events: (message) => {
      const subscription = Number(message.subscription);
      const unsubscribe = subscriptions.get(subscription);
      if (!unsubscribe) throw new HaError('not_found', 'Subscription not found.');
      unsubscribe();
      subscriptions.delete(subscription);
      return null;
    },
    'config/area_registry/list': () => [...state.areas.values()],
    'config/device_registry/list': () => [...state.devices.values()],
    'config/entity_registry/list': () => [...state.entityRegistry.values()],
    'config/entity_registry/list_for_display': () => ({
      entity_categories: { '0': 'config', '1': 'diagnostic' },
      entities: [...state.entityRegistry.values()]
        .filter((entry) => entry.disabled_by === null)
        .map((entry) => {
          const display: Record<string, unknown> = { ei: entry.entity_id, pl: entry.platform };
          if (entry.area_id !== null) display.ai = entry.area_id;
          display.lb = [...entry.labels];
          if (entry.device_id !== null) display.di = entry.device_id;
          if (entry.icon !== null) display.ic = entry.icon;
          if (entry.translation_key !== null) display.tk = entry.translation_key;
          if (entry.entity_category !== null)
            display.ec = entry.entity_category === 'config' ? 0 : 1;
          if (entry.hidden_by !== null) display.hb = true;
          if (!entry.name && entry.has_entity_name) display.en = entry.original_name;
          const sensorOptions =
            domainOf(entry.entity_id) === 'sensor' ? entry.options.sensor : undefined;
          const precision =
            sensorOptions?.display_precision ?? sensorOptions?.suggested_display_precision;
          if (typeof precision === 'number') display.dp = precision;
          return display;
        }),
    }),
    'trace/list': (message) => {
      if (message.domain !== 'automation' && message.domain !== 'script') {
        throw invalidFormat(
          "value must be one of ['automation', 'script'] for dictionary value @ data['domain']",
        );
      }
      return state.traces
        .filter(
          (run) =>
            run.domain === message.domain &&
            (message.item_id === undefined || run.itemId === message.item_id),
        )
        .map(traceSummary);
    },
    'trace/get': (message) => {
      const run = state.traces.find(
        (candidate) =>
          candidate.domain === message.domain &&
          candidate.itemId === message.item_id &&
          candidate.runId === message.run_id,
      );
      if (!run) throw new HaError('not_found', 'The trace could not be found');
      return {
        ...traceSummary(run),
        trace: run.steps,
        config: run.config,
        blueprint_inputs: null,
        context: run.context,
      };
    },
    'system_log/list': () => state.systemLog,
    'config_entries/get': (message) => {
      const typeFilter =
        message.type_filter === undefined ? undefined : [message.type_filter].flat().map(String);
      return state.configEntries.filter(
        (entry) =>
          (message.domain === undefined || entry.domain === message.domain) &&
          (typeFilter === undefined ||
            typeFilter.includes(INTEGRATION_TYPES[entry.domain] ?? 'hub')),
      );
    },
  };
}

/** Serves one WebSocket connection until it closes. */
export function serveConnection(
  conn: SimSocket,
  state: HomeAssistantState,
  faults: WsFaultTable,
): void {
  let authenticated = false;
  let lastId = 0;
  const subscriptions = new Map<number, () => void>();

  const send = (message: Record<string, unknown>, command?: string): void => {
    if (command) answeredCommand.set(message, command);
    conn.send(message);
  };
  const sendError = (
    id: unknown,
    code: WsErrorCode,
    message: string,
    translation?: Translation,
  ): void => {
    send({
      id: typeof id === 'number' && Number.isInteger(id) ? id : null,
      type: 'result',
      success: false,
      error: { code, message, ...translation },
    });
  };
  const sendEvent = (id: number, event: unknown): void => send({ id, type: 'event', event });
  const handlers = commandHandlers(state, subscriptions, sendEvent);

  const refuseAuth = (message: string): void => {
    send({ type: 'auth_invalid', message });
    conn.close(1000);
  };

  const authenticate = (message: unknown): void => {
    const auth =
      typeof message === 'object' && message !== null ? (message as Record<string, unknown>) : {};
    if (auth.type !== 'auth') {
      refuseAuth(
        "Auth message incorrectly formatted: value must be one of ['auth'] for dictionary value @ data['type']",
      );
      return;
    }
    if (typeof auth.access_token !== 'string') {
      refuseAuth(
        "Auth message incorrectly formatted: required key not provided @ data['access_token']",
      );
      return;
    }
    const fault = faults.take('auth', auth);
    const answer = (): void => {
      if (state.rejectAuth || auth.access_token !== state.token) {
        refuseAuth('Invalid access token or password');
        return;
      }
      authenticated = true;
      send({ type: 'auth_ok', ha_version: state.version });
    };
    if (fault?.kind === 'drop') cutConnection(conn, fault.code);
    else if (fault?.kind === 'error')
      refuseAuth(fault.message ?? 'Invalid access token or password');
    else if (fault?.kind === 'delay') setTimeout(answer, fault.ms);
    else answer();
  };

  const run = async (message: Message): Promise<void> => {
    if (message.type === 'ping') {
      send({ id: message.id, type: 'pong' });
      return;
    }
    const handler = handlers[message.type];
    if (!handler) {
      sendError(message.id, 'unknown_command', 'Unknown command.');
      return;
    }
    try {
      const result = await handler(message);
      send({ id: message.id, type: 'result', success: true, result }, message.type);
    } catch (error) {
      if (error instanceof HaError) {
        const text =
          error.code === 'service_validation_error'
            ? `Validation error: ${error.message}`
            : error.message;
        sendError(message.id, error.code, text, error.translation);
      } else {
        sendError(
          message.id,
          'unknown_error',
          error instanceof Error ? error.message : String(error),
        );
      }
    }
  };

  const handleCommand = (raw: unknown): void => {
    const message =
      typeof raw === 'object' && raw !== null && !Array.isArray(raw)
        ? (raw as Record<string, unknown>)
        : {};
    const { id, type } = message;
    if (typeof id !== 'number' || !Number.isInteger(id) || typeof type !== 'string') {
      sendError(id, 'invalid_format', 'Message incorrectly formatted.');
      return;
    }
    if (id <= lastId) {
      sendError(id, 'id_reuse', 'Identifier values have to increase.');
      return;
    }
    lastId = id;
    const command = message as Message;
    const fault = faults.take(type, command);
    if (fault?.kind === 'drop') {
      cutConnection(conn, fault.code);
    } else if (fault?.kind === 'error') {
      sendError(
        id,
        fault.code ?? 'home_assistant_error',
        fault.message ?? `Simulated failure of ${type}`,
      );
    } else if (fault?.kind === 'delay') {
      setTimeout(() => void run(command), fault.ms);
    } else {
      void run(command);
    }
  };

  conn.onClose(() => {
    for (const unsubscribe of subscriptions.values()) unsubscribe();
    subscriptions.clear();
  });
  conn.send({ type: 'auth_required', ha_version: state.version });
  conn.onMessage((message) => {
    if (conn.closed) return;
    if (!authenticated) {
      authenticate(message);
      return;
    }
    if (Array.isArray(message)) message.forEach(handleCommand);
    else handleCommand(message);
  });
}
