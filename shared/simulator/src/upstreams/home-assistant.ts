// The simulated Home Assistant (specs/home-assistant-api.md, a written contract): the REST API
// under /api/ and the WebSocket API at /api/websocket over one stateful home (see
// home-assistant/demo.ts), with WebSocket faults (late, failing or dropped commands, refused
// tokens, every socket closed as by a restart) on top of the framework's HTTP faults.
// Why: the Home Assistant MCP server keeps one live WebSocket with subscriptions and falls back
// to REST for history and logbook; it must be proven against that behaviour, reconnects included.

import { startUpstream } from '../upstream.js';
import type { RouteDefinition, RouteHandler, SimRequest, SimResponse, Upstream } from '../types.js';
import { createHomeAssistantState } from './home-assistant/demo.js';
import {
  newContext,
  nowMicros,
  type HaEvent,
  type HomeAssistantState,
} from './home-assistant/model.js';
import {
  historyDuringPeriod,
  logbookEntries,
  parseHaDatetime,
  startOfLocalDayUs,
} from './home-assistant/recorder.js';
import {
  incomingMessageSchema,
  outgoingMessageSchema,
  restSchemas,
} from './home-assistant/schemas.js';
import {
  HaError,
  callService,
  responseSupport,
  serviceDescriptions,
} from './home-assistant/services.js';
import { isValidEntityId } from './home-assistant/validation.js';
import {
  WsFaultTable,
  serveConnection,
  type HaWsFaultController,
} from './home-assistant/websocket.js';

export interface HomeAssistantSim extends Upstream<HomeAssistantState> {
  /** WebSocket faults: `inject({ command, kind: 'drop' | 'delay' | 'error', ms?, code?, times? })`; reset() clears them. */
  readonly wsFaults: HaWsFaultController;
  /**
   * Closes every open WebSocket with `code` (default 1001, going away), as a restart does;
   * clients must reconnect and subscribe again. Returns how many were closed. (To cut them
   * without a close frame, use `faults.inject({ kind: 'ws-close' })`.)
   */
  disconnectAll(code?: number): number;
}

const DAY_US = 24 * 3_600_000_000;

function message(status: number, text: string): SimResponse {
  return { status, body: { message: text } };
}

/** aiohttp's plain-text error answers, which Home Assistant's REST API gives (seen on 2024.3). */
const PLAIN_UNAUTHORIZED: SimResponse = { status: 401, raw: '401: Unauthorized' };
const PLAIN_BAD_REQUEST: SimResponse = { status: 400, raw: '400: Bad Request' };
const PLAIN_SERVER_ERROR: SimResponse = {
  status: 500,
  raw: '500 Internal Server Error\n\nServer got itself in trouble',
};

/** Home Assistant checks the bearer token on every REST view (401 in plain text otherwise). */
function authorized(handler: RouteHandler<HomeAssistantState>): RouteHandler<HomeAssistantState> {
  return (req, state) =>
    !state.rejectAuth && req.headers.authorization === `Bearer ${state.token}`
      ? handler(req, state)
      : PLAIN_UNAUTHORIZED;
}

function historyHandler(req: SimRequest, state: HomeAssistantState): SimResponse {
  const timeZone = state.config.time_zone;
  let startUs: number | undefined;
  if (req.params.timestamp !== undefined) {
    startUs = parseHaDatetime(req.params.timestamp, timeZone);
    if (startUs === undefined) return message(400, 'Invalid datetime');
  }
  const entityIds = (req.query.get('filter_entity_id') ?? '')
    .trim()
    .toLowerCase()
    .split(',')
    .filter(Boolean);
  if (entityIds.length === 0) return message(400, 'filter_entity_id is missing');
  if (entityIds.some((id) => !state.states.has(id) && !isValidEntityId(id))) {
    return message(400, 'Invalid filter_entity_id');
  }
  const nowUs = nowMicros();
  startUs ??= nowUs - DAY_US;
  if (startUs > nowUs) return { status: 200, body: [] };
  let endUs = startUs + DAY_US;
  const endText = req.query.get('end_time');
  if (endText) {
    const parsed = parseHaDatetime(endText, timeZone);
    if (parsed === undefined) return message(400, 'Invalid end_time');
    endUs = parsed;
  }
  return {
    status: 200,
    body: historyDuringPeriod(state, {
      startUs,
      endUs,
      entityIds,
      includeStartTimeState: !req.query.has('skip_initial_state'),
      significantChangesOnly: req.query.get('significant_changes_only') !== '0',
      minimalResponse: req.query.has('minimal_response'),
      noAttributes: req.query.has('no_attributes'),
    }),
  };
}

