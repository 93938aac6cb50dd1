// The home the simulated Home Assistant starts with. `demo` mirrors the real `demo` integration
// (components/demo/light.py, climate.py, cover.py, lock.py, sensor.py, binary_sensor.py,
// switch.py, alarm_control_panel.py and a recorded get_states dump of a demo instance): the same
// entity ids, attributes and supported_features, placed in areas through devices, plus what a
// lived-in instance has: automations with past traces (one failing), a script, a scene, a day of
// hourly sensor history, config entries in setup_retry and setup_error, system log entries.
// `large` adds generated entities (default 2,400) for response-size tests.

import { lightAttributes, demoLightSettings, type LightSettings } from './lights.js';
import {
  haTime,
  hexId,
  nowMicros,
  slugify,
  ulid,
  type AreaEntry,
  type AutomationConfig,
  type ConfigEntry,
  type CoreConfig,
  type DeviceEntry,
  type EntityRegistryEntry,
  type HaContext,
  type HomeAssistantState,
  type SceneConfig,
  type ScriptConfig,
  type SystemLogEntry,
  type TraceRun,
} from './model.js';

export const DEFAULT_HA_VERSION = '2026.8.0';
export const DEFAULT_HA_TOKEN = 'sim-token';
/** Generated entities of the `large` seed when `extraEntities` is not given. */
export const LARGE_SEED_ENTITIES = 2400;

export interface HomeAssistantStateOptions {
  /** `demo` (default): the demo integration's home; `large`: demo plus generated entities. */
  seed?: 'demo' | 'large';
  /** Generated entities added on top of the seed (default 0, or 2,400 for `large`). */
  extraEntities?: number;
  version?: string;
  token?: string;
}

const HOUR_US = 3_600_000_000;
const TIME_ZONE = 'Europe/Amsterdam';

function coreConfig(version: string): CoreConfig {
  const integrations = [
    'alarm_control_panel',
    'api',
    'automation',
    'backup',
    'binary_sensor',
    'climate',
    'config',
    'cover',
    'default_config',
    'demo',
    'frontend',
    'history',
    'homeassistant',
    'http',
    'hue',
    'light',
    'lock',
    'logbook',
    'met',
    'recorder',
    'ring',
    'scene',
    'script',
    'sensor',
    'sun',
    'switch',
    'system_log',
    'trace',
    'weather',
    'websocket_api',
    'zone',
  ];
  const platforms = [
    'demo.alarm_control_panel',
    'demo.binary_sensor',
    'demo.climate',
    'demo.cover',
    'demo.light',
    'demo.lock',
    'demo.sensor',
    'demo.switch',
    'met.weather',
    'sun.sensor',
  ];
  return {
    allowlist_external_dirs: ['/config/www', '/media'],
    allowlist_external_urls: [],
    components: [...integrations, ...platforms].sort(),
    config_dir: '/config',
    config_source: 'storage',
    country: 'NL',
    currency: 'EUR',
    debug: false,
    elevation: 2,
    external_url: null,
    internal_url: null,
    language: 'en',
    latitude: 52.3731,
    location_name: 'Home',
    longitude: 4.8922,
    radius: 100,
    recovery_mode: false,
    safe_mode: false,
    state: 'RUNNING',
    time_zone: TIME_ZONE,
    unit_system: {
      length: 'km',
      accumulated_precipitation: 'mm',
      area: 'm²',
      mass: 'g',
      pressure: 'Pa',
      temperature: '°C',
      volume: 'L',
      wind_speed: 'm/s',
    },
    version,
    whitelist_external_dirs: ['/config/www', '/media'],
  };
}

/** Builds the home without firing events (nobody listens yet) and with past timestamps. */
class HomeBuilder {
  readonly state: HomeAssistantState;
  readonly nowUs = nowMicros();
  /** Home Assistant was (re)started two hours ago. */
  readonly startedUs = this.nowUs - 2 * HOUR_US;
  /** The recorder's oldest rows: most entities have had their state for two days. */
  readonly seededUs = this.nowUs - 48 * HOUR_US;
  private readonly registryCreated = (this.nowUs - 90 * 24 * HOUR_US) / 1_000_000;

  constructor(options: HomeAssistantStateOptions) {
    const version = options.version ?? DEFAULT_HA_VERSION;
    this.state = {
      version,
      token: options.token ?? DEFAULT_HA_TOKEN,
      rejectAuth: false,
      userId: hexId(),
      config: coreConfig(version),
      states: new Map(),
      lights: new Map(),
      recorded: [],
      loggedEvents: [],
      contextOrigins: new Map(),
      areas: new Map(),
      devices: new Map(),
      entityRegistry: new Map(),
      configEntries: [],
      systemLog: [],
      automations: new Map(),
      scripts: new Map(),
      scenes: new Map(),
      alarmCodes: new Map(),
      jammingLocks: new Set(),
      traces: [],
      configCheck: { result: 'valid', errors: null, warnings: null },
      transitionMs: 500,
      transitions: new Map(),
      listeners: new Set(),
    };
  }

