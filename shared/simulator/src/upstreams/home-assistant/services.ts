// The services (actions) of the simulated Home Assistant and what they do to the home: lights,
// switches, climate, covers, locks, the alarm panel, automations (with traces), scripts, scenes
// and the generic homeassistant.turn_on/off/toggle. Calls are resolved and validated the way
// core does (helpers/service.py entity_service_call, voluptuous schemas, required features,
// ServiceValidationError with translation keys), so a client meets the same successes, warnings
// and errors as against a real instance. Behaviour follows the `demo` integration's entities.

import { COLOR_NAMES, type Hs, type Rgb } from './colors.js';
import {
  applyLightRequest,
  demoLightSettings,
  lightAttributes,
  type LightColorRequest,
} from './lights.js';
import {
  STORED_TRACES,
  addSystemLogEntry,
  cancelTransition,
  domainOf,
  fireEvent,
  haTime,
  hexId,
  nowMicros,
  objectIdOf,
  setEntityState,
  startTransition,
  ulid,
  type AutomationConfig,
  type HaAction,
  type HaContext,
  type HaStateObject,
  type HomeAssistantState,
  type ScriptConfig,
  type TraceRun,
} from './model.js';
import {
  VolInvalid,
  entityIdsFrom,
  stringListFrom,
  validateData,
  vBoolean,
  vDict,
  vEnum,
  vFloat,
  vIn,
  vInt,
  vNumberTuple,
  vString,
  type FieldRule,
  type SchemaRules,
} from './validation.js';

/** `websocket_api/const.py` error codes. */
export type WsErrorCode =
  | 'id_reuse'
  | 'invalid_format'
  | 'not_allowed'
  | 'not_found'
  | 'not_supported'
  | 'home_assistant_error'
  | 'service_validation_error'
  | 'unknown_command'
  | 'unknown_error'
  | 'unauthorized'
  | 'timeout'
  | 'template_error';

export interface Translation {
  translation_domain: string;
  translation_key: string;
  translation_placeholders?: Record<string, string>;
}

/** A failed call or command: the WebSocket answers `{code, message, translation_*}`. */
export class HaError extends Error {
  constructor(
    readonly code: WsErrorCode,
    message: string,
    readonly translation?: Translation,
  ) {
    super(message);
  }
}

function serviceValidationError(message: string, translation: Translation): HaError {
  return new HaError('service_validation_error', message, translation);
}

/** One service call: service data with the target merged in, as `hass.services.async_call` sees it. */
export interface ServiceCall {
  domain: string;
  service: string;
  data: Record<string, unknown>;
  context: HaContext;
  returnResponse: boolean;
}

interface FieldSpec extends FieldRule {
  name: string;
  description: string;
  selector: Record<string, unknown>;
  example?: unknown;
  default?: unknown;
}

interface RunContext {
  state: HomeAssistantState;
  call: ServiceCall;
}

interface ServiceSpec {
  name: string;
  description: string;
  fields: Record<string, FieldSpec>;
  exclusive?: SchemaRules['exclusive'];
  atLeastOne?: string[];
  inclusive?: SchemaRules['inclusive'];
  allowExtra?: boolean;
  /** An entity service of this domain ('*': any domain, homeassistant.*); absent: a plain service. */
  entityDomain?: string;
  /** Entities referenced explicitly must support one of these feature bits (ServiceNotSupported). */
  requiredFeatures?: number;
  supportsResponse?: 'none' | 'optional' | 'only';
  /** Entity services: called once per targeted entity. */
  perEntity?: (ctx: RunContext, entityId: string, data: Record<string, unknown>) => unknown;
  /** Entity services that handle their targets together (homeassistant.*), and plain services. */
  run?: (ctx: RunContext, entityIds: string[], data: Record<string, unknown>) => unknown;
}

const TARGET_KEYS = ['entity_id', 'device_id', 'area_id', 'floor_id', 'label_id'] as const;

function field(
  validate: FieldRule['validate'],
  name: string,
  description: string,
  selector: Record<string, unknown>,
  extra: Partial<Pick<FieldSpec, 'required' | 'example' | 'default'>> = {},
): FieldSpec {
  return { validate, name, description, selector, ...extra };
}

// ---------------------------------------------------------------------------------------------
// Target resolution (helpers/service.py async_extract_referenced_entity_ids + entity_service_call)

interface ResolvedTargets {
  entityIds: string[];
  /** Entity ids named in entity_id (ServiceNotSupported applies only to these). */
  explicit: Set<string>;
}

function isAvailable(entity: HaStateObject | undefined): entity is HaStateObject {
  return entity !== undefined && entity.attributes.restored !== true;
}

function warnMissing(state: HomeAssistantState, parts: Array<[string, string[]]>): void {
  const described = parts
    .filter(([, items]) => items.length > 0)
    .map(([label, items]) => `${label} ${[...items].sort().join(', ')}`);
  if (described.length === 0) return;
  addSystemLogEntry(state, {
    name: 'homeassistant.helpers.service',
    level: 'WARNING',
    source: ['helpers/service.py', 280],
    message: `Referenced ${described.join(', ')} are missing or not currently available`,
  });
}

function resolveTargets(
  state: HomeAssistantState,
  data: Record<string, unknown>,
  domain: string,
): ResolvedTargets {
  const inDomain = (entityId: string): boolean => domain === '*' || domainOf(entityId) === domain;
  const explicit = new Set<string>();
  const found: string[] = [];
  const add = (entityId: string): void => {
    if (!found.includes(entityId)) found.push(entityId);
  };
  const missingAreas: string[] = [];
  const missingDevices: string[] = [];
  const missingFloors: string[] = [];
  if (data.entity_id !== undefined) {
    const ids = entityIdsFrom(data.entity_id);
    if (ids === 'all') {
      for (const [entityId, entity] of state.states) {
        if (inDomain(entityId) && isAvailable(entity)) add(entityId);
      }
    } else {
      for (const id of ids) explicit.add(id);
    }
  }
  const areaIds = data.area_id === undefined ? [] : stringListFrom(data.area_id, 'area_id');
  const deviceIds = data.device_id === undefined ? [] : stringListFrom(data.device_id, 'device_id');
  const floorIds = data.floor_id === undefined ? [] : stringListFrom(data.floor_id, 'floor_id');
  const labelIds = data.label_id === undefined ? [] : stringListFrom(data.label_id, 'label_id');
  missingFloors.push(...floorIds);
  for (const areaId of areaIds) if (!state.areas.has(areaId)) missingAreas.push(areaId);
  for (const deviceId of deviceIds) if (!state.devices.has(deviceId)) missingDevices.push(deviceId);
  for (const entityId of explicit) {
    if (inDomain(entityId) && isAvailable(state.states.get(entityId))) add(entityId);
  }
  for (const entry of state.entityRegistry.values()) {
    if (entry.hidden_by !== null || entry.entity_category !== null) continue;
    const deviceArea = entry.device_id ? state.devices.get(entry.device_id)?.area_id : null;
    const area = entry.area_id ?? deviceArea ?? null;
    const viaArea = area !== null && areaIds.includes(area);
    const viaDevice = entry.device_id !== null && deviceIds.includes(entry.device_id);
    const viaLabel = entry.labels.some((label) => labelIds.includes(label));
    if (!(viaArea || viaDevice || viaLabel)) continue;
    if (inDomain(entry.entity_id) && isAvailable(state.states.get(entry.entity_id))) {
      add(entry.entity_id);
    }
  }
  const missingEntities = [...explicit].filter((id) => !found.includes(id));
  warnMissing(state, [
    ['floors', missingFloors],
    ['areas', missingAreas],
    ['devices', missingDevices],
    ['entities', missingEntities],
  ]);
  return { entityIds: found, explicit };
}