function logbookHandler(req: SimRequest, state: HomeAssistantState): SimResponse {
  const timeZone = state.config.time_zone;
  let startUs = startOfLocalDayUs(Date.now(), timeZone);
  if (req.params.timestamp !== undefined) {
    const parsed = parseHaDatetime(req.params.timestamp, timeZone);
    if (parsed === undefined) return message(400, 'Invalid datetime');
    startUs = parsed;
  }
  const periodDays = Number(req.query.get('period') ?? '1');
  let endUs = startUs + (Number.isFinite(periodDays) && periodDays > 0 ? periodDays : 1) * DAY_US;
  const endText = req.query.get('end_time');
  if (endText) {
    const parsed = parseHaDatetime(endText, timeZone);
    if (parsed === undefined) return message(400, 'Invalid end_time');
    endUs = parsed;
  }
  let entityIds: string[] | undefined;
  const entityText = req.query.get('entity');
  if (entityText) {
    entityIds = entityText.split(',').map((id) => id.trim().toLowerCase());
    if (entityIds.some((id) => !isValidEntityId(id))) return message(400, 'Invalid entity id(s)');
  }
  if (startUs > nowMicros()) return { status: 200, body: [] };
  return { status: 200, body: logbookEntries(state, { startUs, endUs, entityIds }) };
}

/**
 * POST /api/services/{domain}/{service} (api/__init__.py APIDomainServicesView): the states
 * changed in the call's context, one per change. Unknown services and invalid data are a
 * plain-text 400; other failures (ServiceValidationError included) escape as a plain-text 500.
 */
async function serviceCallHandler(
  req: SimRequest,
  state: HomeAssistantState,
): Promise<SimResponse> {
  const domain = req.params.domain ?? '';
  const service = req.params.service ?? '';
  const returnResponse = req.query.has('return_response');
  const support = responseSupport(state, domain, service);
  if (returnResponse && support === 'none') {
    return message(400, 'Service does not support responses. Remove return_response from request.');
  }
  if (!returnResponse && support === 'only') {
    return message(
      400,
      'Service call requires responses but caller did not ask for responses. Add ?return_response to query parameters.',
    );
  }
  const context = newContext(undefined, state.userId);
  const changedStates: unknown[] = [];
  const track = (event: HaEvent): void => {
    const newState = event.data.new_state;
    if (event.event_type === 'state_changed' && event.context.id === context.id && newState) {
      changedStates.push(newState);
    }
  };
  state.listeners.add(track);
  try {
    const { response } = await callService(state, {
      domain,
      service,
      data: (req.body ?? {}) as Record<string, unknown>,
      context,
      returnResponse,
    });
    return {
      status: 200,
      body: returnResponse
        ? { changed_states: changedStates, service_response: response }
        : changedStates,
    };
  } catch (error) {
    if (!(error instanceof HaError)) throw error;
    if (error.code === 'not_found' || error.code === 'invalid_format') return PLAIN_BAD_REQUEST;
    return PLAIN_SERVER_ERROR;
  } finally {
    state.listeners.delete(track);
  }
}