  context(atUs: number, userId: string | null = null): HaContext {
    return { id: ulid(Math.floor(atUs / 1000)), parent_id: null, user_id: userId };
  }

  /** Records a state at `atUs`; `finish()` later derives last_changed and the current states. */
  record(
    entityId: string,
    value: string,
    attributes: Record<string, unknown>,
    atUs = this.seededUs,
    context = this.context(atUs),
  ): void {
    this.state.recorded.push({
      entityId,
      state: value,
      attributes,
      lastChangedUs: atUs,
      lastUpdatedUs: atUs,
      context,
    });
    const latest = this.state.states.get(entityId);
    if (latest && Date.parse(latest.last_updated) * 1000 > atUs) return;
    this.state.states.set(entityId, {
      entity_id: entityId,
      state: value,
      attributes,
      last_changed: haTime(atUs),
      last_reported: haTime(atUs),
      last_updated: haTime(atUs),
      context,
    });
  }

  /** Orders the recorder rows and derives last_changed (unchanged across same-state rows). */
  finish(): HomeAssistantState {
    const rows = this.state.recorded.sort((a, b) => a.lastUpdatedUs - b.lastUpdatedUs);
    const previous = new Map<string, (typeof rows)[number]>();
    for (const row of rows) {
      const before = previous.get(row.entityId);
      if (before && before.state === row.state) row.lastChangedUs = before.lastChangedUs;
      previous.set(row.entityId, row);
    }
    for (const [entityId, row] of previous) {
      this.state.states.set(entityId, {
        entity_id: entityId,
        state: row.state,
        attributes: row.attributes,
        last_changed: haTime(row.lastChangedUs),
        last_reported: haTime(row.lastUpdatedUs),
        last_updated: haTime(row.lastUpdatedUs),
        context: row.context,
      });
    }
    return this.state;
  }

  area(areaId: string, name: string, extra: Partial<AreaEntry> = {}): void {
    this.state.areas.set(areaId, {
      aliases: [],
      area_id: areaId,
      floor_id: null,
      humidity_entity_id: null,
      icon: null,
      labels: [],
      name,
      picture: null,
      temperature_entity_id: null,
      created_at: this.registryCreated,
      modified_at: this.registryCreated,
      ...extra,
    });
  }

  configEntry(domain: string, title: string, extra: Partial<ConfigEntry> = {}): string {
    const entryId = ulid(Math.floor(this.registryCreated * 1000));
    this.state.configEntries.push({
      created_at: this.registryCreated,
      entry_id: entryId,
      domain,
      modified_at: this.registryCreated,
      title,
      source: 'user',
      state: 'loaded',
      supports_options: false,
      supports_remove_device: false,
      supports_unload: true,
      supports_reconfigure: false,
      supported_subentry_types: {},
      pref_disable_new_entities: false,
      pref_disable_polling: false,
      disabled_by: null,
      reason: null,
      error_reason_translation_key: null,
      error_reason_translation_placeholders: null,
      num_subentries: 0,
      ...extra,
    });
    return entryId;
  }

  device(
    configEntryId: string,
    identifier: [string, string],
    name: string,
    areaId: string | null,
    extra: Partial<DeviceEntry> = {},
  ): string {
    const id = hexId();
    this.state.devices.set(id, {
      area_id: areaId,
      configuration_url: null,
      config_entries: [configEntryId],
      config_entries_subentries: { [configEntryId]: [null] },
      connections: [],
      created_at: this.registryCreated,
      disabled_by: null,
      entry_type: null,
      hw_version: null,
      id,
      identifiers: [identifier],
      labels: [],
      manufacturer: null,
      model: null,
      model_id: null,
      modified_at: this.registryCreated,
      name_by_user: null,
      name,
      primary_config_entry: configEntryId,
      serial_number: null,
      sw_version: null,
      via_device_id: null,
      ...extra,
    });
    return id;
  }

  registryEntry(
    entityId: string,
    platform: string,
    uniqueId: string,
    extra: Partial<EntityRegistryEntry> = {},
  ): void {
    this.state.entityRegistry.set(entityId, {
      area_id: null,
      categories: {},
      config_entry_id: null,
      config_subentry_id: null,
      created_at: this.registryCreated,
      device_id: null,
      disabled_by: null,
      entity_category: null,
      entity_id: entityId,
      has_entity_name: false,
      hidden_by: null,
      icon: null,
      id: hexId(),
      labels: [],
      modified_at: this.registryCreated,
      name: null,
      options: {},
      original_name: null,
      platform,
      translation_key: null,
      unique_id: uniqueId,
      ...extra,
    });
  }

  /** A demo-platform entity with its own device, as every demo entity has. */
  demoEntity(
    demoEntryId: string,
    entityId: string,
    uniqueId: string,
    deviceName: string,
    areaId: string | null,
    value: string,
    attributes: Record<string, unknown>,
    extra: Partial<EntityRegistryEntry> = {},
  ): void {
    const deviceId = this.device(demoEntryId, ['demo', uniqueId], deviceName, areaId);
    this.registryEntry(entityId, 'demo', uniqueId, {
      config_entry_id: demoEntryId,
      device_id: deviceId,
      has_entity_name: true,
      ...extra,
    });
    this.record(entityId, value, attributes);
  }

