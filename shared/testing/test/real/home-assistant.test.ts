// A real Home Assistant (the release scripts/real-upstreams/home-assistant.sh pins), started once
// and driven with plain REST and WebSocket calls: the long-lived token works on both APIs, the
// demo entities are there, services change state, the automation runs and leaves a trace, and
// the registry, log, config-entry, history, logbook and check_config commands all answer with
// the shapes recorded in shared/testing/real-home-assistant.md.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectHomeAssistantSocket,
  eventually,
  HOME_ASSISTANT_FIXTURE as FIXTURE,
  startHomeAssistant,
  type HomeAssistantSocket,
  type RealHomeAssistant,
} from '../../src/index.js';

interface State {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed: string;
  last_updated: string;
  context: { id: string; parent_id: string | null; user_id: string | null };
}

let ha: RealHomeAssistant;
let socket: HomeAssistantSocket;
const testStart = new Date();

async function rest<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${ha.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ha.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

async function state(entityId: string): Promise<State> {
  return rest<State>('GET', `/api/states/${entityId}`);
}

beforeAll(async () => {
  ha = await startHomeAssistant();
  console.log(`Home Assistant ${ha.version} ready at ${ha.url} in ${ha.startupMs} ms`);
  socket = await connectHomeAssistantSocket(ha.url, ha.token);
});

afterAll(async () => {
  socket?.close();
  await ha?.stop();
});

describe('real Home Assistant', () => {
  it('accepts the long-lived token on REST and WebSocket, and refuses a wrong one', async () => {
    expect(await rest('GET', '/api/')).toEqual({ message: 'API running.' });
    const refused = await fetch(`${ha.url}/api/`, { headers: { authorization: 'Bearer nope' } });
    expect(refused.status).toBe(401);
    expect(socket.haVersion).toBe(ha.version);
    expect(ha.version).toMatch(/^\d{4}\.\d+\.\d+$/);
    await expect(connectHomeAssistantSocket(ha.url, 'nope')).rejects.toThrow(/auth_invalid/);

    const tokens =
      await socket.command<{ client_name: string | null; type: string; expires_at?: string }[]>(
        'auth/refresh_tokens',
      );
    expect(tokens).toContainEqual(
      expect.objectContaining({ client_name: 'homelab-tests', type: 'long_lived_access_token' }),
    );
    const user = await socket.command<{ name: string; is_owner: boolean; is_admin: boolean }>(
      'auth/current_user',
    );
    expect(user).toMatchObject({ is_owner: true, is_admin: true });
  });

  it('lists the demo lights, climate devices, sensors and the configured items', async () => {
    const states = await socket.command<State[]>('get_states');
    const ids = states.map((s) => s.entity_id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'light.bed_light',
        'light.ceiling_lights',
        'light.kitchen_lights',
        'climate.hvac',
        'climate.ecobee',
        'sensor.outside_temperature',
        'lock.front_door',
        'cover.kitchen_window',
        FIXTURE.automation.entityId,
        FIXTURE.script.entityId,
        FIXTURE.scene.entityId,
      ]),
    );
    const temperature = states.find((s) => s.entity_id === 'sensor.outside_temperature');
    expect(temperature).toMatchObject({
      state: expect.stringMatching(/^-?\d+(\.\d+)?$/),
      attributes: { unit_of_measurement: '°C', device_class: 'temperature' },
      context: { id: expect.any(String) },
    });
    expect(states.find((s) => s.entity_id === 'climate.hvac')?.attributes).toMatchObject({
      hvac_modes: expect.arrayContaining(['heat', 'cool']),
      temperature: expect.any(Number),
    });
    const config = await rest<{ location_name: string; time_zone: string; version: string }>(
      'GET',
      '/api/config',
    );
    expect(config).toMatchObject({
      location_name: FIXTURE.locationName,
      time_zone: FIXTURE.timeZone,
      version: ha.version,
    });
  });

  it('changes a light through call_service over WebSocket and REST', async () => {
    const result = await socket.command<{ context: { id: string; user_id: string } }>(
      'call_service',
      {
        domain: 'light',
        service: 'turn_on',
        target: { entity_id: 'light.ceiling_lights' },
        service_data: { brightness: 77 },
      },
    );
    expect(result.context.id).toEqual(expect.any(String));
    const ceiling = await state('light.ceiling_lights');
    expect(ceiling).toMatchObject({ state: 'on', attributes: { brightness: 77 } });
    expect(ceiling.context.id).toBe(result.context.id);

    const changed = await rest<State[]>('POST', '/api/services/light/turn_on', {
      entity_id: 'light.ceiling_lights',
      brightness: 200,
    });
    expect(changed).toContainEqual(
      expect.objectContaining({
        entity_id: 'light.ceiling_lights',
        attributes: expect.objectContaining({ brightness: 200 }),
      }),
    );
    await expect(
      socket.command('call_service', { domain: 'light', service: 'no_such_service' }),
    ).rejects.toThrow(/not_found/);
  });

  it('runs the automation (by automation.trigger and by its event) and records traces', async () => {
    const automation = await state(FIXTURE.automation.entityId);
    expect(automation).toMatchObject({ state: 'on', attributes: { id: FIXTURE.automation.id } });

    await socket.command('call_service', {
      domain: 'automation',
      service: 'trigger',
      target: { entity_id: FIXTURE.automation.entityId },
    });
    type TraceSummary = { item_id: string; run_id: string; state: string; trigger: string | null };
    const traces = await eventually(
      () =>
        socket.command<TraceSummary[]>('trace/list', {
          domain: 'automation',
          item_id: FIXTURE.automation.id,
        }),
      (list) => list.some((t) => t.state === 'stopped'),
    );
    expect(traces[0]).toMatchObject({ item_id: FIXTURE.automation.id, state: 'stopped' });
    const trace = await socket.command<{ config: { id: string }; trace: Record<string, unknown> }>(
      'trace/get',
      { domain: 'automation', item_id: FIXTURE.automation.id, run_id: traces[0]?.run_id },
    );
    expect(trace.config.id).toBe(FIXTURE.automation.id);
    expect(Object.keys(trace.trace)).toEqual(expect.arrayContaining(['trigger', 'action/0']));

    await socket.command('call_service', {
      domain: 'light',
      service: 'turn_off',
      target: { entity_id: 'light.bed_light' },
    });
    await rest('POST', `/api/events/${FIXTURE.automationEvent}`, { source: 'test' });
    const bed = await eventually(
      () => state('light.bed_light'),
      (s) => s.state === 'on',
    );
    expect(bed.attributes.brightness).toBe(200);
    const after = await socket.command<TraceSummary[]>('trace/list', {
      domain: 'automation',
      item_id: FIXTURE.automation.id,
    });
    expect(after.map((t) => t.trigger)).toContain(`event '${FIXTURE.automationEvent}'`);
    expect(
      await rest<{ id: string }>('GET', `/api/config/automation/config/${FIXTURE.automation.id}`),
    ).toMatchObject({ id: FIXTURE.automation.id, alias: 'Bed light on homelab event' });
  });

  it('answers the area, device and entity registries', async () => {
    const areas = await socket.command<{ area_id: string; name: string }[]>(
      'config/area_registry/list',
    );
    expect(areas.map((a) => a.area_id)).toEqual(
      expect.arrayContaining(['living_room', 'kitchen', 'bedroom']),
    );
    const devices = await socket.command<
      { id: string; name: string; identifiers: [string, string][]; config_entries: string[] }[]
    >('config/device_registry/list');
    expect(devices.some((d) => d.identifiers.some(([domain]) => domain === 'demo'))).toBe(true);
    const display = await socket.command<{
      entity_categories: Record<string, string>;
      entities: { ei: string; pl: string; di?: string }[];
    }>('config/entity_registry/list_for_display');
    expect(display.entity_categories).toEqual({ '0': 'config', '1': 'diagnostic' });
    expect(display.entities).toContainEqual(
      expect.objectContaining({ ei: 'light.bed_light', pl: 'demo', di: expect.any(String) }),
    );
  });

  it('answers system_log/list and config_entries/get', async () => {
    const log =
      await socket.command<
        { name: string; message: string[]; level: string; source: [string, number] }[]
      >('system_log/list');
    expect(Array.isArray(log)).toBe(true);
    for (const entry of log)
      expect(entry).toMatchObject({
        name: expect.any(String),
        message: expect.any(Array),
        level: expect.stringMatching(/^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$/),
      });
    const entries =
      await socket.command<{ domain: string; state: string; entry_id: string }[]>(
        'config_entries/get',
      );
    expect(entries).toContainEqual(expect.objectContaining({ domain: 'demo', state: 'loaded' }));
  });

  it('serves history and logbook for a change, and validates the configuration', async () => {
    await socket.command('call_service', {
      domain: 'light',
      service: 'turn_off',
      target: { entity_id: 'light.kitchen_lights' },
    });
    const since = encodeURIComponent(testStart.toISOString());
    const history = await eventually(
      () =>
        rest<State[][]>(
          'GET',
          `/api/history/period/${since}?filter_entity_id=light.kitchen_lights`,
        ),
      (h) => h[0]?.at(-1)?.state === 'off',
    );
    expect(history).toHaveLength(1);
    expect(history[0]?.[0]).toMatchObject({ entity_id: 'light.kitchen_lights' });
    expect(history[0]?.at(-1)?.state).toBe('off');

    type LogbookEntry = { when: string; name: string; entity_id?: string; state?: string };
    const logbook = await eventually(
      () => rest<LogbookEntry[]>('GET', `/api/logbook/${since}?entity=light.kitchen_lights`),
      (entries) => entries.some((e) => e.state === 'off'),
    );
    expect(logbook).toContainEqual(
      expect.objectContaining({ entity_id: 'light.kitchen_lights', state: 'off' }),
    );

    expect(await rest('POST', '/api/config/core/check_config')).toMatchObject({
      result: 'valid',
      errors: null,
    });
  });

  it('stops hass and removes its config dir', async () => {
    socket.close();
    await ha.stop();
    expect(existsSync(ha.configDir)).toBe(false);
    await expect(fetch(`${ha.url}/api/`)).rejects.toThrow();
  });
});
