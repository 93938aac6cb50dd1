// The simulated Home Assistant's state: the state machine (entity states with contexts and
// timestamps), the event bus, the recorder rows behind history and logbook, the registries,
// config entries, the system log, automations, scripts, scenes and their traces.
// Why one plain object with small helpers: REST handlers, WebSocket sessions, service handlers
// and tests all read and change the same home, and a test must be able to set it up directly.
// Wire shapes follow Home Assistant core (State.as_dict, Event, the registry `*_repr`s); the
// sources are named where each type is declared.

import { randomBytes } from 'node:crypto';
import type { LightSettings } from './lights.js';

/** `homeassistant/core.py` Context.as_dict. */
export interface HaContext {
  id: string;
  parent_id: string | null;
  user_id: string | null;
}

/** `homeassistant/core.py` State.as_dict (what get_states, REST and state_changed carry). */
export interface HaStateObject {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed: string;
  last_reported: string;
  last_updated: string;
  context: HaContext;
}

/** `homeassistant/core.py` Event.as_dict. */
export interface HaEvent {
  event_type: string;
  data: Record<string, unknown>;
  origin: 'LOCAL' | 'REMOTE';
  time_fired: string;
  context: HaContext;
}

/** One recorder row (the `states` table): what history and logbook read. Times in epoch µs. */
export interface RecordedState {
  entityId: string;
  state: string;
  attributes: Record<string, unknown>;
  lastChangedUs: number;
  lastUpdatedUs: number;
  context: HaContext;
}

/** What started a context, for the logbook's `context_*` fields (`logbook/processor.py` ContextAugmenter). */
export type ContextOrigin =
  | { kind: 'call_service'; domain: string; service: string }
  | { kind: 'automation'; entityId: string; name: string; source: string | null }
  | { kind: 'script'; entityId: string; name: string };

/** `helpers/area_registry.py` AreaEntry as listed by config/area_registry/list. */
export interface AreaEntry {
  aliases: string[];
  area_id: string;
  floor_id: string | null;
  humidity_entity_id: string | null;
  icon: string | null;
  labels: string[];
  name: string;
  picture: string | null;
  temperature_entity_id: string | null;
  created_at: number;
  modified_at: number;
}

/** `helpers/device_registry.py` DeviceEntry.dict_repr. */
export interface DeviceEntry {
  area_id: string | null;
  configuration_url: string | null;
  config_entries: string[];
  config_entries_subentries: Record<string, Array<string | null>>;
  connections: Array<[string, string]>;
  created_at: number;
  disabled_by: string | null;
  entry_type: string | null;
  hw_version: string | null;
  id: string;
  identifiers: Array<[string, string]>;
  labels: string[];
  manufacturer: string | null;
  model: string | null;
  model_id: string | null;
  modified_at: number;
  name_by_user: string | null;
  name: string | null;
  primary_config_entry: string | null;
  serial_number: string | null;
  sw_version: string | null;
  via_device_id: string | null;
}

/** `helpers/entity_registry.py` RegistryEntry.as_partial_dict (config/entity_registry/list). */
export interface EntityRegistryEntry {
  area_id: string | null;
  categories: Record<string, string>;
  config_entry_id: string | null;
  config_subentry_id: string | null;
  created_at: number;
  device_id: string | null;
  disabled_by: string | null;
  entity_category: 'config' | 'diagnostic' | null;
  entity_id: string;
  has_entity_name: boolean;
  hidden_by: string | null;
  icon: string | null;
  id: string;
  labels: string[];
  modified_at: number;
  name: string | null;
  options: Record<string, Record<string, unknown>>;
  original_name: string | null;
  platform: string;
  translation_key: string | null;
  unique_id: string;
}

export type ConfigEntryState =
  | 'loaded'
  | 'setup_error'
  | 'migration_error'
  | 'setup_retry'
  | 'not_loaded'
  | 'failed_unload'
  | 'setup_in_progress';