// ---------------------------------------------------------------------------------------------
// Shared entity helpers

function current(state: HomeAssistantState, entityId: string): HaStateObject {
  const entity = state.states.get(entityId);
  if (!entity) throw new HaError('home_assistant_error', `Entity ${entityId} is not available`);
  return entity;
}

function features(entity: HaStateObject): number {
  const value = entity.attributes.supported_features;
  return typeof value === 'number' ? value : 0;
}

function writeAttributes(
  ctx: RunContext,
  entityId: string,
  newState: string,
  changes: Record<string, unknown>,
): HaStateObject {
  const entity = current(ctx.state, entityId);
  return setEntityState(
    ctx.state,
    entityId,
    newState,
    { ...entity.attributes, ...changes },
    ctx.call.context,
  );
}

// ---------------------------------------------------------------------------------------------
// light (components/light/__init__.py, demo/light.py)

const byte = { min: 0, max: 255 };
const LIGHT_ON_FIELDS: Record<string, FieldSpec> = {
  transition: field(
    vFloat({ min: 0, max: 6553, clamp: true }),
    'Transition',
    'Duration it takes to get to next state.',
    { number: { min: 0, max: 300, unit_of_measurement: 'seconds' } },
  ),
  brightness: field(
    vInt({ min: 0, max: 255, clamp: true }),
    'Brightness value',
    'Number indicating brightness, where 0 turns the light off, 1 is the minimum brightness, and 255 is the maximum brightness.',
    { number: { min: 0, max: 255 } },
  ),
  brightness_pct: field(
    vFloat({ min: 0, max: 100 }),
    'Brightness',
    'Number indicating the percentage of full brightness, where 0 turns the light off, 1 is the minimum brightness, and 100 is the maximum brightness.',
    { number: { min: 0, max: 100, unit_of_measurement: '%' } },
  ),
  brightness_step: field(
    vInt({ min: -255, max: 255 }),
    'Brightness step value',
    'Change brightness by an amount.',
    { number: { min: -225, max: 255 } },
  ),
  brightness_step_pct: field(
    vFloat({ min: -100, max: 100 }),
    'Brightness step',
    'Change brightness by a percentage.',
    { number: { min: -100, max: 100, unit_of_measurement: '%' } },
  ),
  color_temp_kelvin: field(vInt({ min: 1 }), 'Color temperature', 'Color temperature in Kelvin.', {
    color_temp: { unit: 'kelvin', min: 2000, max: 6500 },
  }),
  hs_color: field(
    vNumberTuple(
      2,
      [
        { min: 0, max: 360 },
        { min: 0, max: 100 },
      ],
      'float',
    ),
    'Hue/Sat color',
    'Color in hue/sat format. A list of two integers. Hue is 0-360 and Sat is 0-100.',
    { object: {} },
    { example: '[300, 70]' },
  ),
  rgb_color: field(
    vNumberTuple(3, [byte, byte, byte], 'int'),
    'Color',
    'The color in RGB format. A list of three integers between 0 and 255 representing the values of red, green, and blue.',
    { color_rgb: {} },
    { example: '[255, 100, 100]' },
  ),
  rgbw_color: field(
    vNumberTuple(4, [byte, byte, byte, byte], 'int'),
    'RGBW color',
    'The color in RGBW format. A list of four integers between 0 and 255 representing the values of red, green, blue, and white.',
    { object: {} },
    { example: '[255, 100, 100, 50]' },
  ),
  rgbww_color: field(
    vNumberTuple(5, [byte, byte, byte, byte, byte], 'int'),
    'RGBWW color',
    'The color in RGBWW format. A list of five integers between 0 and 255 representing the values of red, green, blue, cold white, and warm white.',
    { object: {} },
    { example: '[255, 100, 100, 50, 70]' },
  ),
  xy_color: field(
    vNumberTuple(
      2,
      [
        { min: 0, max: 1 },
        { min: 0, max: 1 },
      ],
      'float',
    ),
    'XY-color',
    'Color in XY-format. A list of two decimal numbers between 0 and 1.',
    { object: {} },
    { example: '[0.52, 0.43]' },
  ),
  color_name: field(vIn(Object.keys(COLOR_NAMES)), 'Color name', 'A human-readable color name.', {
    select: { options: Object.keys(COLOR_NAMES) },
  }),
  white: field(
    (value) => (value === true ? true : vInt({ min: 0, max: 255, clamp: true })(value)),
    'White',
    'Set the light to white mode.',
    { constant: { value: true, label: 'Enabled' } },
  ),
  effect: field(vString, 'Effect', 'Light effect.', { text: {} }),
  flash: field(
    vIn(['short', 'long']),
    'Flash',
    'Tell light to flash, can be either value short or long.',
    { select: { options: ['long', 'short'] } },
  ),
  profile: field(
    vString,
    'Profile',
    'Name of a light profile to use.',
    { text: {} },
    { example: 'relax' },
  ),
};
const LIGHT_EXCLUSIVE = [
  {
    name: 'Color descriptors',
    keys: [
      'color_name',
      'color_temp_kelvin',
      'hs_color',
      'rgb_color',
      'rgbw_color',
      'rgbww_color',
      'xy_color',
      'white',
    ],
  },
  {
    name: 'Brightness descriptors',
    keys: ['brightness', 'brightness_pct', 'brightness_step', 'brightness_step_pct'],
  },
];

function lightSettingsOf(state: HomeAssistantState, entityId: string) {
  let settings = state.lights.get(entityId);
  if (!settings) {
    settings = demoLightSettings({ supportedColorModes: ['brightness'] });
    state.lights.set(entityId, settings);
  }
  return settings;
}

function lightTurnOff(ctx: RunContext, entityId: string): void {
  const entity = current(ctx.state, entityId);
  const settings = lightSettingsOf(ctx.state, entityId);
  const name = String(entity.attributes.friendly_name ?? entityId);
  setEntityState(
    ctx.state,
    entityId,
    'off',
    lightAttributes(settings, false, name),
    ctx.call.context,
  );
}