  light(
    demoEntryId: string,
    entityId: string,
    uniqueId: string,
    name: string,
    areaId: string,
    isOn: boolean,
    settings: LightSettings,
    translationKey: string | null = null,
  ): void {
    this.state.lights.set(entityId, settings);
    this.demoEntity(
      demoEntryId,
      entityId,
      uniqueId,
      name,
      areaId,
      isOn ? 'on' : 'off',
      lightAttributes(settings, isOn, name),
      {
        translation_key: translationKey,
      },
    );
  }

  trace(run: Omit<TraceRun, 'runId' | 'context'>): void {
    this.state.traces.push({ ...run, runId: hexId(), context: this.context(run.startUs) });
  }

  systemLog(
    entry: Omit<SystemLogEntry, 'count' | 'first_occurred'> & {
      count?: number;
      first_occurred?: number;
    },
  ): void {
    this.state.systemLog.push({ count: 1, first_occurred: entry.timestamp, ...entry });
  }
}

function buildDemo(builder: HomeBuilder): void {
  const { state } = builder;
  for (const [areaId, name, icon] of [
    ['living_room', 'Living Room', 'mdi:sofa'],
    ['kitchen', 'Kitchen', 'mdi:stove'],
    ['bedroom', 'Bedroom', 'mdi:bed'],
    ['office', 'Office', 'mdi:desk'],
    ['garage', 'Garage', 'mdi:garage'],
    ['hallway', 'Hallway', 'mdi:door'],
    ['garden', 'Garden', 'mdi:flower'],
  ] as const) {
    builder.area(areaId, name, { icon });
  }
  const garden = state.areas.get('garden');
  if (garden) {
    garden.temperature_entity_id = 'sensor.outside_temperature';
    garden.humidity_entity_id = 'sensor.outside_humidity';
  }

  const demo = builder.configEntry('demo', 'Demo', { source: 'import', supports_unload: true });
  builder.configEntry('sun', 'Sun', { source: 'import' });
  builder.configEntry('met', 'Home', { supports_options: true });
  builder.configEntry('backup', 'Backup', { source: 'system' });
  const hue = builder.configEntry('hue', 'Hue Bridge', {
    source: 'zeroconf',
    state: 'setup_retry',
    reason: 'Error connecting to the Hue bridge at 192.168.1.40',
    supports_options: true,
    supports_remove_device: true,
  });
  builder.configEntry('ring', 'Ring', {
    state: 'setup_error',
    reason: 'Invalid authentication',
    supports_reconfigure: true,
  });

  // Lights (demo/light.py).
  builder.light(
    demo,
    'light.bed_light',
    'light_1',
    'Bed Light',
    'bedroom',
    false,
    demoLightSettings({ effectList: ['rainbow', 'off'], effect: 'rainbow', kelvin: 4166 }),
    'bed_light',
  );
  builder.light(
    demo,
    'light.ceiling_lights',
    'light_2',
    'Ceiling Lights',
    'living_room',
    true,
    demoLightSettings({ kelvin: 2631 }),
  );
  builder.light(
    demo,
    'light.kitchen_lights',
    'light_3',
    'Kitchen Lights',
    'kitchen',
    true,
    demoLightSettings({ hs: [345, 75], kelvin: 4166 }),
  );
  builder.light(
    demo,
    'light.office_rgbw_lights',
    'light_4',
    'Office RGBW Lights',
    'office',
    true,
    demoLightSettings({ kelvin: 2631, rgbw: [255, 0, 0, 255], supportedColorModes: ['rgbw'] }),
  );
  builder.light(
    demo,
    'light.living_room_rgbww_lights',
    'light_5',
    'Living Room RGBWW Lights',
    'living_room',
    true,
    demoLightSettings({ rgbww: [255, 0, 0, 255, 0], supportedColorModes: ['rgbww'] }),
  );
  builder.light(
    demo,
    'light.entrance_color_white_lights',
    'light_6',
    'Entrance Color + White Lights',
    'hallway',
    true,
    demoLightSettings({ hs: [345, 75], supportedColorModes: ['hs', 'white'] }),
  );

  // A light of the Hue bridge that is in setup_retry: restored as unavailable, as core does.
  const hueDevice = builder.device(
    hue,
    ['hue', '00:17:88:01:09:8a:2b:1c-0b'],
    'Hue Go',
    'living_room',
    {
      manufacturer: 'Signify Netherlands B.V.',
      model: 'Hue go',
      model_id: 'LLC020',
      sw_version: '1.104.2',
    },
  );
  builder.registryEntry('light.hue_go', 'hue', '00:17:88:01:09:8a:2b:1c-0b', {
    config_entry_id: hue,
    device_id: hueDevice,
    has_entity_name: true,
  });
  builder.record('light.hue_go', 'unavailable', {
    restored: true,
    supported_color_modes: ['color_temp', 'xy'],
    friendly_name: 'Hue Go',
    supported_features: 40,
  });

  // Switches (demo/switch.py).
  builder.demoEntity(
    demo,
    'switch.decorative_lights',
    'switch1',
    'Decorative Lights',
    'living_room',
    'on',
    { assumed_state: true, friendly_name: 'Decorative Lights' },
  );
  builder.demoEntity(
    demo,
    'switch.ac',
    'switch2',
    'AC',
    'bedroom',
    'off',
    { device_class: 'outlet', friendly_name: 'AC' },
    { translation_key: 'air_conditioner' },
  );

  // Climate (demo/climate.py; the HeatPump's °F values shown in the metric unit system).
  const fanModes = ['on_low', 'on_high', 'auto_low', 'auto_high', 'off'];
  const swingModes = ['auto', '1', '2', '3', 'off'];
  builder.demoEntity(
    demo,
    'climate.heatpump',
    'climate_1',
    'HeatPump',
    'bedroom',
    'heat',
    {
      hvac_modes: ['heat', 'off'],
      min_temp: 7,
      max_temp: 35,
      target_temp_step: 0.5,
      current_temperature: 25,
      temperature: 20,
      hvac_action: 'heating',
      friendly_name: 'HeatPump',
      supported_features: 385,
    },
    { translation_key: 'ubercool' },
  );
  builder.demoEntity(
    demo,
    'climate.hvac',
    'climate_2',
    'Hvac',
    'living_room',
    'cool',
    {
      hvac_modes: ['off', 'heat', 'cool', 'auto', 'dry', 'fan_only'],
      min_temp: 7,
      max_temp: 35,
      min_humidity: 30,
      max_humidity: 99,
      target_humidity_step: 5,
      fan_modes: fanModes,
      swing_modes: swingModes,
      swing_horizontal_modes: ['auto', 'rangefull', 'off'],
      current_temperature: 22,
      temperature: 21,
      target_temp_high: null,
      target_temp_low: null,
      current_humidity: 54.2,
      humidity: 67.4,
      fan_mode: 'on_high',
      hvac_action: 'cooling',
      swing_mode: 'off',
      swing_horizontal_mode: 'auto',
      friendly_name: 'Hvac',
      supported_features: 943,
    },
    { translation_key: 'ubercool' },
  );
  builder.demoEntity(
    demo,
    'climate.ecobee',
    'climate_3',
    'Ecobee',
    'office',
    'heat_cool',
    {
      hvac_modes: ['off', 'cool', 'heat_cool', 'auto', 'dry', 'fan_only'],
      min_temp: 7,
      max_temp: 35,
      fan_modes: fanModes,
      preset_modes: ['home', 'eco', 'away'],
      swing_modes: swingModes,
      current_temperature: 23,
      target_temp_high: 24,
      target_temp_low: 21,
      fan_mode: 'auto_low',
      preset_mode: 'home',
      swing_mode: 'auto',
      friendly_name: 'Ecobee',
      supported_features: 442,
    },
    { translation_key: 'ubercool' },
  );

  // Covers (demo/cover.py).
  builder.demoEntity(
    demo,
    'cover.kitchen_window',
    'cover_1',
    'Kitchen Window',
    'kitchen',
    'closed',
    { friendly_name: 'Kitchen Window', supported_features: 11 },
  );
  builder.demoEntity(demo, 'cover.hall_window', 'cover_2', 'Hall Window', 'hallway', 'open', {
    current_position: 10,
    friendly_name: 'Hall Window',
    supported_features: 15,
  });
  builder.demoEntity(
    demo,
    'cover.living_room_window',
    'cover_3',
    'Living Room Window',
    'living_room',
    'open',
    {
      current_position: 70,
      current_tilt_position: 50,
      friendly_name: 'Living Room Window',
      supported_features: 255,
    },
  );
  builder.demoEntity(demo, 'cover.garage_door', 'cover_4', 'Garage Door', 'garage', 'closed', {
    device_class: 'garage',
    friendly_name: 'Garage Door',
    supported_features: 3,
  });

  // Locks (demo/lock.py; the poorly installed door jams when locked).
  builder.demoEntity(demo, 'lock.front_door', 'Front Door', 'Front Door', 'hallway', 'locked', {
    friendly_name: 'Front Door',
    supported_features: 0,
  });
  builder.demoEntity(
    demo,
    'lock.kitchen_door',
    'Kitchen Door',
    'Kitchen Door',
    'kitchen',
    'unlocked',
    { friendly_name: 'Kitchen Door', supported_features: 0 },
  );
  builder.demoEntity(
    demo,
    'lock.poorly_installed_door',
    'Poorly Installed Door',
    'Poorly Installed Door',
    'garage',
    'unlocked',
    { friendly_name: 'Poorly Installed Door', supported_features: 0 },
  );
  builder.demoEntity(
    demo,
    'lock.openable_lock',
    'Openable Lock',
    'Openable Lock',
    'office',
    'locked',
    { friendly_name: 'Openable Lock', supported_features: 1 },
  );
  state.jammingLocks.add('lock.poorly_installed_door');

  // Alarm panel (demo/alarm_control_panel.py: a manual panel, code 1234).
  builder.demoEntity(
    demo,
    'alarm_control_panel.security',
    'demo_alarm_control_panel',
    'Security',
    'hallway',
    'disarmed',
    {
      code_format: 'number',
      changed_by: null,
      code_arm_required: true,
      friendly_name: 'Security',
      supported_features: 63,
    },
    { has_entity_name: false, original_name: 'Security' },
  );
  state.alarmCodes.set('alarm_control_panel.security', '1234');

  // Sensors (demo/sensor.py) and binary sensors (demo/binary_sensor.py).
  const hourly = (index: number, base: number, swing: number, digits: number): string =>
    (base + swing * Math.sin(((index - 9) / 24) * 2 * Math.PI)).toFixed(digits);
  const sensors: Array<
    [string, string, string, string, Record<string, unknown>, string, (index: number) => string]
  > = [
    [
      'sensor.outside_temperature',
      'sensor_1',
      'Outside',
      'garden',
      {
        state_class: 'measurement',
        battery_level: 12,
        unit_of_measurement: '°C',
        device_class: 'temperature',
      },
      'Temperature',
      (i) => hourly(i, 12, 4, 1),
    ],
    [
      'sensor.outside_humidity',
      'sensor_2',
      'Outside',
      'garden',
      { state_class: 'measurement', unit_of_measurement: '%', device_class: 'humidity' },
      'Humidity',
      (i) => hourly(i + 12, 60, 12, 0),
    ],
    [
      'sensor.carbon_monoxide',
      'sensor_3',
      'Carbon monoxide',
      'kitchen',
      { state_class: 'measurement', unit_of_measurement: 'ppm', device_class: 'carbon_monoxide' },
      'Carbon monoxide',
      () => '54',
    ],
    [
      'sensor.carbon_dioxide',
      'sensor_4',
      'Carbon dioxide',
      'living_room',
      {
        state_class: 'measurement',
        battery_level: 14,
        unit_of_measurement: 'ppm',
        device_class: 'carbon_dioxide',
      },
      'Carbon dioxide',
      (i) => String(420 + ((i * 37) % 180)),
    ],
    [
      'sensor.power_consumption',
      'sensor_5',
      'Power consumption',
      'garage',
      { state_class: 'measurement', unit_of_measurement: 'W', device_class: 'power' },
      'Power consumption',
      (i) => hourly(i, 240, 140, 0),
    ],
    [
      'sensor.total_energy_kwh',
      'sensor_6',
      'Total energy kWh',
      'garage',
      { state_class: 'total', unit_of_measurement: 'kWh', device_class: 'energy' },
      'Total energy kWh',
      (i) => (281.2 + i * 0.27).toFixed(2),
    ],
  ];
  for (const [
    entityId,
    uniqueId,
    deviceName,
    areaId,
    attributes,
    originalName,
    valueAt,
  ] of sensors) {
    const deviceId = builder.device(demo, ['demo', uniqueId], deviceName, areaId);
    builder.registryEntry(entityId, 'demo', uniqueId, {
      config_entry_id: demo,
      device_id: deviceId,
      has_entity_name: true,
      original_name: originalName === deviceName ? null : originalName,
      options:
        attributes.device_class === 'temperature'
          ? { sensor: { suggested_display_precision: 1 } }
          : {},
    });
    const friendlyName = deviceName === originalName ? deviceName : `${deviceName} ${originalName}`;
    for (let hour = 24; hour >= 1; hour--) {
      builder.record(
        entityId,
        valueAt(24 - hour),
        { ...attributes, friendly_name: friendlyName },
        builder.nowUs - hour * HOUR_US,
      );
    }
  }
  builder.demoEntity(
    demo,
    'binary_sensor.basement_floor_wet',
    'binary_1',
    'Basement Floor Wet',
    'garage',
    'off',
    { device_class: 'moisture', friendly_name: 'Basement Floor Wet' },
  );
  builder.demoEntity(
    demo,
    'binary_sensor.movement_backyard',
    'binary_2',
    'Movement Backyard',
    'garden',
    'on',
    { device_class: 'motion', friendly_name: 'Movement Backyard' },
  );

  builder.record('sun.sun', 'above_horizon', {
    next_dawn: haTime(builder.nowUs + 14 * HOUR_US),
    next_dusk: haTime(builder.nowUs + 5 * HOUR_US),
    next_midnight: haTime(builder.nowUs + 9 * HOUR_US),
    next_noon: haTime(builder.nowUs + 21 * HOUR_US),
    next_rising: haTime(builder.nowUs + 15 * HOUR_US),
    next_setting: haTime(builder.nowUs + 4 * HOUR_US),
    elevation: 31.2,
    azimuth: 212.4,
    rising: false,
    friendly_name: 'Sun',
  });
  builder.record('zone.home', '0', {
    latitude: 52.3731,
    longitude: 4.8922,
    radius: 100,
    passive: false,
    persons: [],
    editable: true,
    icon: 'mdi:home',
    friendly_name: 'Home',
  });

  // A day of changes the logbook and history can show.
  const userContext = (atUs: number) => builder.context(atUs, state.userId);
  builder.record(
    'light.bed_light',
    'on',
    lightAttributes(state.lights.get('light.bed_light') as LightSettings, true, 'Bed Light'),
    builder.nowUs - 20 * HOUR_US,
    userContext(builder.nowUs - 20 * HOUR_US),
  );
  builder.record(
    'light.bed_light',
    'off',
    lightAttributes(state.lights.get('light.bed_light') as LightSettings, false, 'Bed Light'),
    builder.nowUs - 13 * HOUR_US,
    userContext(builder.nowUs - 13 * HOUR_US),
  );
  builder.record(
    'lock.front_door',
    'unlocked',
    { friendly_name: 'Front Door', supported_features: 0 },
    builder.nowUs - 9 * HOUR_US,
    userContext(builder.nowUs - 9 * HOUR_US),
  );
  builder.record(
    'lock.front_door',
    'locked',
    { friendly_name: 'Front Door', supported_features: 0 },
    builder.nowUs - 8 * HOUR_US,
    userContext(builder.nowUs - 8 * HOUR_US),
  );
  builder.record(
    'binary_sensor.movement_backyard',
    'off',
    { device_class: 'motion', friendly_name: 'Movement Backyard' },
    builder.nowUs - 4 * HOUR_US,
  );
  builder.record(
    'binary_sensor.movement_backyard',
    'on',
    { device_class: 'motion', friendly_name: 'Movement Backyard' },
    builder.nowUs - 3 * HOUR_US,
  );

  state.loggedEvents.push({
    event_type: 'homeassistant_start',
    data: {},
    origin: 'LOCAL',
    time_fired: haTime(builder.startedUs),
    context: builder.context(builder.startedUs),
  });
  buildAutomations(builder);
  buildSystemLog(builder);
}