/** `config_entries.py` ConfigEntry.as_json_fragment (config_entries/get). */
export interface ConfigEntry {
  created_at: number;
  entry_id: string;
  domain: string;
  modified_at: number;
  title: string;
  source: string;
  state: ConfigEntryState;
  supports_options: boolean;
  supports_remove_device: boolean;
  supports_unload: boolean;
  supports_reconfigure: boolean;
  supported_subentry_types: Record<string, { supports_reconfigure: boolean }>;
  pref_disable_new_entities: boolean;
  pref_disable_polling: boolean;
  disabled_by: string | null;
  reason: string | null;
  error_reason_translation_key: string | null;
  error_reason_translation_placeholders: Record<string, string> | null;
  num_subentries: number;
}

/** `components/system_log/__init__.py` LogEntry.to_dict (system_log/list). */
export interface SystemLogEntry {
  name: string;
  message: string[];
  level: 'WARNING' | 'ERROR' | 'CRITICAL' | 'INFO' | 'DEBUG';
  source: [string, number];
  timestamp: number;
  exception: string;
  count: number;
  first_occurred: number;
}

/** An action of an automation or script, in the current (2024.10+) `action:` syntax. */
export interface HaAction {
  action: string;
  target?: Record<string, unknown>;
  data?: Record<string, unknown>;
}

/** An automation's stored config (`automations.yaml` entry). */
export interface AutomationConfig {
  id: string;
  alias: string;
  description: string;
  triggers: Array<Record<string, unknown>>;
  conditions: Array<Record<string, unknown>>;
  actions: HaAction[];
  mode: 'single' | 'restart' | 'queued' | 'parallel';
}

/** A script's stored config (`scripts.yaml` entry; the key is the object id). */
export interface ScriptConfig {
  alias: string;
  sequence: HaAction[];
  mode: 'single' | 'restart' | 'queued' | 'parallel';
  icon?: string;
}

/** A scene (`scenes.yaml` entry): the states it reproduces, attributes inline as in YAML. */
export interface SceneConfig {
  id: string;
  name: string;
  entities: Record<string, Record<string, unknown> & { state: string }>;
}

/** One stored trace run (`components/trace/models.py` ActionTrace). */
export interface TraceRun {
  domain: 'automation' | 'script';
  itemId: string;
  runId: string;
  startUs: number;
  finishUs: number | null;
  scriptExecution: string | null;
  error: string | null;
  /** Automations only: the trigger description (`automation/trace.py`), null for manual runs. */
  trigger: string | null;
  /** Steps by path, `helpers/trace.py` TraceElement.as_dict. */
  steps: Record<string, Array<Record<string, unknown>>>;
  config: Record<string, unknown>;
  context: HaContext;
}

/** The answer of POST /api/config/core/check_config. */
export interface ConfigCheckResult {
  result: 'valid' | 'invalid';
  errors: string | null;
  warnings: string | null;
}

/** Core config (`core_config.py` Config.as_dict, the get_config / GET /api/config answer). */
export interface CoreConfig {
  allowlist_external_dirs: string[];
  allowlist_external_urls: string[];
  components: string[];
  config_dir: string;
  config_source: string;
  country: string | null;
  currency: string;
  debug: boolean;
  elevation: number;
  external_url: string | null;
  internal_url: string | null;
  language: string;
  latitude: number;
  location_name: string;
  longitude: number;
  radius: number;
  recovery_mode: boolean;
  safe_mode: boolean;
  state: 'NOT_RUNNING' | 'STARTING' | 'RUNNING' | 'STOPPING' | 'FINAL_WRITE' | 'STOPPED';
  time_zone: string;
  unit_system: Record<string, string>;
  version: string;
  whitelist_external_dirs: string[];
}

export type EventListener = (event: HaEvent) => void;

/** A state change that completes later (a cover travelling, a bolt moving, a panel arming). */
export interface PendingTransition {
  timer: NodeJS.Timeout;
  finish: () => void;
  /** Called instead of `finish` when a newer command replaces the transition. */
  abandon: () => void;
}