function lightTurnOn(ctx: RunContext, entityId: string, data: Record<string, unknown>): void {
  const entity = current(ctx.state, entityId);
  const settings = lightSettingsOf(ctx.state, entityId);
  const isOn = entity.state === 'on';
  let brightness: number | undefined;
  if (typeof data.brightness === 'number') brightness = data.brightness;
  if (typeof data.brightness_pct === 'number')
    brightness = Math.round((data.brightness_pct * 255) / 100);
  if (typeof data.brightness_step === 'number' || typeof data.brightness_step_pct === 'number') {
    const step =
      typeof data.brightness_step === 'number'
        ? data.brightness_step
        : Math.round(((data.brightness_step_pct as number) * 255) / 100);
    brightness = Math.min(255, Math.max(0, (isOn ? settings.brightness : 0) + step));
  }
  if (brightness === 0) {
    lightTurnOff(ctx, entityId);
    return;
  }
  const request: LightColorRequest = { brightness };
  if (typeof data.color_temp_kelvin === 'number') request.kelvin = data.color_temp_kelvin;
  if (data.hs_color) request.hs = data.hs_color as Hs;
  if (data.rgb_color) request.rgb = data.rgb_color as Rgb;
  if (typeof data.color_name === 'string') request.rgb = COLOR_NAMES[data.color_name];
  if (data.xy_color) request.xy = data.xy_color as [number, number];
  if (data.rgbw_color) request.rgbw = data.rgbw_color as [number, number, number, number];
  if (data.rgbww_color)
    request.rgbww = data.rgbww_color as [number, number, number, number, number];
  if (data.white !== undefined)
    request.white =
      data.white === true ? (brightness ?? settings.brightness) : (data.white as number);
  if (typeof data.effect === 'string') request.effect = data.effect;
  applyLightRequest(settings, request);
  const name = String(entity.attributes.friendly_name ?? entityId);
  setEntityState(
    ctx.state,
    entityId,
    'on',
    lightAttributes(settings, true, name),
    ctx.call.context,
  );
}

// ---------------------------------------------------------------------------------------------
// switch and other on/off entities (ToggleEntity)

function setOnOff(ctx: RunContext, entityId: string, on: boolean): void {
  writeAttributes(ctx, entityId, on ? 'on' : 'off', {});
}

// ---------------------------------------------------------------------------------------------
// climate (components/climate/__init__.py, demo/climate.py)

const HVAC_MODES = ['off', 'heat', 'cool', 'heat_cool', 'auto', 'dry', 'fan_only'] as const;
const CLIMATE_TARGET_TEMPERATURE = 1;
const CLIMATE_TARGET_TEMPERATURE_RANGE = 2;
const CLIMATE_TURN_OFF = 128;
const CLIMATE_TURN_ON = 256;

function hvacModesOf(entity: HaStateObject): string[] {
  return Array.isArray(entity.attributes.hvac_modes)
    ? (entity.attributes.hvac_modes as string[])
    : [];
}

function checkHvacMode(entity: HaStateObject, mode: string): void {
  const modes = hvacModesOf(entity);
  if (!modes.includes(mode)) {
    throw serviceValidationError(
      `HVAC mode ${mode} is not valid. Valid HVAC modes are: ${modes.join(', ')}`,
      {
        translation_domain: 'climate',
        translation_key: 'not_valid_hvac_mode',
        translation_placeholders: { mode, modes: modes.join(', ') },
      },
    );
  }
}

/** What a demo thermostat is doing in `mode` (only for entities that report hvac_action). */
function hvacActionFor(entity: HaStateObject, mode: string, target: unknown): string {
  const currentTemperature = Number(entity.attributes.current_temperature);
  const wanted = Number(target);
  switch (mode) {
    case 'off':
      return 'off';
    case 'heat':
      return currentTemperature < wanted ? 'heating' : 'idle';
    case 'cool':
      return currentTemperature > wanted ? 'cooling' : 'idle';
    case 'dry':
      return 'drying';
    case 'fan_only':
      return 'fan';
    default:
      return 'idle';
  }
}

function setHvacMode(
  ctx: RunContext,
  entityId: string,
  mode: string,
  extra: Record<string, unknown> = {},
): void {
  const entity = current(ctx.state, entityId);
  const changes: Record<string, unknown> = { ...extra };
  if ('hvac_action' in entity.attributes) {
    changes.hvac_action = hvacActionFor(
      entity,
      mode,
      extra.temperature ?? entity.attributes.temperature,
    );
  }
  writeAttributes(ctx, entityId, mode, changes);
}

function checkTemperatureRange(entity: HaStateObject, value: number): void {
  const min = Number(entity.attributes.min_temp);
  const max = Number(entity.attributes.max_temp);
  if (value < min || value > max) {
    throw serviceValidationError(
      `Provided temperature ${value} is not valid. Accepted range is ${min} to ${max}.`,
      {
        translation_domain: 'climate',
        translation_key: 'temp_out_of_range',
        translation_placeholders: {
          check_temp: String(value),
          min_temp: String(min),
          max_temp: String(max),
        },
      },
    );
  }
}

function climateSetTemperature(
  ctx: RunContext,
  entityId: string,
  data: Record<string, unknown>,
): void {
  const entity = current(ctx.state, entityId);
  const supported = features(entity);
  if (data.temperature !== undefined && (supported & CLIMATE_TARGET_TEMPERATURE) === 0) {
    throw serviceValidationError(
      'Set temperature action was used with the target temperature parameter but the entity does not support it',
      {
        translation_domain: 'climate',
        translation_key: 'missing_target_temperature_entity_feature',
      },
    );
  }
  if (data.target_temp_low !== undefined && (supported & CLIMATE_TARGET_TEMPERATURE_RANGE) === 0) {
    throw serviceValidationError(
      'Set temperature action was used with the target temperature low/high parameter but the entity does not support it',
      {
        translation_domain: 'climate',
        translation_key: 'missing_target_temperature_range_entity_feature',
      },
    );
  }
  const changes: Record<string, unknown> = {};
  for (const key of ['temperature', 'target_temp_low', 'target_temp_high'] as const) {
    if (typeof data[key] === 'number') {
      checkTemperatureRange(entity, data[key]);
      changes[key] = data[key];
    }
  }
  if (
    typeof changes.target_temp_low === 'number' &&
    typeof changes.target_temp_high === 'number' &&
    changes.target_temp_low > changes.target_temp_high
  ) {
    throw serviceValidationError(
      'Target temperature low can not be higher than Target temperature high.',
      {
        translation_domain: 'climate',
        translation_key: 'low_temp_higher_than_high_temp',
      },
    );
  }
  const mode = typeof data.hvac_mode === 'string' ? data.hvac_mode : entity.state;
  if (typeof data.hvac_mode === 'string') checkHvacMode(entity, data.hvac_mode);
  setHvacMode(ctx, entityId, mode, changes);
}

function climateTurnOn(ctx: RunContext, entityId: string): void {
  const entity = current(ctx.state, entityId);
  if (entity.state !== 'off') return;
  const modes = hvacModesOf(entity);
  const mode =
    ['heat_cool', 'heat', 'cool'].find((candidate) => modes.includes(candidate)) ??
    modes.find((m) => m !== 'off');
  if (mode) setHvacMode(ctx, entityId, mode);
}

function climateTurnOff(ctx: RunContext, entityId: string): void {
  const entity = current(ctx.state, entityId);
  if (hvacModesOf(entity).includes('off')) setHvacMode(ctx, entityId, 'off');
}

// ---------------------------------------------------------------------------------------------
// cover (components/cover/__init__.py, demo/cover.py)

const COVER_OPEN = 1;
const COVER_CLOSE = 2;
const COVER_SET_POSITION = 4;
const COVER_STOP = 8;

const coverTargets = new WeakMap<HomeAssistantState, Map<string, number>>();

function coverTargetMap(state: HomeAssistantState): Map<string, number> {
  let targets = coverTargets.get(state);
  if (!targets) {
    targets = new Map();
    coverTargets.set(state, targets);
  }
  return targets;
}

function hasPosition(entity: HaStateObject): boolean {
  return typeof entity.attributes.current_position === 'number';
}

function coverPosition(entity: HaStateObject): number {
  if (hasPosition(entity)) return entity.attributes.current_position as number;
  return entity.state === 'closed' ? 0 : 100;
}