function buildAutomations(builder: HomeBuilder): void {
  const { state } = builder;
  const automations: Array<[string, AutomationConfig, 'on' | 'off', number | null]> = [
    [
      'automation.kitchen_lights_at_sunset',
      {
        id: '1712000000001',
        alias: 'Kitchen lights at sunset',
        description: 'Dims the kitchen lights on half an hour before sunset.',
        triggers: [{ trigger: 'sun', event: 'sunset', offset: '-00:30:00' }],
        conditions: [],
        actions: [
          {
            action: 'light.turn_on',
            target: { entity_id: 'light.kitchen_lights' },
            data: { brightness_pct: 80 },
          },
        ],
        mode: 'single',
      },
      'on',
      builder.nowUs - 21 * HOUR_US,
    ],
    [
      'automation.backyard_motion_lights',
      {
        id: '1712000000002',
        alias: 'Backyard motion lights',
        description: 'Turns the entrance lights on when there is movement in the backyard.',
        triggers: [{ trigger: 'state', entity_id: ['binary_sensor.movement_backyard'], to: 'on' }],
        conditions: [{ condition: 'state', entity_id: 'sun.sun', state: 'below_horizon' }],
        actions: [
          {
            action: 'light.turn_on',
            target: { entity_id: 'light.entrance_color_white_lights' },
            data: { brightness_pct: 100 },
          },
        ],
        mode: 'restart',
      },
      'on',
      builder.nowUs - 3 * HOUR_US,
    ],
    [
      'automation.arm_alarm_at_night',
      {
        id: '1712000000003',
        alias: 'Arm alarm at night',
        description: 'Arms the alarm panel at 23:00.',
        triggers: [{ trigger: 'time', at: '23:00:00' }],
        conditions: [],
        actions: [
          {
            action: 'alarm_control_panel.alarm_arm_away',
            target: { entity_id: 'alarm_control_panel.security' },
          },
        ],
        mode: 'single',
      },
      'on',
      builder.nowUs - 15 * HOUR_US,
    ],
    [
      'automation.vacation_mode',
      {
        id: '1712000000004',
        alias: 'Vacation mode',
        description: 'Randomly switches lights while away.',
        triggers: [{ trigger: 'time_pattern', minutes: '/30' }],
        conditions: [{ condition: 'state', entity_id: 'zone.home', state: '0' }],
        actions: [{ action: 'light.toggle', target: { entity_id: 'light.ceiling_lights' } }],
        mode: 'single',
      },
      'off',
      null,
    ],
  ];
  for (const [entityId, config, value, lastTriggeredUs] of automations) {
    state.automations.set(entityId, config);
    builder.registryEntry(entityId, 'automation', config.id, { original_name: config.alias });
    builder.record(entityId, value, {
      id: config.id,
      last_triggered: lastTriggeredUs === null ? null : haTime(lastTriggeredUs),
      mode: config.mode,
      current: 0,
      friendly_name: config.alias,
    });
  }
  const seeded: Array<[string, number, string, string | null, string]> = [
    ['1712000000001', 21, 'sunset with offset -1 day, 23:30:00', null, 'light.turn_on'],
    ['1712000000002', 3, 'state of binary_sensor.movement_backyard', null, 'light.turn_on'],
    [
      '1712000000003',
      39,
      'time',
      'Arming requires a code but none was given for alarm_control_panel.security',
      'alarm_control_panel.alarm_arm_away',
    ],
    [
      '1712000000003',
      15,
      'time',
      'Arming requires a code but none was given for alarm_control_panel.security',
      'alarm_control_panel.alarm_arm_away',
    ],
  ];
  for (const [itemId, hoursAgo, trigger, error, action] of seeded) {
    const [entityId, config] =
      [...state.automations].find(([, candidate]) => candidate.id === itemId) ?? [];
    if (!entityId || !config) continue;
    const startUs = builder.nowUs - hoursAgo * HOUR_US;
    const first = config.actions[0];
    const [domain, service] = action.split('.');
    const triggerKind = String(config.triggers[0]?.trigger);
    builder.trace({
      domain: 'automation',
      itemId,
      startUs,
      finishUs: startUs + 41_000,
      scriptExecution: error ? 'error' : 'finished',
      error,
      trigger,
      config: structuredClone(config) as unknown as Record<string, unknown>,
      steps: {
        'trigger/0': [
          {
            path: 'trigger/0',
            timestamp: haTime(startUs),
            changed_variables: {
              this: state.states.get(entityId),
              trigger: {
                id: '0',
                idx: '0',
                alias: null,
                platform: triggerKind,
                description: trigger,
              },
            },
          },
        ],
        ...(config.conditions.length > 0
          ? {
              'condition/0': [
                { path: 'condition/0', timestamp: haTime(startUs + 900), result: { result: true } },
              ],
            }
          : {}),
        'action/0': [
          {
            path: 'action/0',
            timestamp: haTime(startUs + 1_800),
            changed_variables: { context: builder.context(startUs) },
            ...(error ? { error } : {}),
            result: {
              params: {
                domain,
                service,
                service_data: first?.data ?? {},
                target: first?.target ?? {},
              },
              running_script: false,
            },
          },
        ],
      },
    });
  }
  state.traces.sort((a, b) => a.startUs - b.startUs);

  const script: ScriptConfig = {
    alias: 'Movie time',
    sequence: [
      { action: 'light.turn_off', target: { entity_id: 'light.ceiling_lights' } },
      {
        action: 'light.turn_on',
        target: { entity_id: 'light.living_room_rgbww_lights' },
        data: { brightness_pct: 20 },
      },
      { action: 'cover.close_cover', target: { entity_id: 'cover.living_room_window' } },
    ],
    mode: 'single',
    icon: 'mdi:movie-open',
  };
  state.scripts.set('movie_time', script);
  builder.registryEntry('script.movie_time', 'script', 'movie_time', {
    original_name: script.alias,
  });
  builder.record('script.movie_time', 'off', {
    last_triggered: null,
    mode: 'single',
    current: 0,
    icon: script.icon,
    friendly_name: script.alias,
  });

  const scene: SceneConfig = {
    id: '1712000000100',
    name: 'Romantic',
    entities: {
      'light.bed_light': { state: 'on', brightness: 80, color_temp_kelvin: 2200 },
      'light.ceiling_lights': { state: 'off' },
      'light.living_room_rgbww_lights': { state: 'on', brightness: 60, rgb_color: [255, 120, 60] },
    },
  };
  state.scenes.set('scene.romantic', scene);
  builder.registryEntry('scene.romantic', 'homeassistant', scene.id, { original_name: scene.name });
  builder.record('scene.romantic', 'unknown', {
    entity_id: Object.keys(scene.entities),
    id: scene.id,
    friendly_name: scene.name,
  });
}