export interface HomeAssistantState {
  /** Reported as `ha_version` and in the core config. */
  version: string;
  /** The long-lived access token REST and the WebSocket accept; change it to refuse the old one. */
  token: string;
  /** While true every credential is refused: the handshake answers auth_invalid and REST 401. */
  rejectAuth: boolean;
  /** The user the token belongs to (context.user_id of API calls). */
  userId: string;
  config: CoreConfig;
  /** The state machine, by entity id. */
  states: Map<string, HaStateObject>;
  /** What each light remembers (brightness, colour) also while off, by entity id. */
  lights: Map<string, LightSettings>;
  /** Recorder rows, oldest first (seeded history plus every change since). */
  recorded: RecordedState[];
  /** Non-state events the logbook shows (automation_triggered, script_started), oldest first. */
  loggedEvents: HaEvent[];
  contextOrigins: Map<string, ContextOrigin>;
  areas: Map<string, AreaEntry>;
  devices: Map<string, DeviceEntry>;
  entityRegistry: Map<string, EntityRegistryEntry>;
  configEntries: ConfigEntry[];
  systemLog: SystemLogEntry[];
  /** By automation entity id. */
  automations: Map<string, AutomationConfig>;
  /** By script object id (`script.<object id>`). */
  scripts: Map<string, ScriptConfig>;
  /** By scene entity id. */
  scenes: Map<string, SceneConfig>;
  /** Alarm panel codes by entity id (panels without an entry take no code). */
  alarmCodes: Map<string, string>;
  /** Locks that jam instead of locking (the demo's lock.poorly_installed_door). */
  jammingLocks: Set<string>;
  traces: TraceRun[];
  configCheck: ConfigCheckResult;
  /** How long covers travel, locks lock and alarm panels arm (the demo takes seconds). */
  transitionMs: number;
  /** Pending transitions (cover travel, lock bolts, arming), by entity id. */
  transitions: Map<string, PendingTransition>;
  listeners: Set<EventListener>;
}

/** Traces kept per automation or script (`trace/const.py` DEFAULT_STORED_TRACES). */
export const STORED_TRACES = 5;
/** System log entries kept (`system_log` DEFAULT_MAX_ENTRIES). */
export const SYSTEM_LOG_MAX_ENTRIES = 50;

let lastMicros = 0;

/** Epoch microseconds, strictly increasing within the process (recorder rows need an order). */
export function nowMicros(): number {
  lastMicros = Math.max(Date.now() * 1000, lastMicros + 1);
  return lastMicros;
}

/** `2024-04-22T20:45:54.418320+00:00`, the way Home Assistant formats datetimes. */
export function haTime(micros: number): string {
  const iso = new Date(Math.floor(micros / 1000)).toISOString();
  const fraction = String(Math.floor(micros) % 1_000_000).padStart(6, '0');
  return `${iso.slice(0, 19)}.${fraction}+00:00`;
}

export function parseHaTimeMicros(value: string): number {
  return Date.parse(value) * 1000;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID, the format of Home Assistant context ids. */
export function ulid(atMs = Date.now()): string {
  let time = '';
  let remaining = atMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[remaining % 32] + time;
    remaining = Math.floor(remaining / 32);
  }
  const random = [...randomBytes(16)].map((byte) => CROCKFORD[byte % 32]).join('');
  return time + random;
}

/** 32 hex characters, the format of run ids, registry ids and user ids. */
export function hexId(): string {
  return randomBytes(16).toString('hex');
}

export function newContext(parent?: HaContext, userId: string | null = null): HaContext {
  return { id: ulid(), parent_id: parent?.id ?? null, user_id: userId ?? parent?.user_id ?? null };
}

export function domainOf(entityId: string): string {
  return entityId.slice(0, entityId.indexOf('.'));
}

export function objectIdOf(entityId: string): string {
  return entityId.slice(entityId.indexOf('.') + 1);
}

/** Fires an event on the bus: every WebSocket subscription sees it. */
export function fireEvent(
  state: HomeAssistantState,
  eventType: string,
  data: Record<string, unknown>,
  context: HaContext = newContext(),
  origin: HaEvent['origin'] = 'LOCAL',
): HaEvent {
  const event: HaEvent = {
    event_type: eventType,
    data,
    origin,
    time_fired: haTime(nowMicros()),
    context,
  };
  for (const listener of [...state.listeners]) listener(event);
  return event;
}