/** Starts moving a cover to `target` (0-100): opening/closing now, open/closed after the travel time. */
function moveCover(ctx: RunContext, entityId: string, target: number): void {
  const entity = current(ctx.state, entityId);
  const from = coverPosition(entity);
  const moving = entity.state === 'opening' || entity.state === 'closing';
  if (from === target && !moving) return;
  const positioned = hasPosition(entity);
  coverTargetMap(ctx.state).set(entityId, target);
  writeAttributes(
    ctx,
    entityId,
    target > from || (target === from && target > 0) ? 'opening' : 'closing',
    {},
  );
  const context = ctx.call.context;
  void startTransition(ctx.state, entityId, () => {
    coverTargetMap(ctx.state).delete(entityId);
    const latest = ctx.state.states.get(entityId);
    if (!latest) return;
    const changes = positioned ? { current_position: target } : {};
    setEntityState(
      ctx.state,
      entityId,
      target > 0 ? 'open' : 'closed',
      { ...latest.attributes, ...changes },
      context,
    );
  });
}

function stopCover(ctx: RunContext, entityId: string): void {
  const entity = current(ctx.state, entityId);
  const target = coverTargetMap(ctx.state).get(entityId);
  if (!cancelTransition(ctx.state, entityId) || target === undefined) return;
  coverTargetMap(ctx.state).delete(entityId);
  const from = coverPosition(entity);
  const stoppedAt = Math.round((from + target) / 2);
  const changes = hasPosition(entity) ? { current_position: stoppedAt } : {};
  writeAttributes(ctx, entityId, stoppedAt > 0 ? 'open' : 'closed', changes);
}

// ---------------------------------------------------------------------------------------------
// lock (components/lock/__init__.py, demo/lock.py: the demo blocks while the bolt moves)

const LOCK_OPEN = 1;

async function moveLock(
  ctx: RunContext,
  entityId: string,
  during: 'locking' | 'unlocking' | 'opening',
  after: 'locked' | 'unlocked' | 'open',
): Promise<void> {
  writeAttributes(ctx, entityId, during, {});
  const context = ctx.call.context;
  await startTransition(ctx.state, entityId, () => {
    const latest = ctx.state.states.get(entityId);
    if (!latest) return;
    const jams = during === 'locking' && ctx.state.jammingLocks.has(entityId);
    setEntityState(ctx.state, entityId, jams ? 'jammed' : after, latest.attributes, context);
  });
}

// ---------------------------------------------------------------------------------------------
// alarm_control_panel (components/alarm_control_panel/__init__.py, manual/alarm_control_panel.py)

const ALARM_ARM_HOME = 1;
const ALARM_ARM_AWAY = 2;
const ALARM_ARM_NIGHT = 4;
const ALARM_ARM_VACATION = 32;

function invalidAlarmCode(): HaError {
  return serviceValidationError('Invalid alarm code provided', {
    translation_domain: 'manual',
    translation_key: 'invalid_code',
  });
}

function armAlarm(
  ctx: RunContext,
  entityId: string,
  data: Record<string, unknown>,
  target: string,
): void {
  const entity = current(ctx.state, entityId);
  const code = typeof data.code === 'string' && data.code !== '' ? data.code : undefined;
  const expected = ctx.state.alarmCodes.get(entityId);
  if (!code && entity.attributes.code_arm_required === true && expected !== undefined) {
    throw serviceValidationError(`Arming requires a code but none was given for ${entityId}`, {
      translation_domain: 'alarm_control_panel',
      translation_key: 'code_arm_required',
      translation_placeholders: { entity_id: entityId },
    });
  }
  if (expected !== undefined && code !== undefined && code !== expected) throw invalidAlarmCode();
  if (entity.state === target) return;
  const previous = entity.state;
  writeAttributes(ctx, entityId, 'arming', { previous_state: previous, next_state: target });
  const context = ctx.call.context;
  void startTransition(ctx.state, entityId, () => {
    const latest = ctx.state.states.get(entityId);
    if (!latest) return;
    const { previous_state: _previous, next_state: _next, ...attributes } = latest.attributes;
    setEntityState(ctx.state, entityId, target, attributes, context);
  });
}

function disarmAlarm(ctx: RunContext, entityId: string, data: Record<string, unknown>): void {
  const entity = current(ctx.state, entityId);
  const expected = ctx.state.alarmCodes.get(entityId);
  if (expected !== undefined && data.code !== expected) throw invalidAlarmCode();
  cancelTransition(ctx.state, entityId);
  const { previous_state: _previous, next_state: _next, ...attributes } = entity.attributes;
  setEntityState(ctx.state, entityId, 'disarmed', attributes, ctx.call.context);
}

// ---------------------------------------------------------------------------------------------
// automations, scripts and their traces (automation/__init__.py, script/__init__.py, trace/)

function storeTrace(state: HomeAssistantState, run: TraceRun): void {
  state.traces.push(run);
  const same = state.traces.filter(
    (other) => other.domain === run.domain && other.itemId === run.itemId,
  );
  if (same.length > STORED_TRACES) {
    const drop = new Set(same.slice(0, same.length - STORED_TRACES));
    state.traces = state.traces.filter((other) => !drop.has(other));
  }
}