function buildSystemLog(builder: HomeBuilder): void {
  const seconds = (us: number): number => us / 1_000_000;
  builder.systemLog({
    name: 'homeassistant.components.automation.arm_alarm_at_night',
    message: [
      'Error while executing automation automation.arm_alarm_at_night: Arming requires a code but none was given for alarm_control_panel.security',
    ],
    level: 'ERROR',
    source: ['components/automation/__init__.py', 745],
    timestamp: seconds(builder.nowUs - 15 * HOUR_US),
    exception: '',
    count: 2,
    first_occurred: seconds(builder.nowUs - 39 * HOUR_US),
  });
  builder.systemLog({
    name: 'homeassistant.config_entries',
    message: [
      "Config entry 'Hue Bridge' for hue integration not ready yet: Error connecting to the Hue bridge at 192.168.1.40; Retrying in background",
    ],
    level: 'WARNING',
    source: ['config_entries.py', 749],
    timestamp: seconds(builder.startedUs + 30_000_000),
    exception: '',
  });
  builder.systemLog({
    name: 'homeassistant.components.ring',
    message: ['Error setting up entry Ring for ring'],
    level: 'ERROR',
    source: ['components/ring/__init__.py', 67],
    timestamp: seconds(builder.startedUs + 12_000_000),
    exception:
      'Traceback (most recent call last):\n  File "/usr/src/homeassistant/homeassistant/config_entries.py", line 761, in __async_setup_with_context\n    result = await component.async_setup_entry(hass, self)\n  File "/usr/src/homeassistant/homeassistant/components/ring/__init__.py", line 64, in async_setup_entry\n    raise ConfigEntryAuthFailed(err) from err\nhomeassistant.exceptions.ConfigEntryAuthFailed: Invalid authentication\n',
  });
  builder.state.systemLog.sort((a, b) => b.timestamp - a.timestamp);
}

