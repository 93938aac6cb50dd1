// The simulated Home Assistant (src/upstreams/home-assistant.ts) over a real WebSocket (Node's
// global WebSocket) and real fetch: the handshake, every command family with its effect on the
// home and the events it fires, the REST API, the WebSocket faults and reconnecting after every
// socket was closed. Every message and REST body is checked against the written contract, and a
// violation fails the test that caused it.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  LARGE_SEED_ENTITIES,
  addArea,
  createHomeAssistantState,
  finishTransitions,
  runAutomation,
  startHomeAssistantSim,
  startSimulatedHomelab,
  updateEntityRegistryEntry,
  type HaStateObject,
  type HomeAssistantSim,
  type SimulatedHomelab,
} from '../src/index.js';
import { failOnViolations } from '../src/vitest.js';

interface ServerMessage {
  id?: number | null;
  type: string;
  success?: boolean;
  result?: unknown;
  error?: {
    code: string;
    message: string;
    translation_domain?: string;
    translation_key?: string;
    translation_placeholders?: Record<string, string>;
  };
  event?: {
    event_type: string;
    data: Record<string, unknown>;
    context: { id: string; parent_id: string | null; user_id: string | null };
  };
  ha_version?: string;
  message?: string;
}

interface StateChange {
  entity_id: string;
  old_state: HaStateObject | null;
  new_state: HaStateObject | null;
}

/** A test client for the Home Assistant WebSocket API: commands by id, events by subscription. */
class HaSocket {
  readonly received: ServerMessage[] = [];
  readonly closed: Promise<number>;
  private readonly taken = new Set<ServerMessage>();
  private readonly waiters = new Set<() => void>();
  private lastId = 0;

  constructor(readonly socket: WebSocket) {
    socket.addEventListener('message', (event) => {
      this.received.push(JSON.parse(String(event.data)) as ServerMessage);
      for (const wake of [...this.waiters]) wake();
    });
    this.closed = new Promise((resolve) => {
      socket.addEventListener('close', (event) => {
        resolve(event.code);
        for (const wake of [...this.waiters]) wake();
      });
    });
  }

  /** Opens a socket and answers auth_required with `token`; resolves after auth_ok or auth_invalid. */
  static async connect(
    ha: HomeAssistantSim,
    token = ha.state.token,
  ): Promise<{ client: HaSocket; answer: ServerMessage }> {
    const client = new HaSocket(new WebSocket(`${ha.wsUrl}/api/websocket`));
    const greeting = await client.waitFor((m) => m.type === 'auth_required');
    expect(greeting).toEqual({ type: 'auth_required', ha_version: ha.state.version });
    client.send({ type: 'auth', access_token: token });
    const answer = await client.waitFor((m) => m.type === 'auth_ok' || m.type === 'auth_invalid');
    return { client, answer };
  }

  static async open(ha: HomeAssistantSim): Promise<HaSocket> {
    const { client, answer } = await HaSocket.connect(ha);
    expect(answer.type).toBe('auth_ok');
    return client;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  /** The first message not yet taken that matches (waiting up to `timeoutMs`). */
  waitFor(match: (message: ServerMessage) => boolean, timeoutMs = 3000): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.received.find((message) => !this.taken.has(message) && match(message));
        if (!found) return false;
        this.taken.add(found);
        resolve(found);
        return true;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`no matching message within ${timeoutMs} ms`));
      }, timeoutMs);
      const wake = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.waiters.delete(wake);
        }
      };
      this.waiters.add(wake);
    });
  }

  nextId(): number {
    this.lastId += 1;
    return this.lastId;
  }

  /** Sends a command and resolves with its result (or pong). */
  command(
    type: string,
    fields: Record<string, unknown> = {},
    id = this.nextId(),
  ): Promise<ServerMessage> {
    this.send({ id, type, ...fields });
    return this.waitFor((m) => m.id === id && (m.type === 'result' || m.type === 'pong'));
  }

  async ok<T>(type: string, fields: Record<string, unknown> = {}): Promise<T> {
    const answer = await this.command(type, fields);
    expect(answer.success, `${type}: ${JSON.stringify(answer.error)}`).toBe(true);
    return answer.result as T;
  }

  async failure(
    type: string,
    fields: Record<string, unknown> = {},
  ): Promise<NonNullable<ServerMessage['error']>> {
    const answer = await this.command(type, fields);
    expect(answer.success).toBe(false);
    return answer.error as NonNullable<ServerMessage['error']>;
  }

  async subscribe(eventType?: string): Promise<number> {
    const id = this.nextId();
    const answer = await this.command(
      'subscribe_events',
      eventType ? { event_type: eventType } : {},
      id,
    );
    expect(answer).toEqual({ id, type: 'result', success: true, result: null });
    return id;
  }

  /** The next state_changed of `entityId` on subscription `id`, optionally to `state`. */
  async stateChange(id: number, entityId: string, state?: string): Promise<StateChange> {
    const message = await this.waitFor((m) => {
      const data = m.event?.data as StateChange | undefined;
      return (
        m.id === id &&
        m.type === 'event' &&
        m.event?.event_type === 'state_changed' &&
        data?.entity_id === entityId &&
        (state === undefined || data.new_state?.state === state)
      );
    });
    return message.event?.data as unknown as StateChange;
  }

  async callService(
    domain: string,
    service: string,
    target: Record<string, unknown>,
    serviceData: Record<string, unknown> = {},
  ): Promise<ServerMessage> {
    return this.command('call_service', { domain, service, target, service_data: serviceData });
  }

  close(): void {
    this.socket.close();
  }
}

function attributes(ha: HomeAssistantSim, entityId: string): Record<string, unknown> {
  return ha.state.states.get(entityId)?.attributes ?? {};
}