/** Runs `actions` in order (blocking, like script helper), recording one trace step each. */
async function runActions(
  state: HomeAssistantState,
  actions: HaAction[],
  pathPrefix: 'action' | 'sequence',
  context: HaContext,
  run: TraceRun,
): Promise<void> {
  for (const [index, action] of actions.entries()) {
    const path = `${pathPrefix}/${index}`;
    const [domain = '', service = ''] = action.action.split('.');
    const target = Object.fromEntries(
      Object.entries(action.target ?? {}).map(([key, value]) => [key, [value].flat()]),
    );
    const step: Record<string, unknown> = {
      path,
      timestamp: haTime(nowMicros()),
      ...(index === 0 ? { changed_variables: { context } } : {}),
      result: {
        params: { domain, service, service_data: { ...action.data, ...target }, target },
        running_script: domain === 'script' && service !== 'turn_on',
      },
    };
    run.steps[path] = [step];
    try {
      await callService(state, {
        domain,
        service,
        data: { ...action.data, ...action.target },
        context,
        returnResponse: false,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      step.error = message;
      run.error = message;
      run.scriptExecution = 'error';
      return;
    }
  }
  run.scriptExecution = 'finished';
}

function automationStorageConfig(config: AutomationConfig): Record<string, unknown> {
  return structuredClone({ ...config }) as Record<string, unknown>;
}

/**
 * Runs an automation's actions as automation.trigger does (conditions are not evaluated):
 * updates last_triggered, fires automation_triggered, stores a trace and logs action errors.
 * Tests call it directly to simulate a trigger firing (pass `triggerDescription`).
 */
export async function runAutomation(
  state: HomeAssistantState,
  entityId: string,
  options: {
    /** The context of what started the run (a service call); none for a trigger firing. */
    parent?: HaContext;
    /** How the trace names the trigger, e.g. `state of binary_sensor.door`; null when run manually. */
    triggerDescription: string | null;
    /** The `trigger` variable (with `idx` for the n-th trigger); `{platform: null}` when manual. */
    triggerData?: Record<string, unknown>;
  },
): Promise<TraceRun> {
  const config = state.automations.get(entityId);
  const entity = state.states.get(entityId);
  if (!config || !entity)
    throw new HaError('home_assistant_error', `Unknown automation ${entityId}`);
  const context: HaContext = { id: ulid(), parent_id: options.parent?.id ?? null, user_id: null };
  state.contextOrigins.set(context.id, {
    kind: 'automation',
    entityId,
    name: config.alias,
    source: options.triggerDescription,
  });
  const startUs = nowMicros();
  const run: TraceRun = {
    domain: 'automation',
    itemId: config.id,
    runId: hexId(),
    startUs,
    finishUs: null,
    scriptExecution: null,
    error: null,
    trigger: options.triggerDescription,
    steps: {},
    config: automationStorageConfig(config),
    context,
  };
  storeTrace(state, run);
  const triggerPath =
    options.triggerData && 'idx' in options.triggerData
      ? `trigger/${String(options.triggerData.idx)}`
      : 'trigger';
  run.steps[triggerPath] = [
    {
      path: triggerPath,
      timestamp: haTime(startUs),
      changed_variables: {
        this: structuredClone(entity),
        trigger: options.triggerData ?? { platform: null },
      },
    },
  ];
  setEntityState(
    state,
    entityId,
    entity.state,
    { ...entity.attributes, last_triggered: haTime(startUs), current: 1 },
    context,
  );
  const event = fireEvent(
    state,
    'automation_triggered',
    { name: config.alias, entity_id: entityId, source: options.triggerDescription },
    context,
  );
  state.loggedEvents.push(event);
  await runActions(state, config.actions, 'action', context, run);
  run.finishUs = nowMicros();
  if (run.error !== null) {
    addSystemLogEntry(state, {
      name: `homeassistant.components.automation.${objectIdOf(entityId)}`,
      level: 'ERROR',
      source: ['components/automation/__init__.py', 745],
      message: `Error while executing automation ${entityId}: ${run.error}`,
    });
  }
  const latest = state.states.get(entityId);
  if (latest)
    setEntityState(state, entityId, latest.state, { ...latest.attributes, current: 0 }, context);
  return run;
}

/** Runs a script (script.turn_on / script.<name>): on while running, trace, script_started. */
export async function runScript(
  state: HomeAssistantState,
  objectId: string,
  parent: HaContext,
): Promise<TraceRun> {
  const config = state.scripts.get(objectId);
  const entityId = `script.${objectId}`;
  const entity = state.states.get(entityId);
  if (!config || !entity) throw new HaError('home_assistant_error', `Unknown script ${entityId}`);
  const startUs = nowMicros();
  const run: TraceRun = {
    domain: 'script',
    itemId: objectId,
    runId: hexId(),
    startUs,
    finishUs: null,
    scriptExecution: null,
    error: null,
    trigger: null,
    steps: {},
    config: structuredClone({ ...config }) as Record<string, unknown>,
    context: parent,
  };
  storeTrace(state, run);
  setEntityState(
    state,
    entityId,
    'on',
    { ...entity.attributes, last_triggered: haTime(startUs), current: 1 },
    parent,
  );
  state.loggedEvents.push(
    fireEvent(state, 'script_started', { name: config.alias, entity_id: entityId }, parent),
  );
  await runActions(state, config.sequence, 'sequence', parent, run);
  run.finishUs = nowMicros();
  const latest = state.states.get(entityId);
  if (latest) setEntityState(state, entityId, 'off', { ...latest.attributes, current: 0 }, parent);
  if (run.error !== null) {
    addSystemLogEntry(state, {
      name: `homeassistant.components.script.${objectId}`,
      level: 'ERROR',
      source: ['helpers/script.py', 525],
      message: `${config.alias}: Error executing script. Error for call_service at pos ${Object.keys(run.steps).length}: ${run.error}`,
    });
  }
  return run;
}

function scriptConfigOf(state: HomeAssistantState, entityId: string): ScriptConfig | undefined {
  return state.scripts.get(objectIdOf(entityId));
}

// ---------------------------------------------------------------------------------------------
// scene (homeassistant/scene.py: reproduces the stored states)

const LIGHT_SCENE_ATTRIBUTES = [
  'brightness',
  'color_temp_kelvin',
  'hs_color',
  'rgb_color',
  'xy_color',
  'rgbw_color',
  'rgbww_color',
  'effect',
];

function reproduceCall(
  entityId: string,
  wanted: Record<string, unknown> & { state: string },
): { domain: string; service: string; data: Record<string, unknown> } | undefined {
  const domain = domainOf(entityId);
  const { state: target, ...attributes } = wanted;
  switch (domain) {
    case 'light': {
      if (target === 'off') return { domain, service: 'turn_off', data: { entity_id: entityId } };
      const data: Record<string, unknown> = { entity_id: entityId };
      for (const key of LIGHT_SCENE_ATTRIBUTES)
        if (attributes[key] !== undefined) data[key] = attributes[key];
      return { domain, service: 'turn_on', data };
    }
    case 'switch':
    case 'automation':
      return {
        domain,
        service: target === 'on' ? 'turn_on' : 'turn_off',
        data: { entity_id: entityId },
      };
    case 'cover':
      if (typeof attributes.current_position === 'number') {
        return {
          domain,
          service: 'set_cover_position',
          data: { entity_id: entityId, position: attributes.current_position },
        };
      }
      return {
        domain,
        service: target === 'closed' ? 'close_cover' : 'open_cover',
        data: { entity_id: entityId },
      };
    case 'lock':
      return {
        domain,
        service: target === 'locked' ? 'lock' : 'unlock',
        data: { entity_id: entityId },
      };
    case 'climate':
      return {
        domain,
        service: attributes.temperature !== undefined ? 'set_temperature' : 'set_hvac_mode',
        data: {
          entity_id: entityId,
          hvac_mode: target,
          ...(attributes.temperature !== undefined ? { temperature: attributes.temperature } : {}),
        },
      };
    default:
      return undefined;
  }
}

async function activateScene(ctx: RunContext, entityId: string): Promise<void> {
  const scene = ctx.state.scenes.get(entityId);
  if (!scene) return;
  for (const [member, wanted] of Object.entries(scene.entities)) {
    const call = reproduceCall(member, wanted);
    if (!call || !ctx.state.states.has(member)) {
      addSystemLogEntry(ctx.state, {
        name: 'homeassistant.helpers.state',
        level: 'WARNING',
        source: ['helpers/state.py', 70],
        message: `Unable to reproduce state for ${member}`,
      });
      continue;
    }
    try {
      await callService(ctx.state, { ...call, context: ctx.call.context, returnResponse: false });
    } catch (error) {
      addSystemLogEntry(ctx.state, {
        name: 'homeassistant.components.homeassistant.scene',
        level: 'ERROR',
        source: ['components/homeassistant/scene.py', 390],
        message: `Error reproducing state of ${member}: ${(error as Error).message}`,
      });
    }
  }
  const entity = current(ctx.state, entityId);
  setEntityState(ctx.state, entityId, haTime(nowMicros()), entity.attributes, ctx.call.context);
}

// ---------------------------------------------------------------------------------------------
// homeassistant.turn_on / turn_off / toggle (components/homeassistant/__init__.py)

async function genericOnOff(
  ctx: RunContext,
  entityIds: string[],
  data: Record<string, unknown>,
): Promise<void> {
  const service = ctx.call.service;
  const byDomain = new Map<string, string[]>();
  for (const entityId of entityIds) {
    const domain = domainOf(entityId);
    byDomain.set(domain, [...(byDomain.get(domain) ?? []), entityId]);
  }
  const unsupported: string[] = [];
  for (const [domain, ids] of byDomain) {
    if (domain === 'homeassistant' || !SERVICES[domain]?.[service]) {
      unsupported.push(...ids);
      continue;
    }
    const { entity_id: _ignored, ...rest } = data;
    await callService(ctx.state, {
      domain,
      service,
      data: { ...rest, entity_id: ids },
      context: ctx.call.context,
      returnResponse: false,
    });
  }
  if (unsupported.length > 0) {
    addSystemLogEntry(ctx.state, {
      name: 'homeassistant.components.homeassistant',
      level: 'WARNING',
      source: ['components/homeassistant/__init__.py', 160],
      message: `The service homeassistant.${service} does not support entities ${unsupported.sort().join(', ')}`,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The service table

const CODE_FIELD = field(
  vString,
  'Code',
  'Code to arm or disarm the alarm.',
  { text: {} },
  { example: '1234' },
);
const ENTITY_ON_OFF = (domain: string, verb: string): ServiceSpec => ({
  name: verb === 'toggle' ? 'Toggle' : `Turn ${verb}`,
  description: `${verb === 'toggle' ? 'Toggles' : `Turns ${verb}`} ${domain === 'switch' ? 'a switch' : domain}.`,
  fields: {},
  entityDomain: domain,
  perEntity: (ctx, entityId) => {
    const on = verb === 'on' || (verb === 'toggle' && current(ctx.state, entityId).state !== 'on');
    setOnOff(ctx, entityId, on);
  },
});

export const SERVICES: Record<string, Record<string, ServiceSpec>> = {
  homeassistant: {
    turn_on: {
      name: 'Generic turn on',
      description: 'Generic action to turn devices on under any domain.',
      fields: {},
      entityDomain: '*',
      run: genericOnOff,
    },
    turn_off: {
      name: 'Generic turn off',
      description: 'Generic action to turn devices off under any domain.',
      fields: {},
      entityDomain: '*',
      run: genericOnOff,
    },
    toggle: {
      name: 'Generic toggle',
      description: 'Generic action to toggle devices on/off under any domain.',
      fields: {},
      entityDomain: '*',
      run: genericOnOff,
    },
  },
  light: {
    turn_on: {
      name: 'Turn on',
      description:
        'Turns on one or more lights and adjusts their properties, even when they are turned on already.',
      fields: LIGHT_ON_FIELDS,
      exclusive: LIGHT_EXCLUSIVE,
      entityDomain: 'light',
      perEntity: (ctx, id, data) => lightTurnOn(ctx, id, data),
    },
    turn_off: {
      name: 'Turn off',
      description: 'Turns off one or more lights.',
      fields: {
        transition: LIGHT_ON_FIELDS.transition as FieldSpec,
        flash: LIGHT_ON_FIELDS.flash as FieldSpec,
      },
      entityDomain: 'light',
      perEntity: (ctx, id) => lightTurnOff(ctx, id),
    },
    toggle: {
      name: 'Toggle',
      description:
        'Toggles one or more lights, from on to off, or off to on, based on their current state.',
      fields: LIGHT_ON_FIELDS,
      exclusive: LIGHT_EXCLUSIVE,
      entityDomain: 'light',
      perEntity: (ctx, id, data) =>
        current(ctx.state, id).state === 'on' ? lightTurnOff(ctx, id) : lightTurnOn(ctx, id, data),
    },
  },
  switch: {
    turn_on: ENTITY_ON_OFF('switch', 'on'),
    turn_off: ENTITY_ON_OFF('switch', 'off'),
    toggle: ENTITY_ON_OFF('switch', 'toggle'),
  },
  climate: {
    set_temperature: {
      name: 'Set target temperature',
      description: 'Sets the temperature setpoint.',
      fields: {
        temperature: field(vFloat(), 'Target temperature', 'The temperature setpoint.', {
          number: { min: 0, max: 250, step: 0.1, mode: 'box' },
        }),
        target_temp_high: field(
          vFloat(),
          'Upper target temperature',
          'The max temperature setpoint.',
          { number: { min: 0, max: 250, step: 0.1, mode: 'box' } },
        ),
        target_temp_low: field(
          vFloat(),
          'Lower target temperature',
          'The min temperature setpoint.',
          { number: { min: 0, max: 250, step: 0.1, mode: 'box' } },
        ),
        hvac_mode: field(vEnum('HVACMode', HVAC_MODES), 'HVAC mode', 'HVAC operation mode.', {
          select: { options: [...HVAC_MODES], translation_key: 'hvac_mode' },
        }),
      },
      atLeastOne: ['temperature', 'target_temp_high', 'target_temp_low'],
      inclusive: { name: 'temperature', keys: ['target_temp_low', 'target_temp_high'] },
      entityDomain: 'climate',
      requiredFeatures: CLIMATE_TARGET_TEMPERATURE | CLIMATE_TARGET_TEMPERATURE_RANGE,
      perEntity: (ctx, id, data) => climateSetTemperature(ctx, id, data),
    },
    set_hvac_mode: {
      name: 'Set HVAC mode',
      description: 'Sets HVAC operation mode.',
      fields: {
        hvac_mode: field(
          vEnum('HVACMode', HVAC_MODES),
          'HVAC mode',
          'HVAC operation mode.',
          { select: { options: [...HVAC_MODES], translation_key: 'hvac_mode' } },
          { required: true },
        ),
      },
      entityDomain: 'climate',
      perEntity: (ctx, id, data) => {
        const mode = data.hvac_mode as string;
        checkHvacMode(current(ctx.state, id), mode);
        setHvacMode(ctx, id, mode);
      },
    },
    turn_on: {
      name: 'Turn on',
      description: 'Turns climate device on.',
      fields: {},
      entityDomain: 'climate',
      requiredFeatures: CLIMATE_TURN_ON,
      perEntity: (ctx, id) => climateTurnOn(ctx, id),
    },
    turn_off: {
      name: 'Turn off',
      description: 'Turns climate device off.',
      fields: {},
      entityDomain: 'climate',
      requiredFeatures: CLIMATE_TURN_OFF,
      perEntity: (ctx, id) => climateTurnOff(ctx, id),
    },
    toggle: {
      name: 'Toggle',
      description: 'Toggles climate device, from on to off, or off to on.',
      fields: {},
      entityDomain: 'climate',
      requiredFeatures: CLIMATE_TURN_OFF | CLIMATE_TURN_ON,
      perEntity: (ctx, id) =>
        current(ctx.state, id).state === 'off' ? climateTurnOn(ctx, id) : climateTurnOff(ctx, id),
    },
  },
  cover: {
    open_cover: {
      name: 'Open',
      description: 'Opens a cover.',
      fields: {},
      entityDomain: 'cover',
      requiredFeatures: COVER_OPEN,
      perEntity: (ctx, id) => moveCover(ctx, id, 100),
    },
    close_cover: {
      name: 'Close',
      description: 'Closes a cover.',
      fields: {},
      entityDomain: 'cover',
      requiredFeatures: COVER_CLOSE,
      perEntity: (ctx, id) => moveCover(ctx, id, 0),
    },
    stop_cover: {
      name: 'Stop',
      description: 'Stops the cover movement.',
      fields: {},
      entityDomain: 'cover',
      requiredFeatures: COVER_STOP,
      perEntity: (ctx, id) => stopCover(ctx, id),
    },
    toggle: {
      name: 'Toggle',
      description: 'Toggles a cover open/closed.',
      fields: {},
      entityDomain: 'cover',
      requiredFeatures: COVER_OPEN | COVER_CLOSE,
      perEntity: (ctx, id) => {
        const state = current(ctx.state, id).state;
        moveCover(ctx, id, state === 'closed' || state === 'closing' ? 100 : 0);
      },
    },
    set_cover_position: {
      name: 'Set position',
      description: 'Moves a cover to a specific position.',
      fields: {
        position: field(
          vInt({ min: 0, max: 100 }),
          'Position',
          'Target position.',
          { number: { min: 0, max: 100, unit_of_measurement: '%' } },
          { required: true },
        ),
      },
      entityDomain: 'cover',
      requiredFeatures: COVER_SET_POSITION,
      perEntity: (ctx, id, data) => moveCover(ctx, id, data.position as number),
    },
  },
  lock: {
    lock: {
      name: 'Lock',
      description: 'Locks a lock.',
      fields: {
        code: field(
          vString,
          'Code',
          'Code used to lock the lock.',
          { text: {} },
          { example: '1234' },
        ),
      },
      entityDomain: 'lock',
      perEntity: (ctx, id) => moveLock(ctx, id, 'locking', 'locked'),
    },
    unlock: {
      name: 'Unlock',
      description: 'Unlocks a lock.',
      fields: {
        code: field(
          vString,
          'Code',
          'Code used to unlock the lock.',
          { text: {} },
          { example: '1234' },
        ),
      },
      entityDomain: 'lock',
      perEntity: (ctx, id) => moveLock(ctx, id, 'unlocking', 'unlocked'),
    },
    open: {
      name: 'Open',
      description: 'Opens a lock.',
      fields: {
        code: field(
          vString,
          'Code',
          'Code used to open the lock.',
          { text: {} },
          { example: '1234' },
        ),
      },
      entityDomain: 'lock',
      requiredFeatures: LOCK_OPEN,
      perEntity: (ctx, id) => moveLock(ctx, id, 'opening', 'open'),
    },
  },
  alarm_control_panel: {
    alarm_disarm: {
      name: 'Disarm',
      description: 'Disarms the alarm.',
      fields: { code: CODE_FIELD },
      entityDomain: 'alarm_control_panel',
      perEntity: (ctx, id, data) => disarmAlarm(ctx, id, data),
    },
    alarm_arm_home: {
      name: 'Arm home',
      description: 'Sets the alarm to: _armed, but someone is home_.',
      fields: { code: CODE_FIELD },
      entityDomain: 'alarm_control_panel',
      requiredFeatures: ALARM_ARM_HOME,
      perEntity: (ctx, id, data) => armAlarm(ctx, id, data, 'armed_home'),
    },
    alarm_arm_away: {
      name: 'Arm away',
      description: 'Sets the alarm to: _armed, no one home_.',
      fields: { code: CODE_FIELD },
      entityDomain: 'alarm_control_panel',
      requiredFeatures: ALARM_ARM_AWAY,
      perEntity: (ctx, id, data) => armAlarm(ctx, id, data, 'armed_away'),
    },
    alarm_arm_night: {
      name: 'Arm night',
      description: 'Sets the alarm to: _armed for the night_.',
      fields: { code: CODE_FIELD },
      entityDomain: 'alarm_control_panel',
      requiredFeatures: ALARM_ARM_NIGHT,
      perEntity: (ctx, id, data) => armAlarm(ctx, id, data, 'armed_night'),
    },
    alarm_arm_vacation: {
      name: 'Arm vacation',
      description: 'Sets the alarm to: _armed for vacation_.',
      fields: { code: CODE_FIELD },
      entityDomain: 'alarm_control_panel',
      requiredFeatures: ALARM_ARM_VACATION,
      perEntity: (ctx, id, data) => armAlarm(ctx, id, data, 'armed_vacation'),
    },
  },
  automation: {
    trigger: {
      name: 'Trigger',
      description: 'Triggers the actions of an automation.',
      fields: {
        skip_condition: field(
          vBoolean,
          'Skip conditions',
          'Defines whether or not the conditions will be skipped.',
          { boolean: {} },
          { default: true },
        ),
        variables: field(vDict, 'Variables', 'Variables to pass to the automation.', {
          object: {},
        }),
      },
      entityDomain: 'automation',
      perEntity: (ctx, id) =>
        runAutomation(ctx.state, id, { parent: ctx.call.context, triggerDescription: null }),
    },
    turn_on: {
      name: 'Turn on',
      description: 'Enables an automation.',
      fields: {},
      entityDomain: 'automation',
      perEntity: (ctx, id) => setOnOff(ctx, id, true),
    },
    turn_off: {
      name: 'Turn off',
      description: 'Disables an automation.',
      fields: {
        stop_actions: field(
          vBoolean,
          'Stop actions',
          'Stops currently running actions.',
          { boolean: {} },
          { default: true },
        ),
      },
      entityDomain: 'automation',
      perEntity: (ctx, id) => setOnOff(ctx, id, false),
    },
    toggle: {
      name: 'Toggle',
      description: 'Toggles (enable / disable) an automation.',
      fields: {},
      entityDomain: 'automation',
      perEntity: (ctx, id) => setOnOff(ctx, id, current(ctx.state, id).state !== 'on'),
    },
    reload: {
      name: 'Reload',
      description: 'Reloads the automation configuration.',
      fields: {},
      run: () => undefined,
    },
  },
  script: {
    turn_on: {
      name: 'Turn on',
      description: 'Runs the sequence of actions defined in a script.',
      fields: {
        variables: field(vDict, 'Variables', 'Variables to pass to the script.', { object: {} }),
      },
      entityDomain: 'script',
      perEntity: (ctx, id) => {
        if (!scriptConfigOf(ctx.state, id)) return;
        void runScript(ctx.state, objectIdOf(id), ctx.call.context).catch(() => undefined);
      },
    },
    turn_off: {
      name: 'Turn off',
      description: 'Stops a running script.',
      fields: {},
      entityDomain: 'script',
      perEntity: (ctx, id) => setOnOff(ctx, id, false),
    },
    toggle: {
      name: 'Toggle',
      description: 'Starts a script if it is not running, stops it otherwise.',
      fields: {},
      entityDomain: 'script',
      perEntity: (ctx, id) => {
        if (current(ctx.state, id).state === 'on') setOnOff(ctx, id, false);
        else void runScript(ctx.state, objectIdOf(id), ctx.call.context).catch(() => undefined);
      },
    },
    reload: {
      name: 'Reload',
      description: 'Reloads all the available scripts.',
      fields: {},
      run: () => undefined,
    },
  },
  scene: {
    turn_on: {
      name: 'Activate',
      description: 'Activates a scene.',
      fields: { transition: LIGHT_ON_FIELDS.transition as FieldSpec },
      entityDomain: 'scene',
      perEntity: (ctx, id) => activateScene(ctx, id),
    },
    reload: {
      name: 'Reload',
      description: 'Reloads the scenes from the YAML-configuration.',
      fields: {},
      run: () => undefined,
    },
  },
  system_log: {
    clear: {
      name: 'Clear all',
      description: 'Deletes all log entries.',
      fields: {},
      run: (ctx) => {
        ctx.state.systemLog = [];
      },
    },
    write: {
      name: 'Write',
      description: 'Write log entry.',
      fields: {
        message: field(
          vString,
          'Message',
          'Message to log.',
          { text: {} },
          { required: true, example: 'Something went wrong' },
        ),
        level: field(
          vIn(['debug', 'info', 'warning', 'error', 'critical']),
          'Level',
          'Log level.',
          { select: { options: ['debug', 'info', 'warning', 'error', 'critical'] } },
          { default: 'error' },
        ),
        logger: field(
          vString,
          'Logger',
          'Logger name under which to log the message. Defaults to `system_log.external`.',
          { text: {} },
          { example: 'mycomponent.myplatform' },
        ),
      },
      run: (ctx, _ids, data) => {
        const level = String(data.level ?? 'error').toUpperCase() as 'ERROR';
        if (level !== 'ERROR' && level !== 'WARNING' && level !== 'CRITICAL') return;
        addSystemLogEntry(ctx.state, {
          name:
            typeof data.logger === 'string'
              ? data.logger
              : 'homeassistant.components.system_log.external',
          level,
          source: ['components/system_log/__init__.py', 320],
          message: String(data.message),
        });
      },
    },
  },
};

/** The services of one state: the table plus one script.<object id> per script. */
function lookupService(
  state: HomeAssistantState,
  domain: string,
  service: string,
): ServiceSpec | undefined {
  const fixed = SERVICES[domain]?.[service];
  if (fixed) return fixed;
  if (domain === 'script' && state.scripts.has(service)) {
    return {
      name: state.scripts.get(service)?.alias ?? service,
      description: '',
      fields: {},
      allowExtra: true,
      supportsResponse: 'optional',
      run: async (ctx) => {
        const run = await runScript(ctx.state, service, ctx.call.context);
        if (run.error !== null) throw new HaError('home_assistant_error', run.error);
        return {};
      },
    };
  }
  return undefined;
}

/** How a service answers return_response (undefined: no such service). */
export function responseSupport(
  state: HomeAssistantState,
  domain: string,
  service: string,
): 'none' | 'optional' | 'only' | undefined {
  const spec = lookupService(state, domain, service);
  return spec ? (spec.supportsResponse ?? 'none') : undefined;
}

function serviceNotSupported(domain: string, service: string, entityId: string): HaError {
  return serviceValidationError(`Entity ${entityId} does not support action ${domain}.${service}`, {
    translation_domain: 'homeassistant',
    translation_key: 'service_not_supported',
    translation_placeholders: { entity_id: entityId, domain, service },
  });
}

/**
 * Calls a service like `hass.services.async_call(..., blocking=True)`: validates the data,
 * resolves the target, runs the handler and returns the service response (null for services
 * that have none). Throws HaError (not_found, invalid_format, service_validation_error, ...).
 */
export async function callService(
  state: HomeAssistantState,
  call: ServiceCall,
): Promise<{ response: unknown }> {
  const spec = lookupService(state, call.domain, call.service);
  if (!spec) {
    throw new HaError('not_found', `Service ${call.domain}.${call.service} not found.`, {
      translation_domain: 'homeassistant',
      translation_key: 'service_not_found',
      translation_placeholders: { domain: call.domain, service: call.service },
    });
  }
  const supportsResponse = spec.supportsResponse ?? 'none';
  if (call.returnResponse && supportsResponse === 'none') {
    throw serviceValidationError(
      "An action which does not return responses can't be called with return_response=True.",
      {
        translation_domain: 'homeassistant',
        translation_key: 'service_does_not_support_response',
        translation_placeholders: { return_response: 'return_response=True' },
      },
    );
  }
  if (!call.returnResponse && supportsResponse === 'only') {
    throw serviceValidationError(
      'The action requires responses and must be called with return_response=True.',
      {
        translation_domain: 'homeassistant',
        translation_key: 'service_lacks_response_request',
        translation_placeholders: { return_response: 'return_response=True' },
      },
    );
  }
  if (call.domain !== 'homeassistant' && !state.contextOrigins.has(call.context.id)) {
    state.contextOrigins.set(call.context.id, {
      kind: 'call_service',
      domain: call.domain,
      service: call.service,
    });
  }
  const ctx: RunContext = { state, call };
  let data: Record<string, unknown>;
  let resolved: ResolvedTargets = { entityIds: [], explicit: new Set() };
  try {
    data = validateData(
      call.data,
      {
        fields: spec.fields,
        exclusive: spec.exclusive,
        atLeastOne: spec.atLeastOne,
        inclusive: spec.inclusive,
        allowExtra: spec.allowExtra,
      },
      spec.entityDomain ? TARGET_KEYS : [],
    );
    if (spec.entityDomain) resolved = resolveTargets(state, call.data, spec.entityDomain);
  } catch (error) {
    if (error instanceof VolInvalid) throw new HaError('invalid_format', error.message);
    throw error;
  }
  if (!spec.entityDomain) {
    const response = await spec.run?.(ctx, [], data);
    return { response: call.returnResponse ? (response ?? null) : null };
  }
  const { entityIds, explicit } = resolved;
  const targeted: string[] = [];
  for (const entityId of entityIds) {
    const required = spec.requiredFeatures;
    if (required !== undefined && (features(current(state, entityId)) & required) === 0) {
      if (explicit.has(entityId)) throw serviceNotSupported(call.domain, call.service, entityId);
      continue;
    }
    targeted.push(entityId);
  }
  if (spec.run) {
    await spec.run(ctx, targeted, data);
  } else {
    for (const entityId of targeted) await spec.perEntity?.(ctx, entityId, data);
  }
  return { response: null };
}

/** `helpers/service.py` async_get_all_descriptions: what get_services and GET /api/services list. */
export function serviceDescriptions(
  state: HomeAssistantState,
): Record<string, Record<string, unknown>> {
  const describe = (spec: ServiceSpec): Record<string, unknown> => {
    const fields = Object.fromEntries(
      Object.entries(spec.fields).map(([key, fieldSpec]) => [
        key,
        {
          name: fieldSpec.name,
          description: fieldSpec.description,
          ...(fieldSpec.required ? { required: true } : {}),
          ...(fieldSpec.example !== undefined ? { example: fieldSpec.example } : {}),
          ...(fieldSpec.default !== undefined ? { default: fieldSpec.default } : {}),
          selector: fieldSpec.selector,
        },
      ]),
    );
    return {
      name: spec.name,
      description: spec.description,
      fields,
      ...(spec.entityDomain
        ? { target: { entity: [spec.entityDomain === '*' ? {} : { domain: [spec.entityDomain] }] } }
        : {}),
      ...(spec.supportsResponse && spec.supportsResponse !== 'none'
        ? { response: { optional: spec.supportsResponse === 'optional' } }
        : {}),
    };
  };
  const out: Record<string, Record<string, unknown>> = {};
  for (const [domain, services] of Object.entries(SERVICES)) {
    out[domain] = Object.fromEntries(
      Object.entries(services).map(([name, spec]) => [name, describe(spec)]),
    );
  }
  const scriptServices = out.script ?? {};
  for (const objectId of state.scripts.keys()) {
    const spec = lookupService(state, 'script', objectId);
    if (spec) scriptServices[objectId] = describe(spec);
  }
  out.script = scriptServices;
  return out;
}