const GENERATED_KINDS = [
  {
    domain: 'sensor',
    suffix: 'temperature',
    attributes: {
      state_class: 'measurement',
      unit_of_measurement: '°C',
      device_class: 'temperature',
    },
    value: (n: number) => (18 + (n % 70) / 10).toFixed(1),
  },
  {
    domain: 'sensor',
    suffix: 'humidity',
    attributes: { state_class: 'measurement', unit_of_measurement: '%', device_class: 'humidity' },
    value: (n: number) => String(35 + (n % 40)),
  },
  {
    domain: 'binary_sensor',
    suffix: 'motion',
    attributes: { device_class: 'motion' },
    value: (n: number) => (n % 5 === 0 ? 'on' : 'off'),
  },
  {
    domain: 'light',
    suffix: 'light',
    attributes: {},
    value: (n: number) => (n % 3 === 0 ? 'on' : 'off'),
  },
  {
    domain: 'switch',
    suffix: 'plug',
    attributes: { device_class: 'outlet' },
    value: (n: number) => (n % 2 === 0 ? 'on' : 'off'),
  },
  {
    domain: 'sensor',
    suffix: 'power',
    attributes: { state_class: 'measurement', unit_of_measurement: 'W', device_class: 'power' },
    value: (n: number) => String((n * 17) % 900),
  },
] as const;