function stateOf(ha: HomeAssistantSim, entityId: string): string | undefined {
  return ha.state.states.get(entityId)?.state;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('the simulated Home Assistant', () => {
  let ha: HomeAssistantSim;
  const clients: HaSocket[] = [];

  async function open(): Promise<HaSocket> {
    const client = await HaSocket.open(ha);
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    ha = await startHomeAssistantSim();
  });
  afterAll(() => ha.close());
  beforeEach(() => {
    Object.assign(ha.state, createHomeAssistantState(), { transitionMs: 20 });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    ha.reset();
    await sleep(5);
  });
  failOnViolations(() => ha);

  const auth = { authorization: 'Bearer sim-token' };
  const rest = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${ha.url}${path}`, {
      ...init,
      headers: { ...auth, 'content-type': 'application/json', ...init.headers },
    });

  describe('handshake', () => {
    it('answers auth_required, then auth_ok for the token', async () => {
      const { client, answer } = await HaSocket.connect(ha);
      clients.push(client);
      expect(answer).toEqual({ type: 'auth_ok', ha_version: '2026.8.0' });
      expect(await client.command('ping')).toEqual({ id: 1, type: 'pong' });
    });

    it('refuses a wrong token with auth_invalid and closes the socket', async () => {
      const { client, answer } = await HaSocket.connect(ha, 'wrong');
      expect(answer).toEqual({ type: 'auth_invalid', message: 'Invalid access token or password' });
      expect(await client.closed).toBe(1000);
    });

    it('refuses every token while rejectAuth is set, and an old token after a token change', async () => {
      ha.state.rejectAuth = true;
      expect((await HaSocket.connect(ha)).answer.type).toBe('auth_invalid');
      expect((await rest('/api/')).status).toBe(401);
      ha.state.rejectAuth = false;
      ha.state.token = 'rotated';
      expect((await HaSocket.connect(ha, 'sim-token')).answer.type).toBe('auth_invalid');
      const { client, answer } = await HaSocket.connect(ha, 'rotated');
      clients.push(client);
      expect(answer.type).toBe('auth_ok');
    });

    it('refuses a first message that is not auth', async () => {
      const client = new HaSocket(new WebSocket(`${ha.wsUrl}/api/websocket`));
      await client.waitFor((m) => m.type === 'auth_required');
      client.send({ type: 'login', access_token: 'sim-token' });
      const answer = await client.waitFor((m) => m.type === 'auth_invalid');
      expect(answer.message).toMatch(/^Auth message incorrectly formatted/);
      expect(await client.closed).toBe(1000);
      ha.violations.length = 0;
    });
  });

  describe('command basics', () => {
    it('rejects an id that does not increase with id_reuse, then goes on', async () => {
      const client = await open();
      expect(await client.command('ping', {}, 5)).toEqual({ id: 5, type: 'pong' });
      expect(await client.command('ping', {}, 5)).toEqual({
        id: 5,
        type: 'result',
        success: false,
        error: { code: 'id_reuse', message: 'Identifier values have to increase.' },
      });
      expect((await client.command('ping', {}, 3)).error?.code).toBe('id_reuse');
      expect(await client.command('ping', {}, 6)).toEqual({ id: 6, type: 'pong' });
    });

    it('accepts supported_features and answers unknown commands with unknown_command', async () => {
      const client = await open();
      expect(
        await client.ok('supported_features', { features: { coalesce_messages: 1 } }),
      ).toBeNull();
      expect(await client.failure('render_template', { template: '{{ 1 }}' })).toEqual({
        code: 'unknown_command',
        message: 'Unknown command.',
      });
    });

    it('answers a message without an integer id with invalid_format (and records the violation)', async () => {
      const client = await open();
      client.send({ id: 'seven', type: 'ping' });
      const answer = await client.waitFor((m) => m.type === 'result');
      expect(answer.error?.code).toBe('invalid_format');
      expect(ha.violations).toHaveLength(1);
      ha.violations.length = 0;
    });

    it('handles a coalesced list of commands', async () => {
      const client = await open();
      client.send([
        { id: 1, type: 'ping' },
        { id: 2, type: 'get_config' },
      ]);
      expect(await client.waitFor((m) => m.id === 1)).toEqual({ id: 1, type: 'pong' });
      expect((await client.waitFor((m) => m.id === 2)).success).toBe(true);
    });
  });

  describe('contract checks', () => {
    it('records a violation when a client sends call_service without a service (answered invalid_format)', async () => {
      const client = await open();
      expect(await client.failure('call_service', { domain: 'light' })).toEqual({
        code: 'invalid_format',
        message: "required key not provided @ data['service']",
      });
      expect(ha.violations.map((violation) => violation.direction)).toEqual(['request']);
      expect(ha.violations[0]?.issues[0]?.instancePath).toBe('/service');
      ha.violations.length = 0;
    });

    it("records a violation when the simulator's own answer breaks the contract", async () => {
      const client = await open();
      const broken = { ...(ha.state.states.get('light.bed_light') as HaStateObject) };
      ha.state.states.set('Light.Broken', { ...broken, entity_id: 'Light.Broken' });
      await client.ok('get_states');
      expect(ha.violations[0]).toMatchObject({ direction: 'response', method: 'WS' });
      expect(ha.violations[0]?.issues[0]?.message).toMatch(/^get_states: /);
      ha.violations.length = 0;
    });
  });

  describe('reading the home', () => {
    it('get_states returns the demo entities as state objects', async () => {
      const client = await open();
      const states = await client.ok<HaStateObject[]>('get_states');
      const ids = states.map((state) => state.entity_id);
      expect(ids).toEqual(
        expect.arrayContaining([
          'light.bed_light',
          'light.ceiling_lights',
          'light.kitchen_lights',
          'light.office_rgbw_lights',
          'light.living_room_rgbww_lights',
          'light.entrance_color_white_lights',
          'climate.hvac',
          'climate.heatpump',
          'climate.ecobee',
          'sensor.outside_temperature',
          'sensor.outside_humidity',
          'sensor.power_consumption',
          'cover.kitchen_window',
          'cover.hall_window',
          'cover.living_room_window',
          'cover.garage_door',
          'lock.front_door',
          'lock.kitchen_door',
          'lock.poorly_installed_door',
          'lock.openable_lock',
          'alarm_control_panel.security',
          'automation.kitchen_lights_at_sunset',
          'script.movie_time',
          'scene.romantic',
        ]),
      );
      const office = states.find((state) => state.entity_id === 'light.office_rgbw_lights');
      expect(office?.attributes).toMatchObject({
        supported_color_modes: ['rgbw'],
        color_mode: 'rgbw',
        brightness: 180,
        rgbw_color: [255, 0, 0, 255],
        rgb_color: [255, 128, 128],
        hs_color: [0, 49.804],
      });
      expect(
        states.find((state) => state.entity_id === 'light.ceiling_lights')?.attributes,
      ).toMatchObject({
        color_mode: 'color_temp',
        color_temp_kelvin: 2631,
        hs_color: [28.55, 67.974],
        rgb_color: [255, 164, 81],
      });
      expect(
        states.find((state) => state.entity_id === 'sensor.outside_temperature')?.attributes,
      ).toMatchObject({
        unit_of_measurement: '°C',
        device_class: 'temperature',
        state_class: 'measurement',
        friendly_name: 'Outside Temperature',
      });
    });

    it('get_config and get_services describe the instance', async () => {
      const client = await open();
      expect(await client.ok('get_config')).toMatchObject({
        version: '2026.8.0',
        location_name: 'Home',
        state: 'RUNNING',
        time_zone: 'Europe/Amsterdam',
      });
      const services =
        await client.ok<
          Record<string, Record<string, { fields: Record<string, unknown>; target?: unknown }>>
        >('get_services');
      for (const domain of [
        'light',
        'climate',
        'automation',
        'scene',
        'script',
        'cover',
        'lock',
        'alarm_control_panel',
        'homeassistant',
      ]) {
        expect(Object.keys(services)).toContain(domain);
      }
      expect(Object.keys(services.light?.turn_on?.fields ?? {})).toEqual(
        expect.arrayContaining([
          'brightness',
          'brightness_pct',
          'color_temp_kelvin',
          'rgb_color',
          'transition',
        ]),
      );
      expect(services.light?.turn_on?.target).toEqual({ entity: [{ domain: ['light'] }] });
      expect(services.script?.movie_time).toMatchObject({
        name: 'Movie time',
        response: { optional: true },
      });
    });

    it('lists areas, devices and entity registry entries (full and for display)', async () => {
      const client = await open();
      const areas = await client.ok<Array<{ area_id: string; name: string }>>(
        'config/area_registry/list',
      );
      expect(areas.map((area) => area.area_id)).toEqual(
        expect.arrayContaining([
          'living_room',
          'kitchen',
          'bedroom',
          'office',
          'garage',
          'hallway',
        ]),
      );
      const devices = await client.ok<
        Array<{ id: string; name: string; area_id: string | null; identifiers: string[][] }>
      >('config/device_registry/list');
      const bedLight = devices.find((device) => device.name === 'Bed Light');
      expect(bedLight).toMatchObject({ area_id: 'bedroom', identifiers: [['demo', 'light_1']] });
      const entries = await client.ok<
        Array<{ entity_id: string; device_id: string | null; unique_id: string }>
      >('config/entity_registry/list');
      expect(entries.find((entry) => entry.entity_id === 'light.bed_light')).toMatchObject({
        device_id: bedLight?.id,
        unique_id: 'light_1',
      });
      const display = await client.ok<{
        entity_categories: Record<string, string>;
        entities: Array<Record<string, unknown>>;
      }>('config/entity_registry/list_for_display');
      expect(display.entity_categories).toEqual({ '0': 'config', '1': 'diagnostic' });
      expect(display.entities.find((entity) => entity.ei === 'light.bed_light')).toEqual({
        ei: 'light.bed_light',
        pl: 'demo',
        lb: [],
        di: bedLight?.id,
        tk: 'bed_light',
        en: null,
      });
      expect(
        display.entities.find((entity) => entity.ei === 'sensor.outside_temperature'),
      ).toMatchObject({ en: 'Temperature', dp: 1 });
    });

    it('lists the system log and config entries, one in setup_error and one in setup_retry', async () => {
      const client = await open();
      const log =
        await client.ok<
          Array<{ level: string; message: string[]; source: [string, number]; count: number }>
        >('system_log/list');
      expect(log.length).toBeGreaterThan(0);
      expect(log.find((entry) => entry.level === 'ERROR')).toMatchObject({
        source: [expect.any(String), expect.any(Number)],
      });
      const entries =
        await client.ok<Array<{ domain: string; state: string; reason: string | null }>>(
          'config_entries/get',
        );
      expect(entries.find((entry) => entry.state === 'setup_error')).toMatchObject({
        domain: 'ring',
        reason: 'Invalid authentication',
      });
      expect(entries.find((entry) => entry.state === 'setup_retry')).toMatchObject({
        domain: 'hue',
        reason: expect.stringContaining('Hue bridge'),
      });
      expect(await client.ok<unknown[]>('config_entries/get', { domain: 'sun' })).toHaveLength(1);
    });
  });

  describe('lights', () => {
    it('turn_on with brightness fires state_changed and answers {context, response: null}', async () => {
      const client = await open();
      const sub = await client.subscribe('state_changed');
      const answer = await client.callService(
        'light',
        'turn_on',
        { entity_id: 'light.bed_light' },
        { brightness: 120 },
      );
      const result = answer.result as {
        context: { id: string; user_id: string };
        response: unknown;
      };
      expect(result.response).toBeNull();
      expect(result.context.user_id).toBe(ha.state.userId);
      const change = await client.stateChange(sub, 'light.bed_light');
      expect(change.old_state?.state).toBe('off');
      expect(change.old_state?.attributes.brightness).toBeNull();
      expect(change.new_state).toMatchObject({
        state: 'on',
        attributes: { brightness: 120, color_mode: 'color_temp', effect: 'rainbow' },
      });
      expect(change.new_state?.context.id).toBe(result.context.id);
    });

    it('converts brightness_pct, color_temp_kelvin, rgb_color and transitions like a real light', async () => {
      const client = await open();
      await client.callService(
        'light',
        'turn_on',
        { entity_id: 'light.kitchen_lights' },
        { brightness_pct: 50, color_temp_kelvin: 3000, transition: 2 },
      );
      expect(attributes(ha, 'light.kitchen_lights')).toMatchObject({
        brightness: 128,
        color_mode: 'color_temp',
        color_temp_kelvin: 3000,
      });
      await client.callService(
        'light',
        'turn_on',
        { entity_id: 'light.kitchen_lights' },
        { rgb_color: [255, 0, 0] },
      );
      expect(attributes(ha, 'light.kitchen_lights')).toMatchObject({
        color_mode: 'hs',
        hs_color: [0, 100],
        rgb_color: [255, 0, 0],
        color_temp_kelvin: null,
      });
      await client.callService(
        'light',
        'turn_on',
        { entity_id: 'light.office_rgbw_lights' },
        { rgb_color: [255, 200, 100] },
      );
      expect(attributes(ha, 'light.office_rgbw_lights')).toMatchObject({
        color_mode: 'rgbw',
        rgbw_color: [255, 165, 0, 165],
      });
      await client.callService(
        'light',
        'turn_on',
        { entity_id: 'light.ceiling_lights' },
        { brightness: 300 },
      );
      expect(attributes(ha, 'light.ceiling_lights').brightness).toBe(255);
    });

    it('turn_off nulls the colour attributes; toggle restores them; brightness 0 turns off', async () => {
      const client = await open();
      await client.callService('light', 'turn_off', { entity_id: ['light.kitchen_lights'] });
      expect(stateOf(ha, 'light.kitchen_lights')).toBe('off');
      expect(attributes(ha, 'light.kitchen_lights')).toMatchObject({
        brightness: null,
        color_mode: null,
        hs_color: null,
        supported_color_modes: ['color_temp', 'hs'],
      });
      await client.callService('light', 'toggle', { entity_id: 'light.kitchen_lights' });
      expect(attributes(ha, 'light.kitchen_lights')).toMatchObject({
        brightness: 180,
        hs_color: [345, 75],
      });
      await client.callService(
        'light',
        'turn_on',
        { entity_id: 'light.kitchen_lights' },
        { brightness: 0 },
      );
      expect(stateOf(ha, 'light.kitchen_lights')).toBe('off');
    });

    it('targets an area and a device', async () => {
      const client = await open();
      await client.callService('light', 'turn_off', { area_id: 'living_room' });
      expect(stateOf(ha, 'light.ceiling_lights')).toBe('off');
      expect(stateOf(ha, 'light.living_room_rgbww_lights')).toBe('off');
      expect(stateOf(ha, 'light.kitchen_lights')).toBe('on');
      const deviceId = ha.state.entityRegistry.get('light.kitchen_lights')?.device_id;
      await client.callService('light', 'turn_off', { device_id: deviceId });
      expect(stateOf(ha, 'light.kitchen_lights')).toBe('off');
    });

    it('rejects bad data with invalid_format, voluptuous style', async () => {
      const client = await open();
      expect(
        await client.failure('call_service', {
          domain: 'light',
          service: 'turn_on',
          target: { entity_id: 'light.bed_light' },
          service_data: { brightness_pct: 150 },
        }),
      ).toEqual({
        code: 'invalid_format',
        message: "value must be at most 100 for dictionary value @ data['brightness_pct']",
      });
      expect(
        (
          await client.failure('call_service', {
            domain: 'light',
            service: 'turn_on',
            service_data: { entity_id: 'light.bed_light', sparkle: true },
          })
        ).message,
      ).toBe("extra keys not allowed @ data['sparkle']");
      expect(
        (
          await client.failure('call_service', {
            domain: 'light',
            service: 'turn_on',
            target: { entity_id: 'Bed Light' },
          })
        ).message,
      ).toBe(
        "Entity ID Bed Light is an invalid entity ID for dictionary value @ data['entity_id']",
      );
      expect(
        (
          await client.failure('call_service', {
            domain: 'light',
            service: 'turn_on',
            target: { entity_id: 'light.bed_light' },
            service_data: { rgb_color: [1, 2, 3], color_temp_kelvin: 3000 },
          })
        ).message,
      ).toMatch(/group of exclusion 'Color descriptors'/);
      expect(stateOf(ha, 'light.bed_light')).toBe('off');
    });

    it('answers an unknown service with not_found, and an unknown entity like core: success plus a logged warning', async () => {
      const client = await open();
      expect(
        await client.failure('call_service', {
          domain: 'light',
          service: 'nope',
          target: { entity_id: 'light.bed_light' },
        }),
      ).toEqual({
        code: 'not_found',
        message: 'Service light.nope not found.',
        translation_domain: 'homeassistant',
        translation_key: 'service_not_found',
        translation_placeholders: { domain: 'light', service: 'nope' },
      });
      const answer = await client.callService('light', 'turn_on', {
        entity_id: 'light.does_not_exist',
      });
      expect(answer.success).toBe(true);
      expect(ha.state.systemLog[0]).toMatchObject({
        level: 'WARNING',
        message: [
          'Referenced entities light.does_not_exist are missing or not currently available',
        ],
      });
    });
  });

  describe('service responses', () => {
    it('return_response is refused for services without a response and answered for scripts', async () => {
      const client = await open();
      expect(
        await client.failure('call_service', {
          domain: 'light',
          service: 'turn_on',
          target: { entity_id: 'light.bed_light' },
          return_response: true,
        }),
      ).toMatchObject({
        code: 'service_validation_error',
        translation_key: 'service_does_not_support_response',
      });
      const answer = await client.ok<{ response: unknown }>('call_service', {
        domain: 'script',
        service: 'movie_time',
        return_response: true,
      });
      expect(answer.response).toEqual({});
    });
  });

  describe('climate', () => {
    it('sets the temperature, a range, and HVAC modes the entity offers', async () => {
      const client = await open();
      await client.callService(
        'climate',
        'set_temperature',
        { entity_id: 'climate.hvac' },
        { temperature: 24 },
      );
      expect(attributes(ha, 'climate.hvac').temperature).toBe(24);
      await client.callService(
        'climate',
        'set_temperature',
        { entity_id: 'climate.ecobee' },
        { target_temp_low: 18, target_temp_high: 25 },
      );
      expect(attributes(ha, 'climate.ecobee')).toMatchObject({
        target_temp_low: 18,
        target_temp_high: 25,
      });
      await client.callService(
        'climate',
        'set_hvac_mode',
        { entity_id: 'climate.hvac' },
        { hvac_mode: 'heat' },
      );
      expect(stateOf(ha, 'climate.hvac')).toBe('heat');
      expect(attributes(ha, 'climate.hvac').hvac_action).toBe('heating');
      await client.callService('climate', 'turn_off', { entity_id: 'climate.heatpump' });
      expect(stateOf(ha, 'climate.heatpump')).toBe('off');
    });

    it('refuses an HVAC mode the entity lacks, out-of-range temperatures and missing features', async () => {
      const client = await open();
      expect(
        await client.failure('call_service', {
          domain: 'climate',
          service: 'set_hvac_mode',
          target: { entity_id: 'climate.heatpump' },
          service_data: { hvac_mode: 'cool' },
        }),
      ).toEqual({
        code: 'service_validation_error',
        message: 'Validation error: HVAC mode cool is not valid. Valid HVAC modes are: heat, off',
        translation_domain: 'climate',
        translation_key: 'not_valid_hvac_mode',
        translation_placeholders: { mode: 'cool', modes: 'heat, off' },
      });
      expect(
        (
          await client.failure('call_service', {
            domain: 'climate',
            service: 'set_hvac_mode',
            target: { entity_id: 'climate.hvac' },
            service_data: { hvac_mode: 'warm' },
          })
        ).code,
      ).toBe('invalid_format');
      expect(
        (
          await client.failure('call_service', {
            domain: 'climate',
            service: 'set_temperature',
            target: { entity_id: 'climate.hvac' },
            service_data: { temperature: 50 },
          })
        ).translation_key,
      ).toBe('temp_out_of_range');
      expect(
        (
          await client.failure('call_service', {
            domain: 'climate',
            service: 'set_temperature',
            target: { entity_id: 'climate.ecobee' },
            service_data: { temperature: 21 },
          })
        ).translation_key,
      ).toBe('missing_target_temperature_entity_feature');
      expect(stateOf(ha, 'climate.heatpump')).toBe('heat');
    });
  });

  describe('automations, scripts and scenes', () => {
    it('automation.trigger runs the action, updates last_triggered and records a trace', async () => {
      const client = await open();
      await client.callService('light', 'turn_off', { entity_id: 'light.kitchen_lights' });
      const sub = await client.subscribe();
      const answer = await client.callService('automation', 'trigger', {
        entity_id: 'automation.kitchen_lights_at_sunset',
      });
      const callContext = (answer.result as { context: { id: string } }).context;
      const light = await client.stateChange(sub, 'light.kitchen_lights', 'on');
      expect(light.new_state?.attributes.brightness).toBe(204);
      expect(light.new_state?.context).toMatchObject({ parent_id: callContext.id, user_id: null });
      await client.waitFor((m) => m.id === sub && m.event?.event_type === 'automation_triggered');
      expect(attributes(ha, 'automation.kitchen_lights_at_sunset').last_triggered).toEqual(
        expect.stringMatching(/\+00:00$/),
      );

      const runs = await client.ok<Array<Record<string, unknown>>>('trace/list', {
        domain: 'automation',
        item_id: '1712000000001',
      });
      const run = runs.at(-1);
      expect(run).toMatchObject({
        domain: 'automation',
        item_id: '1712000000001',
        state: 'stopped',
        script_execution: 'finished',
        last_step: 'action/0',
        trigger: null,
      });
      const detail = await client.ok<Record<string, unknown>>('trace/get', {
        domain: 'automation',
        item_id: '1712000000001',
        run_id: run?.run_id,
      });
      expect(detail).toMatchObject({
        blueprint_inputs: null,
        context: { parent_id: callContext.id, user_id: null },
        config: { id: '1712000000001', alias: 'Kitchen lights at sunset' },
        trace: {
          trigger: [{ path: 'trigger', changed_variables: { trigger: { platform: null } } }],
          'action/0': [
            {
              path: 'action/0',
              result: {
                params: {
                  domain: 'light',
                  service: 'turn_on',
                  target: { entity_id: ['light.kitchen_lights'] },
                },
                running_script: false,
              },
            },
          ],
        },
      });
    });

    it('keeps seeded traces, one with an error, and answers an unknown run with not_found', async () => {
      const client = await open();
      const runs = await client.ok<Array<Record<string, unknown>>>('trace/list', {
        domain: 'automation',
      });
      expect(runs.find((run) => run.script_execution === 'error')).toMatchObject({
        item_id: '1712000000003',
        error: 'Arming requires a code but none was given for alarm_control_panel.security',
        trigger: 'time',
      });
      expect(
        await client.failure('trace/get', {
          domain: 'automation',
          item_id: '1712000000001',
          run_id: 'nope',
        }),
      ).toEqual({
        code: 'not_found',
        message: 'The trace could not be found',
      });
    });

    it('a failing action ends the run with an error, a trace and a system log entry, not a failed call', async () => {
      const client = await open();
      const answer = await client.callService('automation', 'trigger', {
        entity_id: 'automation.arm_alarm_at_night',
      });
      expect(answer.success).toBe(true);
      const runs = await client.ok<Array<Record<string, unknown>>>('trace/list', {
        domain: 'automation',
        item_id: '1712000000003',
      });
      expect(runs.at(-1)).toMatchObject({
        script_execution: 'error',
        trigger: null,
        error: expect.stringContaining('Arming requires a code'),
      });
      expect(ha.state.systemLog[0]?.message[0]).toMatch(
        /^Error while executing automation automation\.arm_alarm_at_night/,
      );
    });

    it('runAutomation simulates a trigger firing, with the trigger described in the trace', async () => {
      const client = await open();
      await runAutomation(ha.state, 'automation.backyard_motion_lights', {
        triggerDescription: 'state of binary_sensor.movement_backyard',
        triggerData: { idx: '0', platform: 'state', entity_id: 'binary_sensor.movement_backyard' },
      });
      const runs = await client.ok<Array<Record<string, unknown>>>('trace/list', {
        domain: 'automation',
        item_id: '1712000000002',
      });
      expect(runs.at(-1)).toMatchObject({
        trigger: 'state of binary_sensor.movement_backyard',
        script_execution: 'finished',
      });
      const detail = await client.ok<{
        trace: Record<string, unknown>;
        context: Record<string, unknown>;
      }>('trace/get', {
        domain: 'automation',
        item_id: '1712000000002',
        run_id: runs.at(-1)?.run_id,
      });
      expect(Object.keys(detail.trace)).toEqual(['trigger/0', 'action/0']);
      expect(detail.context.parent_id).toBeNull();
    });

    it('automation.turn_off and turn_on switch the automation', async () => {
      const client = await open();
      await client.callService('automation', 'turn_off', {
        entity_id: 'automation.backyard_motion_lights',
      });
      expect(stateOf(ha, 'automation.backyard_motion_lights')).toBe('off');
      await client.callService('automation', 'turn_on', {
        entity_id: 'automation.backyard_motion_lights',
      });
      expect(stateOf(ha, 'automation.backyard_motion_lights')).toBe('on');
    });

    it('script.<name> runs the sequence before answering; script.turn_on runs it too', async () => {
      const client = await open();
      await client.callService('script', 'movie_time', {});
      expect(stateOf(ha, 'light.ceiling_lights')).toBe('off');
      expect(attributes(ha, 'light.living_room_rgbww_lights').brightness).toBe(51);
      expect(stateOf(ha, 'cover.living_room_window')).toBe('closing');
      expect(attributes(ha, 'script.movie_time').last_triggered).not.toBeNull();
      expect(stateOf(ha, 'script.movie_time')).toBe('off');
      const runs = await client.ok<Array<Record<string, unknown>>>('trace/list', {
        domain: 'script',
      });
      expect(runs.at(-1)).toMatchObject({
        domain: 'script',
        item_id: 'movie_time',
        last_step: 'sequence/2',
        script_execution: 'finished',
      });
      expect(runs.at(-1)).not.toHaveProperty('trigger');
      await client.callService('light', 'turn_on', { entity_id: 'light.ceiling_lights' });
      await client.callService('script', 'turn_on', { entity_id: 'script.movie_time' });
      await sleep(20);
      expect(stateOf(ha, 'light.ceiling_lights')).toBe('off');
    });

    it('scene.turn_on applies the stored states and stamps the scene', async () => {
      const client = await open();
      await client.callService('scene', 'turn_on', { entity_id: 'scene.romantic' });
      expect(stateOf(ha, 'light.bed_light')).toBe('on');
      expect(attributes(ha, 'light.bed_light')).toMatchObject({
        brightness: 80,
        color_temp_kelvin: 2200,
      });
      expect(stateOf(ha, 'light.ceiling_lights')).toBe('off');
      expect(stateOf(ha, 'scene.romantic')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    });
  });

  describe('covers, locks and the alarm panel', () => {
    it('covers pass through opening/closing to open/closed and report their position', async () => {
      const client = await open();
      const sub = await client.subscribe('state_changed');
      await client.callService('cover', 'open_cover', { entity_id: 'cover.hall_window' });
      expect((await client.stateChange(sub, 'cover.hall_window')).new_state?.state).toBe('opening');
      const opened = await client.stateChange(sub, 'cover.hall_window', 'open');
      expect(opened.new_state?.attributes.current_position).toBe(100);
      await client.callService('cover', 'close_cover', { entity_id: 'cover.garage_door' });
      await client.callService('cover', 'open_cover', { entity_id: 'cover.garage_door' });
      expect(stateOf(ha, 'cover.garage_door')).toBe('opening');
      await client.stateChange(sub, 'cover.garage_door', 'open');
      await client.callService(
        'cover',
        'set_cover_position',
        { entity_id: 'cover.living_room_window' },
        { position: 30 },
      );
      expect(stateOf(ha, 'cover.living_room_window')).toBe('closing');
      await client.callService('cover', 'stop_cover', { entity_id: 'cover.living_room_window' });
      expect(stateOf(ha, 'cover.living_room_window')).toBe('open');
      expect(attributes(ha, 'cover.living_room_window').current_position).toBe(50);
    });

    it('refuses an action the cover does not support', async () => {
      const client = await open();
      expect(
        await client.failure('call_service', {
          domain: 'cover',
          service: 'set_cover_position',
          target: { entity_id: 'cover.kitchen_window' },
          service_data: { position: 40 },
        }),
      ).toMatchObject({
        code: 'service_validation_error',
        message:
          'Validation error: Entity cover.kitchen_window does not support action cover.set_cover_position',
        translation_key: 'service_not_supported',
      });
    });

    it('locks lock, unlock and jam like the demo (the call waits for the bolt)', async () => {
      const client = await open();
      const sub = await client.subscribe('state_changed');
      await client.callService('lock', 'lock', { entity_id: 'lock.kitchen_door' });
      expect((await client.stateChange(sub, 'lock.kitchen_door')).new_state?.state).toBe('locking');
      expect(stateOf(ha, 'lock.kitchen_door')).toBe('locked');
      await client.callService('lock', 'unlock', { entity_id: 'lock.front_door' });
      expect(stateOf(ha, 'lock.front_door')).toBe('unlocked');
      await client.callService('lock', 'lock', { entity_id: 'lock.poorly_installed_door' });
      expect(stateOf(ha, 'lock.poorly_installed_door')).toBe('jammed');
      await client.callService('lock', 'open', { entity_id: 'lock.openable_lock' });
      expect(stateOf(ha, 'lock.openable_lock')).toBe('open');
      expect(
        (
          await client.failure('call_service', {
            domain: 'lock',
            service: 'open',
            target: { entity_id: 'lock.front_door' },
          })
        ).translation_key,
      ).toBe('service_not_supported');
    });

    it('the alarm panel checks its code, arms after the arming time and disarms', async () => {
      const client = await open();
      expect(
        await client.failure('call_service', {
          domain: 'alarm_control_panel',
          service: 'alarm_arm_home',
          target: { entity_id: 'alarm_control_panel.security' },
        }),
      ).toEqual({
        code: 'service_validation_error',
        message:
          'Validation error: Arming requires a code but none was given for alarm_control_panel.security',
        translation_domain: 'alarm_control_panel',
        translation_key: 'code_arm_required',
        translation_placeholders: { entity_id: 'alarm_control_panel.security' },
      });
      expect(
        (
          await client.failure('call_service', {
            domain: 'alarm_control_panel',
            service: 'alarm_arm_away',
            target: { entity_id: 'alarm_control_panel.security' },
            service_data: { code: '0000' },
          })
        ).translation_key,
      ).toBe('invalid_code');
      await client.callService(
        'alarm_control_panel',
        'alarm_arm_home',
        { entity_id: 'alarm_control_panel.security' },
        { code: '1234' },
      );
      expect(stateOf(ha, 'alarm_control_panel.security')).toBe('arming');
      expect(attributes(ha, 'alarm_control_panel.security')).toMatchObject({
        next_state: 'armed_home',
        previous_state: 'disarmed',
      });
      finishTransitions(ha.state);
      expect(stateOf(ha, 'alarm_control_panel.security')).toBe('armed_home');
      expect(
        (
          await client.failure('call_service', {
            domain: 'alarm_control_panel',
            service: 'alarm_disarm',
            target: { entity_id: 'alarm_control_panel.security' },
          })
        ).translation_key,
      ).toBe('invalid_code');
      await client.callService(
        'alarm_control_panel',
        'alarm_disarm',
        { entity_id: 'alarm_control_panel.security' },
        { code: '1234' },
      );
      expect(stateOf(ha, 'alarm_control_panel.security')).toBe('disarmed');
    });

    it('homeassistant.turn_off switches any domain and logs the entities it cannot', async () => {
      const client = await open();
      await client.callService('homeassistant', 'turn_off', {
        entity_id: ['light.ceiling_lights', 'switch.decorative_lights', 'lock.front_door'],
      });
      expect(stateOf(ha, 'light.ceiling_lights')).toBe('off');
      expect(stateOf(ha, 'switch.decorative_lights')).toBe('off');
      expect(stateOf(ha, 'lock.front_door')).toBe('locked');
      expect(ha.state.systemLog[0]?.message[0]).toBe(
        'The service homeassistant.turn_off does not support entities lock.front_door',
      );
      await client.callService('homeassistant', 'toggle', {
        entity_id: 'switch.decorative_lights',
      });
      expect(stateOf(ha, 'switch.decorative_lights')).toBe('on');
    });
  });

  describe('subscriptions', () => {
    it('unsubscribe_events ends a subscription; an unknown one is not_found', async () => {
      const client = await open();
      const sub = await client.subscribe('state_changed');
      expect(await client.ok('unsubscribe_events', { subscription: sub })).toBeNull();
      expect(await client.failure('unsubscribe_events', { subscription: sub })).toEqual({
        code: 'not_found',
        message: 'Subscription not found.',
      });
      await client.callService('light', 'turn_on', { entity_id: 'light.bed_light' });
      await sleep(20);
      expect(client.received.filter((m) => m.type === 'event')).toHaveLength(0);
    });

    it('forwards registry events when areas and entities change', async () => {
      const client = await open();
      const areas = await client.subscribe('area_registry_updated');
      const entities = await client.subscribe('entity_registry_updated');
      addArea(ha.state, { name: 'Attic' });
      updateEntityRegistryEntry(ha.state, 'light.bed_light', { area_id: 'attic' });
      expect((await client.waitFor((m) => m.id === areas)).event?.data).toEqual({
        action: 'create',
        area_id: 'attic',
      });
      expect((await client.waitFor((m) => m.id === entities)).event?.data).toEqual({
        action: 'update',
        entity_id: 'light.bed_light',
        changes: { area_id: null },
      });
      const display = await client.ok<{ entities: Array<Record<string, unknown>> }>(
        'config/entity_registry/list_for_display',
      );
      expect(display.entities.find((entity) => entity.ei === 'light.bed_light')?.ai).toBe('attic');
    });

    it('fire_event reaches subscribers of that event type', async () => {
      const client = await open();
      const sub = await client.subscribe('homelab_test_event');
      await client.ok('fire_event', {
        event_type: 'homelab_test_event',
        event_data: { source: 'test' },
      });
      expect((await client.waitFor((m) => m.id === sub)).event).toMatchObject({
        event_type: 'homelab_test_event',
        data: { source: 'test' },
        origin: 'REMOTE',
      });
    });
  });

  describe('REST', () => {
    it('answers GET /api/, /api/config, /api/states and /api/states/{entity_id} with the token', async () => {
      expect(await (await rest('/api/')).json()).toEqual({ message: 'API running.' });
      expect(await (await rest('/api/config')).json()).toMatchObject({ version: '2026.8.0' });
      const states = (await (await rest('/api/states')).json()) as HaStateObject[];
      expect(states.length).toBe(ha.state.states.size);
      expect(await (await rest('/api/states/lock.front_door')).json()).toMatchObject({
        entity_id: 'lock.front_door',
        state: 'locked',
      });
      const missing = await rest('/api/states/light.nope');
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ message: 'Entity not found.' });
    });

    it('answers 401 in plain text without a valid token', async () => {
      const res = await fetch(`${ha.url}/api/states`, {
        headers: { authorization: 'Bearer nope' },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe('401: Unauthorized');
      expect((await fetch(`${ha.url}/api/`)).status).toBe(401);
    });

    it('POST /api/services changes the home and returns the states changed in the call', async () => {
      const res = await rest('/api/services/light/turn_on', {
        method: 'POST',
        body: JSON.stringify({ entity_id: 'light.bed_light', brightness: 42 }),
      });
      expect(res.status).toBe(200);
      const changed = (await res.json()) as HaStateObject[];
      expect(changed).toHaveLength(1);
      expect(changed[0]).toMatchObject({
        entity_id: 'light.bed_light',
        state: 'on',
        attributes: { brightness: 42 },
      });
      const bad = await rest('/api/services/climate/set_temperature', {
        method: 'POST',
        body: JSON.stringify({ entity_id: 'climate.hvac', temperature: 'hot' }),
      });
      expect([bad.status, await bad.text()]).toEqual([400, '400: Bad Request']);
      const unknown = await rest('/api/services/light/nope', { method: 'POST', body: '{}' });
      expect(unknown.status).toBe(400);
      const withResponse = await rest('/api/services/light/turn_on?return_response', {
        method: 'POST',
        body: '{}',
      });
      expect(withResponse.status).toBe(400);
      expect(await withResponse.json()).toEqual({
        message: 'Service does not support responses. Remove return_response from request.',
      });
      const script = await rest('/api/services/script/movie_time?return_response', {
        method: 'POST',
        body: '{}',
      });
      expect(await script.json()).toMatchObject({
        service_response: {},
        changed_states: expect.any(Array),
      });
    });

    it('history has a day of hourly values for a sensor and records every change since start', async () => {
      const start = new Date(Date.now() - 25 * 3_600_000).toISOString();
      const day = (await (
        await rest(
          `/api/history/period/${encodeURIComponent(start)}?filter_entity_id=sensor.outside_temperature`,
        )
      ).json()) as Array<Array<Record<string, unknown>>>;
      expect(day).toHaveLength(1);
      expect(day[0]?.length).toBe(24);
      expect(day[0]?.[0]).toMatchObject({
        entity_id: 'sensor.outside_temperature',
        attributes: { unit_of_measurement: '°C' },
      });

      const before = new Date(Date.now() - 1000).toISOString();
      await rest('/api/services/light/turn_off', {
        method: 'POST',
        body: JSON.stringify({ entity_id: 'light.kitchen_lights' }),
      });
      await rest('/api/services/light/turn_on', {
        method: 'POST',
        body: JSON.stringify({ entity_id: 'light.kitchen_lights', brightness: 10 }),
      });
      const query =
        'filter_entity_id=light.kitchen_lights,sensor.outside_temperature&minimal_response&no_attributes';
      const recent = (await (await rest(`/api/history/period/${before}?${query}`)).json()) as Array<
        Array<Record<string, unknown>>
      >;
      const kitchen = recent[0] ?? [];
      expect(kitchen[0]).toMatchObject({
        entity_id: 'light.kitchen_lights',
        state: 'on',
        attributes: {},
        last_changed: expect.any(String),
      });
      expect(kitchen.slice(1).map((entry) => Object.keys(entry).sort())).toEqual([
        ['last_changed', 'state'],
        ['last_changed', 'state'],
      ]);
      expect(kitchen.slice(1).map((entry) => entry.state)).toEqual(['off', 'on']);
      expect(recent[1]?.[0]).toMatchObject({ entity_id: 'sensor.outside_temperature' });
    });

    it('history keeps attribute-only changes only with significant_changes_only=0, and full states carry context', async () => {
      const before = new Date(Date.now() - 1000).toISOString();
      await rest('/api/services/light/turn_on', {
        method: 'POST',
        body: JSON.stringify({ entity_id: 'light.kitchen_lights', brightness: 20 }),
      });
      const base = `/api/history/period/${before}?filter_entity_id=light.kitchen_lights&skip_initial_state`;
      expect(await (await rest(base)).json()).toEqual([]);
      const all = (await (await rest(`${base}&significant_changes_only=0`)).json()) as Array<
        Array<Record<string, unknown>>
      >;
      expect(all[0]).toHaveLength(1);
      expect(all[0]?.[0]).toMatchObject({
        state: 'on',
        attributes: { brightness: 20 },
        context: { user_id: ha.state.userId },
      });
    });

    it('history refuses a missing filter and bad times', async () => {
      const missing = await rest('/api/history/period');
      expect([missing.status, await missing.json()]).toEqual([
        400,
        { message: 'filter_entity_id is missing' },
      ]);
      const badStart = await rest('/api/history/period/yesterday?filter_entity_id=light.bed_light');
      expect(await badStart.json()).toEqual({ message: 'Invalid datetime' });
      const badEnd = await rest(
        '/api/history/period?filter_entity_id=light.bed_light&end_time=soon',
      );
      expect(await badEnd.json()).toEqual({ message: 'Invalid end_time' });
      const future = await rest(
        `/api/history/period/${new Date(Date.now() + 3_600_000).toISOString()}?filter_entity_id=light.bed_light`,
      );
      expect(await future.json()).toEqual([]);
    });

    it('the logbook lists state changes with their cause, automation runs and the start', async () => {
      const start = new Date(Date.now() - 23 * 3_600_000).toISOString();
      await rest('/api/services/light/turn_off', {
        method: 'POST',
        body: JSON.stringify({ entity_id: 'light.kitchen_lights' }),
      });
      await rest('/api/services/automation/trigger', {
        method: 'POST',
        body: JSON.stringify({ entity_id: 'automation.kitchen_lights_at_sunset' }),
      });
      const entries = (await (
        await rest(`/api/logbook/${encodeURIComponent(start)}`)
      ).json()) as Array<Record<string, unknown>>;
      expect(entries.find((entry) => entry.domain === 'homeassistant')).toMatchObject({
        name: 'Home Assistant',
        message: 'started',
      });
      expect(entries.filter((entry) => entry.entity_id === 'sensor.outside_temperature')).toEqual(
        [],
      );
      const kitchen = entries.filter((entry) => entry.entity_id === 'light.kitchen_lights');
      expect(kitchen.at(-2)).toMatchObject({
        state: 'off',
        name: 'Kitchen Lights',
        context_user_id: ha.state.userId,
        context_event_type: 'call_service',
        context_domain: 'light',
        context_service: 'turn_off',
      });
      expect(kitchen.at(-1)).toMatchObject({
        state: 'on',
        context_event_type: 'automation_triggered',
        context_entity_id: 'automation.kitchen_lights_at_sunset',
        context_message: 'triggered',
      });
      expect(
        entries.find(
          (entry) =>
            entry.entity_id === 'automation.kitchen_lights_at_sunset' &&
            entry.domain === 'automation',
        ),
      ).toMatchObject({
        message: 'triggered',
        source: null,
        context_event_type: 'call_service',
        context_service: 'trigger',
      });
      const one = (await (
        await rest(`/api/logbook/${encodeURIComponent(start)}?entity=lock.front_door`)
      ).json()) as Array<Record<string, unknown>>;
      expect(one.map((entry) => entry.state)).toEqual(['unlocked', 'locked']);
    });

    it('check_config answers valid, or what the state says', async () => {
      const res = await rest('/api/config/core/check_config', { method: 'POST' });
      expect(await res.json()).toEqual({ result: 'valid', errors: null, warnings: null });
      ha.state.configCheck = {
        result: 'invalid',
        errors: "Integration error: nope - Integration 'nope' not found.",
        warnings: null,
      };
      expect(
        await (await rest('/api/config/core/check_config', { method: 'POST' })).json(),
      ).toMatchObject({ result: 'invalid' });
    });
  });

  describe('WebSocket faults', () => {
    it('drop closes the socket while the command is in flight; the call is not applied', async () => {
      const client = await open();
      ha.wsFaults.inject({ command: 'call_service', kind: 'drop', times: 1 });
      client.send({
        id: client.nextId(),
        type: 'call_service',
        domain: 'light',
        service: 'turn_on',
        target: { entity_id: 'light.bed_light' },
      });
      expect(await client.closed).toBe(1006);
      expect(stateOf(ha, 'light.bed_light')).toBe('off');
      expect(ha.wsFaults.active).toEqual([]);
    });

    it('drop with a code sends that close frame', async () => {
      const client = await open();
      ha.wsFaults.inject({ command: 'get_states', kind: 'drop', code: 4000 });
      client.send({ id: client.nextId(), type: 'get_states' });
      expect(await client.closed).toBe(4000);
    });

    it('delay answers late; other commands are not held up', async () => {
      const client = await open();
      ha.wsFaults.inject({ command: 'get_states', kind: 'delay', ms: 150, times: 1 });
      const started = Date.now();
      const slow = client.command('get_states');
      expect(await client.command('ping')).toMatchObject({ type: 'pong' });
      expect(Date.now() - started).toBeLessThan(140);
      expect((await slow).success).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    });

    it('error answers success:false with the code given (only for the service given)', async () => {
      const client = await open();
      ha.wsFaults.inject({
        command: 'call_service',
        service: 'light.turn_on',
        kind: 'error',
        code: 'home_assistant_error',
        message: 'Timeout communicating with the bulb',
      });
      expect(
        await client.failure('call_service', {
          domain: 'light',
          service: 'turn_on',
          target: { entity_id: 'light.bed_light' },
        }),
      ).toEqual({
        code: 'home_assistant_error',
        message: 'Timeout communicating with the bulb',
      });
      expect(
        (await client.callService('light', 'turn_off', { entity_id: 'light.kitchen_lights' }))
          .success,
      ).toBe(true);
      expect(stateOf(ha, 'light.bed_light')).toBe('off');
      ha.reset();
      expect(ha.wsFaults.active).toEqual([]);
    });

    it('refuses an invalid fault', () => {
      expect(() => ha.wsFaults.inject({ kind: 'delay', ms: -1 })).toThrow(
        /invalid WebSocket fault/,
      );
    });

    it('after disconnectAll a client reconnects and its new subscriptions get events', async () => {
      const first = await open();
      await first.subscribe('state_changed');
      expect(ha.state.listeners.size).toBe(1);
      expect(ha.disconnectAll()).toBe(1);
      expect(await first.closed).toBe(1001);
      await sleep(10);
      expect(ha.state.listeners.size).toBe(0);
      const second = await open();
      const sub = await second.subscribe('state_changed');
      await second.callService('light', 'turn_on', { entity_id: 'light.bed_light' });
      expect((await second.stateChange(sub, 'light.bed_light')).new_state?.state).toBe('on');
    });

    it('the framework ws-close fault also cuts the socket (client sees 1006)', async () => {
      const client = await open();
      ha.faults.inject({ kind: 'ws-close', times: 1 });
      expect(await client.closed).toBe(1006);
    });
  });
});

describe('the large seed', () => {
  it('adds 2,400 generated entities over areas and devices', async () => {
    const demo = createHomeAssistantState();
    const large = createHomeAssistantState({ seed: 'large' });
    expect(large.states.size - demo.states.size).toBe(LARGE_SEED_ENTITIES);
    expect(large.entityRegistry.size - demo.entityRegistry.size).toBe(LARGE_SEED_ENTITIES);
    expect(large.areas.size).toBeGreaterThan(demo.areas.size + 20);
    const ha = await startHomeAssistantSim({ state: large });
    try {
      const client = await HaSocket.open(ha);
      const states = await client.ok<HaStateObject[]>('get_states');
      expect(states.length).toBeGreaterThan(2400);
      const display = await client.ok<{ entities: unknown[] }>(
        'config/entity_registry/list_for_display',
      );
      expect(display.entities.length).toBeGreaterThan(2400);
      client.close();
      ha.assertNoViolations();
    } finally {
      await ha.close();
    }
    expect(createHomeAssistantState({ extraEntities: 10 }).states.size).toBe(demo.states.size + 10);
  });
});

describe('startSimulatedHomelab', () => {
  let homelab: SimulatedHomelab | undefined;
  afterEach(async () => {
    await homelab?.close();
    homelab = undefined;
  });

  it('starts Home Assistant and sets HA_URL and HA_TOKEN', async () => {
    homelab = await startSimulatedHomelab();
    const url = homelab.env.HA_URL ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(homelab.env.HA_TOKEN).toBe('sim-token');
    const res = await fetch(`${url}/api/`, {
      headers: { authorization: `Bearer ${homelab.env.HA_TOKEN}` },
    });
    expect(await res.json()).toEqual({ message: 'API running.' });
    homelab.upstreams.homeAssistant?.assertNoViolations();
  });

  it('skips Home Assistant when HA_URL is configured for real', async () => {
    homelab = await startSimulatedHomelab({ skip: ['HA_URL'] });
    expect(homelab.env.HA_URL).toBeUndefined();
    expect(homelab.env.HA_TOKEN).toBeUndefined();
  });
});