function sameAttributes(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Writes an entity's state like `hass.states.async_set`: a new state or new attributes update
 * last_updated (last_changed only when the state string changes), are recorded and fire
 * state_changed; an identical write only moves last_reported. Returns the new state object.
 */
export function setEntityState(
  state: HomeAssistantState,
  entityId: string,
  newState: string,
  attributes: Record<string, unknown>,
  context: HaContext = newContext(),
): HaStateObject {
  const old = state.states.get(entityId);
  const micros = nowMicros();
  const now = haTime(micros);
  if (old && old.state === newState && sameAttributes(old.attributes, attributes)) {
    old.last_reported = now;
    return old;
  }
  const stateChanged = !old || old.state !== newState;
  const next: HaStateObject = {
    entity_id: entityId,
    state: newState,
    attributes: structuredClone(attributes),
    last_changed: stateChanged || !old ? now : old.last_changed,
    last_reported: now,
    last_updated: now,
    context,
  };
  state.states.set(entityId, next);
  state.recorded.push({
    entityId,
    state: newState,
    attributes: next.attributes,
    lastChangedUs: stateChanged || !old ? micros : parseHaTimeMicros(old.last_changed),
    lastUpdatedUs: micros,
    context,
  });
  fireEvent(
    state,
    'state_changed',
    { entity_id: entityId, old_state: old ?? null, new_state: next },
    context,
  );
  return next;
}

/** Removes an entity from the state machine (state_changed with new_state null). */
export function removeEntityState(
  state: HomeAssistantState,
  entityId: string,
  context: HaContext = newContext(),
): boolean {
  const old = state.states.get(entityId);
  if (!old) return false;
  state.states.delete(entityId);
  fireEvent(
    state,
    'state_changed',
    { entity_id: entityId, old_state: old, new_state: null },
    context,
  );
  return true;
}

/** Appends (or, like the real deduplicating store, counts again) a system log entry. */
export function addSystemLogEntry(
  state: HomeAssistantState,
  entry: Pick<SystemLogEntry, 'name' | 'level' | 'source'> & {
    message: string;
    exception?: string;
    atSeconds?: number;
  },
): SystemLogEntry {
  const timestamp = entry.atSeconds ?? Date.now() / 1000;
  const existing = state.systemLog.find(
    (candidate) =>
      candidate.name === entry.name &&
      candidate.source[0] === entry.source[0] &&
      candidate.source[1] === entry.source[1],
  );
  if (existing) {
    existing.count += 1;
    existing.timestamp = timestamp;
    if (!existing.message.includes(entry.message)) {
      existing.message.push(entry.message);
      if (existing.message.length > 5) existing.message.shift();
    }
    state.systemLog = [existing, ...state.systemLog.filter((other) => other !== existing)];
    return existing;
  }
  const created: SystemLogEntry = {
    name: entry.name,
    message: [entry.message],
    level: entry.level,
    source: entry.source,
    timestamp,
    exception: entry.exception ?? '',
    count: 1,
    first_occurred: timestamp,
  };
  state.systemLog = [created, ...state.systemLog].slice(0, SYSTEM_LOG_MAX_ENTRIES);
  return created;
}

function registryTimestamp(): number {
  return Date.now() / 1000;
}

/** Creates an area (fires area_registry_updated `create`). */
export function addArea(
  state: HomeAssistantState,
  area: { name: string; area_id?: string } & Partial<Omit<AreaEntry, 'name' | 'area_id'>>,
): AreaEntry {
  const areaId = area.area_id ?? slugify(area.name);
  if (state.areas.has(areaId)) throw new Error(`area ${areaId} already exists`);
  const now = registryTimestamp();
  const entry: AreaEntry = {
    aliases: [],
    floor_id: null,
    humidity_entity_id: null,
    icon: null,
    labels: [],
    picture: null,
    temperature_entity_id: null,
    created_at: now,
    modified_at: now,
    ...area,
    area_id: areaId,
  };
  state.areas.set(areaId, entry);
  fireEvent(state, 'area_registry_updated', { action: 'create', area_id: areaId });
  return entry;
}

/** Changes an area (fires area_registry_updated `update`). */
export function updateArea(
  state: HomeAssistantState,
  areaId: string,
  changes: Partial<Omit<AreaEntry, 'area_id' | 'created_at' | 'modified_at'>>,
): AreaEntry {
  const entry = state.areas.get(areaId);
  if (!entry) throw new Error(`no area ${areaId}`);
  Object.assign(entry, changes, { modified_at: registryTimestamp() });
  fireEvent(state, 'area_registry_updated', { action: 'update', area_id: areaId });
  return entry;
}

/** Removes an area; devices and entities in it lose their area (fires the three update events). */
export function removeArea(state: HomeAssistantState, areaId: string): void {
  if (!state.areas.delete(areaId)) throw new Error(`no area ${areaId}`);
  fireEvent(state, 'area_registry_updated', { action: 'remove', area_id: areaId });
  for (const device of state.devices.values()) {
    if (device.area_id === areaId) updateDevice(state, device.id, { area_id: null });
  }
  for (const entity of state.entityRegistry.values()) {
    if (entity.area_id === areaId)
      updateEntityRegistryEntry(state, entity.entity_id, { area_id: null });
  }
}

/** Changes a device (fires device_registry_updated `update` with the old values in `changes`). */
export function updateDevice(
  state: HomeAssistantState,
  deviceId: string,
  changes: Partial<Omit<DeviceEntry, 'id' | 'created_at' | 'modified_at'>>,
): DeviceEntry {
  const entry = state.devices.get(deviceId);
  if (!entry) throw new Error(`no device ${deviceId}`);
  const previous = Object.fromEntries(
    Object.keys(changes).map((key) => [key, entry[key as keyof DeviceEntry]]),
  );
  Object.assign(entry, changes, { modified_at: registryTimestamp() });
  fireEvent(state, 'device_registry_updated', {
    action: 'update',
    device_id: deviceId,
    changes: previous,
  });
  return entry;
}

/** Changes an entity registry entry (fires entity_registry_updated `update`). */
export function updateEntityRegistryEntry(
  state: HomeAssistantState,
  entityId: string,
  changes: Partial<Omit<EntityRegistryEntry, 'entity_id' | 'id' | 'created_at' | 'modified_at'>>,
): EntityRegistryEntry {
  const entry = state.entityRegistry.get(entityId);
  if (!entry) throw new Error(`no entity registry entry ${entityId}`);
  const previous = Object.fromEntries(
    Object.keys(changes).map((key) => [key, entry[key as keyof EntityRegistryEntry]]),
  );
  Object.assign(entry, changes, { modified_at: registryTimestamp() });
  fireEvent(state, 'entity_registry_updated', {
    action: 'update',
    entity_id: entityId,
    changes: previous,
  });
  return entry;
}

/** `homeassistant/util/__init__.py` slugify, close enough for names made of words. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Cancels a pending transition of `entityId` (cover travel, lock bolt, arming). */
export function cancelTransition(state: HomeAssistantState, entityId: string): boolean {
  const pending = state.transitions.get(entityId);
  if (!pending) return false;
  clearTimeout(pending.timer);
  state.transitions.delete(entityId);
  pending.abandon();
  return true;
}

/**
 * Runs `finish` after `state.transitionMs` unless a newer transition of the entity replaces it.
 * The promise settles either way (a service that blocks on the transition, like the demo lock's,
 * awaits it).
 */
export function startTransition(
  state: HomeAssistantState,
  entityId: string,
  finish: () => void,
): Promise<void> {
  cancelTransition(state, entityId);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      state.transitions.delete(entityId);
      finish();
      resolve();
    }, state.transitionMs);
    timer.unref();
    state.transitions.set(entityId, {
      timer,
      finish: () => {
        finish();
        resolve();
      },
      abandon: resolve,
    });
  });
}

/** Completes every pending transition now (for tests that do not want to wait). */
export function finishTransitions(state: HomeAssistantState): void {
  for (const [entityId, pending] of [...state.transitions]) {
    clearTimeout(pending.timer);
    state.transitions.delete(entityId);
    pending.finish();
  }
}