/** Adds `count` generated entities over 24 generated areas, four per device. */
function buildGenerated(builder: HomeBuilder, count: number): void {
  const { state } = builder;
  const entryId = builder.configEntry('mqtt', 'Mosquitto broker', {
    supports_options: true,
    supports_remove_device: true,
  });
  const areaIds: string[] = [];
  for (let index = 1; index <= 24; index++) {
    const name = `Zone ${String(index).padStart(2, '0')}`;
    builder.area(slugify(name), name);
    areaIds.push(slugify(name));
  }
  let deviceId = '';
  for (let n = 0; n < count; n++) {
    const kind = GENERATED_KINDS[n % GENERATED_KINDS.length] ?? GENERATED_KINDS[0];
    const areaId = areaIds[Math.floor(n / 4) % areaIds.length] ?? 'zone_01';
    const deviceName = `${state.areas.get(areaId)?.name ?? areaId} node ${Math.floor(n / 4) + 1}`;
    if (n % 4 === 0) {
      deviceId = builder.device(
        entryId,
        ['mqtt', `node_${Math.floor(n / 4) + 1}`],
        deviceName,
        areaId,
        {
          manufacturer: 'Espressif',
          model: 'ESP32 sensor node',
          sw_version: '2025.11.2',
        },
      );
    }
    const entityId = `${kind.domain}.${slugify(deviceName)}_${kind.suffix}_${n + 1}`;
    const friendlyName = `${deviceName} ${kind.suffix} ${n + 1}`;
    builder.registryEntry(entityId, 'mqtt', `node_${n + 1}_${kind.suffix}`, {
      config_entry_id: entryId,
      device_id: deviceId,
      has_entity_name: true,
      original_name: `${kind.suffix} ${n + 1}`,
    });
    const value = kind.value(n);
    if (kind.domain === 'light') {
      const settings = demoLightSettings({
        supportedColorModes: ['brightness'],
        brightness: 30 + (n % 200),
      });
      settings.colorMode = 'brightness';
      state.lights.set(entityId, settings);
      builder.record(entityId, value, lightAttributes(settings, value === 'on', friendlyName));
    } else {
      builder.record(entityId, value, { ...kind.attributes, friendly_name: friendlyName });
    }
  }
}

/** A home for the simulated Home Assistant: `demo` by default; see HomeAssistantStateOptions. */
export function createHomeAssistantState(
  options: HomeAssistantStateOptions = {},
): HomeAssistantState {
  const builder = new HomeBuilder(options);
  buildDemo(builder);
  const extra = options.extraEntities ?? (options.seed === 'large' ? LARGE_SEED_ENTITIES : 0);
  if (extra > 0) buildGenerated(builder, extra);
  return builder.finish();
}