/** The REST views (api/__init__.py, history, logbook, config/core). */
function restRoutes(): Array<RouteDefinition<HomeAssistantState>> {
  return [
    {
      method: 'GET',
      path: '/api/',
      response: restSchemas.apiStatus,
      handler: () => message(200, 'API running.'),
    },
    {
      method: 'GET',
      path: '/api/config',
      response: restSchemas.config,
      handler: (_req, s) => ({ status: 200, body: s.config }),
    },
    {
      method: 'GET',
      path: '/api/states',
      response: restSchemas.states,
      handler: (_req, s) => ({ status: 200, body: [...s.states.values()] }),
    },
    {
      method: 'GET',
      path: '/api/states/{entity_id}',
      response: restSchemas.state,
      handler: (req, s) => {
        const found = s.states.get(req.params.entity_id ?? '');
        return found ? { status: 200, body: found } : message(404, 'Entity not found.');
      },
    },
    {
      method: 'GET',
      path: '/api/services',
      response: restSchemas.services,
      handler: (_req, s) => ({
        status: 200,
        body: Object.entries(serviceDescriptions(s)).map(([domain, services]) => ({
          domain,
          services,
        })),
      }),
    },
    {
      method: 'POST',
      path: '/api/services/{domain}/{service}',
      request: restSchemas.serviceData,
      response: restSchemas.serviceCall,
      handler: serviceCallHandler,
    },
    {
      method: 'GET',
      path: '/api/history/period',
      response: restSchemas.history,
      handler: historyHandler,
    },
    {
      method: 'GET',
      path: '/api/history/period/{timestamp}',
      response: restSchemas.history,
      handler: historyHandler,
    },
    {
      method: 'GET',
      path: '/api/logbook',
      response: restSchemas.logbook,
      handler: logbookHandler,
    },
    {
      method: 'GET',
      path: '/api/logbook/{timestamp}',
      response: restSchemas.logbook,
      handler: logbookHandler,
    },
    {
      method: 'POST',
      path: '/api/config/core/check_config',
      response: restSchemas.checkConfig,
      handler: (_req, s) => ({ status: 200, body: s.configCheck }),
    },
  ];
}

/** Starts the simulated Home Assistant on 127.0.0.1 (free port); the token defaults to `sim-token`. */
export async function startHomeAssistantSim(
  options: { state?: HomeAssistantState; token?: string; version?: string } = {},
): Promise<HomeAssistantSim> {
  const state = options.state ?? createHomeAssistantState();
  if (options.token !== undefined) state.token = options.token;
  if (options.version !== undefined) {
    state.version = options.version;
    state.config.version = options.version;
  }
  const wsFaults = new WsFaultTable();
  const upstream = await startUpstream<HomeAssistantState>({
    name: 'home-assistant',
    state,
    routes: restRoutes().map((route) => ({ ...route, handler: authorized(route.handler) })),
    websocket: [
      {
        path: '/api/websocket',
        incoming: incomingMessageSchema,
        outgoing: outgoingMessageSchema,
        onConnection: (conn, s) => serveConnection(conn, s, wsFaults),
      },
    ],
  });
  const resetFramework = upstream.reset.bind(upstream);
  return Object.assign(upstream, {
    wsFaults,
    disconnectAll: (code = 1001): number => {
      const open = [...upstream.connections];
      for (const connection of open) connection.close(code);
      return open.length;
    },
    reset: (): void => {
      resetFramework();
      wsFaults.clear();
    },
  });
}

/** Calls a service on a state directly (as a user of the API would), e.g. to prepare a test. */
export async function callHomeAssistantService(
  state: HomeAssistantState,
  domain: string,
  service: string,
  data: Record<string, unknown> = {},
): Promise<unknown> {
  const { response } = await callService(state, {
    domain,
    service,
    data,
    context: newContext(undefined, state.userId),
    returnResponse: false,
  });
  return response;
}

export {
  DEFAULT_HA_TOKEN,
  DEFAULT_HA_VERSION,
  LARGE_SEED_ENTITIES,
  createHomeAssistantState,
  type HomeAssistantStateOptions,
} from './home-assistant/demo.js';
export {
  addArea,
  addSystemLogEntry,
  finishTransitions,
  fireEvent,
  removeArea,
  removeEntityState,
  setEntityState,
  updateArea,
  updateDevice,
  updateEntityRegistryEntry,
  type AreaEntry,
  type AutomationConfig,
  type ConfigCheckResult,
  type ConfigEntry,
  type CoreConfig,
  type DeviceEntry,
  type EntityRegistryEntry,
  type HaAction,
  type HaContext,
  type HaEvent,
  type HaStateObject,
  type HomeAssistantState,
  type RecordedState,
  type SceneConfig,
  type ScriptConfig,
  type SystemLogEntry,
  type TraceRun,
} from './home-assistant/model.js';
export { runAutomation, runScript } from './home-assistant/services.js';
export type { HaWsFault, HaWsFaultController } from './home-assistant/websocket.js';
