// Every Home Assistant tool against the simulated Home Assistant (WebSocket + REST per the
// written contract), including its faults: disconnect mid-call, refused token, slow answers,
// a restart with subscriptions that must survive, and a 2,400-entity home.
import type { KitSettings } from '@homelab/kit';
import {
  createHomeAssistantState,
  setEntityState,
  startHomeAssistantSim,
  type HomeAssistantSim,
} from '@homelab/simulator';
import { failOnViolations } from '@homelab/simulator/vitest';
import { connectInMemory, testDeps, type ConnectedClient, eventually } from '@homelab/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HomeAssistantConfig } from '../src/config.js';
import { buildServer, createClients, type HomeAssistantClients } from '../src/server.js';

const TOKEN = 'ha-canary-token-6c1f0e9a';

interface Running {
  sim: HomeAssistantSim;
  connected: ConnectedClient;
  clients: HomeAssistantClients;
  lines: string[];
  close(): Promise<void>;
}

const started: Running[] = [];

async function start(
  options: {
    config?: Partial<HomeAssistantConfig>;
    kit?: Partial<KitSettings>;
    seed?: 'demo' | 'large';
    sim?: HomeAssistantSim;
  } = {},
): Promise<Running> {
  const sim =
    options.sim ??
    (await startHomeAssistantSim({
      token: TOKEN,
      state: createHomeAssistantState({ seed: options.seed ?? 'demo', token: TOKEN }),
    }));
  const config: HomeAssistantConfig = {
    HA_URL: sim.url,
    HA_TOKEN: TOKEN,
    HA_TIMEOUT_MS: 1500,
    HA_EXPOSE_DOMAINS: [],
    HA_HIDE_DOMAINS: [],
    HA_EXPOSE_AREAS: [],
    HA_EXPOSE_ENTITIES: [],
    HA_HIDE_ENTITIES: [],
    ...options.config,
  };
  const deps = testDeps(undefined, config, {
    secrets: [TOKEN],
    kit: { toolTimeoutMs: 9000, ...options.kit },
  });
  const clients = createClients(config, deps);
  clients.ha.start();
  const connected = await connectInMemory(buildServer({ ...deps, clients }));
  const running: Running = {
    sim,
    connected,
    clients,
    lines: deps.captured.lines,
    close: async () => {
      await connected.close();
      clients.ha.close();
      if (!options.sim) await sim.close();
    },
  };
  started.push(running);
  return running;
}

let demo: Running;

beforeAll(async () => {
  demo = await start();
});

afterAll(async () => {
  await Promise.all(started.map((r) => r.close()));
});

failOnViolations(() => demo?.sim);

afterEach(() => {
  demo.sim.wsFaults.clear();
});

async function call(running: Running, name: string, args: Record<string, unknown> = {}) {
  return running.connected.client.callTool({ name, arguments: args });
}

async function ok(name: string, args: Record<string, unknown> = {}, running: Running = demo) {
  const result = await call(running, name, args);
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function text(result: Awaited<ReturnType<typeof call>>): string {
  return (result.content as Array<{ text: string }>).map((c) => c.text).join('');
}

describe('finding things', () => {
  it('searches fuzzily by name, area, domain and device class, best first', async () => {
    expect((await ok('search_entities', { query: 'kitchn light' })).entities[0].entity_id).toBe(
      'light.kitchen_lights',
    );
    const kitchen = await ok('search_entities', { area: 'kitchen', domain: 'light' });
    expect(kitchen.entities.map((e: { entity_id: string }) => e.entity_id)).toContain(
      'light.kitchen_lights',
    );
    expect(kitchen.entities.every((e: { area: string }) => e.area === 'Kitchen')).toBe(true);
    const temperatures = await ok('search_entities', { deviceClass: 'temperature' });
    expect(temperatures.entities.map((e: { entity_id: string }) => e.entity_id)).toContain(
      'sensor.outside_temperature',
    );
  });

  it('gets one entity with every attribute, and names close matches for a wrong id', async () => {
    const light = await ok('get_entity', { entityId: 'light.kitchen_lights' });
    expect(light).toMatchObject({
      entity_id: 'light.kitchen_lights',
      domain: 'light',
      area: 'Kitchen',
    });
    expect(light.attributes).toHaveProperty('supported_color_modes');
    const wrong = await call(demo, 'get_entity', { entityId: 'light.kitchen_light' });
    expect(wrong.isError).toBe(true);
    expect(text(wrong)).toMatch(
      /^Entity light\.kitchen_light was not found\. Closest matches: light\.kitchen_lights/,
    );
  });

  it('lists areas with counts and devices by area', async () => {
    const { areas } = await ok('list_areas');
    expect(areas.find((a: { id: string }) => a.id === 'kitchen')).toMatchObject({
      name: 'Kitchen',
      entities: expect.any(Number),
    });
    const { devices } = await ok('list_devices', { area: 'garage' });
    expect(devices.length).toBeGreaterThan(0);
    expect(devices.every((d: { area: string }) => d.area === 'Garage')).toBe(true);
  });
});

describe('lights', () => {
  it('dims by percent, sets colour temperature and RGB, and reads each back', async () => {
    const dimmed = await ok('turn_on_light', {
      entityId: 'light.office_rgbw_lights',
      brightnessPercent: 50,
    });
    expect(dimmed.light).toMatchObject({ state: 'on', attributes: { brightness: 128 } });
    const warm = await ok('turn_on_light', {
      entityId: 'light.ceiling_lights',
      colorTempKelvin: 2700,
      transition: 0,
    });
    expect(warm.light.attributes).toMatchObject({
      color_temp_kelvin: 2700,
      color_mode: 'color_temp',
    });
    const converted = await ok('turn_on_light', {
      entityId: 'light.living_room_rgbww_lights',
      colorTempKelvin: 3000,
    });
    expect(converted.light).toMatchObject({ state: 'on', attributes: { color_mode: 'rgbww' } });
    const red = await ok('turn_on_light', {
      entityId: 'light.living_room_rgbww_lights',
      rgbColor: [255, 0, 0],
    });
    expect(red.light.attributes.rgb_color).toEqual([255, 0, 0]);
    const off = await ok('turn_off_light', { entityId: 'light.office_rgbw_lights' });
    expect(off.light.state).toBe('off');
    const { lights } = await ok('list_lights', { onlyOn: true });
    expect(lights.map((l: { entity_id: string }) => l.entity_id)).not.toContain(
      'light.office_rgbw_lights',
    );
  });

  it('changes nothing on a dry run and shows the exact change', async () => {
    await ok('turn_off_light', { entityId: 'light.bed_light' });
    const preview = await ok('turn_on_light', {
      entityId: 'light.bed_light',
      brightness: 10,
      dryRun: true,
    });
    expect(preview).toMatchObject({ dryRun: true, applied: false });
    expect(preview.changes).toEqual(
      expect.arrayContaining([
        { path: 'light.bed_light.state', before: 'off', after: 'on' },
        expect.objectContaining({ path: 'light.bed_light.brightness', after: 10 }),
      ]),
    );
    expect(demo.sim.state.states.get('light.bed_light')?.state).toBe('off');
  });

  it('refuses contradictory or misdirected requests before calling Home Assistant', async () => {
    const both = await call(demo, 'turn_on_light', {
      entityId: 'light.bed_light',
      brightness: 10,
      brightnessPercent: 10,
    });
    expect(text(both)).toBe('Give either brightness (0-255) or brightnessPercent, not both.');
    const notLight = await call(demo, 'turn_on_light', { entityId: 'sensor.outside_temperature' });
    expect(text(notLight)).toMatch(
      /^sensor\.outside_temperature is a sensor entity; this tool works on light entities/,
    );
    const range = await call(demo, 'turn_on_light', {
      entityId: 'light.bed_light',
      brightness: 300,
    });
    expect(text(range)).toMatch(/^Invalid arguments for turn_on_light: brightness: Too big/);
  });
});

describe('climate', () => {
  it('sets a temperature and a mode the device supports, and refuses the rest', async () => {
    const set = await ok('set_climate_temperature', { entityId: 'climate.hvac', temperature: 21 });
    expect(set.device.attributes.temperature).toBe(21);
    const { devices } = await ok('list_climate_devices');
    const hvac = devices.find((d: { entity_id: string }) => d.entity_id === 'climate.hvac');
    const unsupported = ['off', 'heat', 'cool', 'heat_cool', 'auto', 'dry', 'fan_only'].find(
      (m) => !hvac.attributes.hvac_modes.includes(m),
    );
    if (unsupported) {
      const refused = await call(demo, 'set_hvac_mode', {
        entityId: 'climate.hvac',
        mode: unsupported,
      });
      expect(text(refused)).toMatch(/does not support mode/);
    }
    const mode = await ok('set_hvac_mode', {
      entityId: 'climate.hvac',
      mode: hvac.attributes.hvac_modes[0],
    });
    expect(mode.device.state).toBe(hvac.attributes.hvac_modes[0]);
    const tooHot = await call(demo, 'set_climate_temperature', {
      entityId: 'climate.hvac',
      temperature: 95,
    });
    expect(text(tooHot)).toMatch(/outside .* range/);
  });
});

describe('sensors, history and logbook', () => {
  it('lists sensors by device class and summarises a day of history', async () => {
    const { sensors } = await ok('list_sensors', { deviceClass: 'temperature' });
    expect(sensors.length).toBeGreaterThan(0);
    const history = await ok('get_entity_history', {
      entityId: 'sensor.outside_temperature',
      hours: 24,
      samples: 4,
    });
    expect(history.points).toBeGreaterThan(10);
    expect(history.numeric.min).toBeLessThanOrEqual(history.numeric.mean);
    expect(history.numeric.mean).toBeLessThanOrEqual(history.numeric.max);
    expect(history.samples.length).toBeLessThanOrEqual(4);
    const logbook = await ok('get_logbook', { hours: 24, limit: 5 });
    expect(logbook.entries.length).toBeLessThanOrEqual(5);
  });
});

describe('automations, scenes and scripts', () => {
  it('lists automations, runs one, and shows why runs ended from the traces', async () => {
    const { automations } = await ok('list_automations');
    expect(automations.length).toBeGreaterThan(1);
    const target = automations.find(
      (a: { entity_id: string }) => a.entity_id === 'automation.kitchen_lights_at_sunset',
    );
    expect(target).toBeDefined();
    await ok('run_automation', { entityId: target.entity_id });
    const traces = await ok('get_automation_traces', { entityId: target.entity_id });
    expect(traces.runs.length).toBeGreaterThan(0);
    const withErrors = await Promise.all(
      automations.map((a: { entity_id: string }) =>
        ok('get_automation_traces', { entityId: a.entity_id }),
      ),
    );
    expect(withErrors.flatMap((t) => t.runs).some((r: { error?: string }) => r.error)).toBe(true);
  });

  it('disables and re-enables an automation, activates a scene and runs a script', async () => {
    await ok('set_automation_enabled', { entityId: 'automation.vacation_mode', enabled: false });
    expect(demo.sim.state.states.get('automation.vacation_mode')?.state).toBe('off');
    await ok('set_automation_enabled', { entityId: 'automation.vacation_mode', enabled: true });
    expect(await ok('activate_scene', { entityId: 'scene.romantic' })).toMatchObject({
      applied: true,
    });
    expect(await ok('run_script', { entityId: 'script.movie_time' })).toMatchObject({
      applied: true,
    });
  });
});

describe('diagnostics', () => {
  it('reports the error log, integrations in error, and an invalid configuration', async () => {
    const log = await ok('get_error_log', { minLevel: 'ERROR' });
    expect(
      log.entries.every((e: { level: string }) => ['ERROR', 'CRITICAL'].includes(e.level)),
    ).toBe(true);
    const integrations = await ok('list_integration_errors');
    expect(integrations.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ domain: 'hue', state: 'setup_retry' }),
        expect.objectContaining({
          domain: 'ring',
          state: 'setup_error',
          reason: 'Invalid authentication',
        }),
      ]),
    );
    expect(await ok('check_configuration')).toMatchObject({ valid: true });
    demo.sim.state.configCheck = {
      result: 'invalid',
      errors: 'Invalid config for [light]: expected a dictionary',
      warnings: null,
    };
    expect(await ok('check_configuration')).toMatchObject({
      valid: false,
      errors: expect.stringContaining('Invalid config'),
    });
    demo.sim.state.configCheck = { result: 'valid', errors: null, warnings: null };
  });
});

describe('security and the generic service call', () => {
  it('previews and then locks a door; destructive tools vanish when disabled', async () => {
    const preview = await ok('lock_lock', { entityId: 'lock.kitchen_door', dryRun: true });
    expect(preview.changes).toEqual([
      { path: 'lock.kitchen_door.state', before: 'unlocked', after: 'locked' },
    ]);
    expect(demo.sim.state.states.get('lock.kitchen_door')?.state).toBe('unlocked');
    const locked = await ok('lock_lock', { entityId: 'lock.kitchen_door' });
    expect(['locked', 'locking']).toContain(locked.state);
    const safe = await start({ kit: { disableDestructive: true }, sim: demo.sim });
    const names = (await safe.connected.client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('unlock_lock');
    expect(names).toContain('turn_on_light');
  });

  it('keeps hidden entities out of every tool, including the opt-in generic call', async () => {
    const scoped = await start({
      config: { HA_HIDE_DOMAINS: ['lock'] },
      kit: { enableTools: ['call_home_assistant_service'] },
      sim: demo.sim,
    });
    const search = await ok('search_entities', { query: 'door' }, scoped);
    expect(
      search.entities.some((e: { entity_id: string }) => e.entity_id.startsWith('lock.')),
    ).toBe(false);
    const generic = await call(scoped, 'call_home_assistant_service', {
      domain: 'lock',
      service: 'unlock',
      entityIds: ['lock.front_door'],
    });
    expect(generic.isError).toBe(true);
    expect(text(generic)).toMatch(/^Entity lock\.front_door was not found/);
    const allowed = await ok(
      'call_home_assistant_service',
      { domain: 'light', service: 'toggle', entityIds: ['light.bed_light'], dryRun: true },
      scoped,
    );
    expect(allowed).toMatchObject({ dryRun: true, applied: false });
  });
});

describe('when Home Assistant misbehaves', () => {
  it('says the connection was lost mid-call (and that the call may have applied), then recovers', async () => {
    demo.sim.wsFaults.inject({ command: 'call_service', kind: 'drop', times: 1 });
    const lost = await call(demo, 'turn_on_light', { entityId: 'light.bed_light' });
    expect(lost.isError).toBe(true);
    expect(text(lost)).toMatch(
      /^Home Assistant: connection was lost during call_service\. The command may or may not have been applied/,
    );
    const later = await eventuallyOk('turn_on_light', {
      entityId: 'light.bed_light',
      brightness: 200,
    });
    expect(later.light.attributes.brightness).toBe(200);
  });

  it('answers a slow Home Assistant with a timeout naming the command', async () => {
    demo.sim.wsFaults.inject({ command: 'call_service', kind: 'delay', ms: 2500, times: 1 });
    const slow = await call(demo, 'turn_off_light', { entityId: 'light.bed_light' });
    expect(text(slow)).toMatch(/^Home Assistant: did not answer call_service within 1\.5 s/);
  });

  it('passes Home Assistant errors through as actionable messages', async () => {
    demo.sim.wsFaults.inject({
      command: 'call_service',
      kind: 'error',
      code: 'home_assistant_error',
      message: 'Bridge offline',
      times: 1,
    });
    const failed = await call(demo, 'turn_off_light', { entityId: 'light.bed_light' });
    expect(text(failed)).toBe(
      'Home Assistant: call_service failed (home_assistant_error): Bridge offline. Check the Home Assistant log for details.',
    );
  });

  it('keeps its cache and subscriptions across a restart of Home Assistant', async () => {
    const running = await start();
    await ok('list_lights', {}, running);
    expect(running.sim.disconnectAll()).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1500));
    setEntityState(running.sim.state, 'sensor.outside_temperature', '31.5', {
      ...running.sim.state.states.get('sensor.outside_temperature')?.attributes,
    });
    const read = await eventually(
      () => ok('get_entity', { entityId: 'sensor.outside_temperature' }, running),
      (e) => e.state === '31.5',
    );
    expect(read.state).toBe('31.5');
  });

  it('reports a refused token clearly, in tools and in readiness', async () => {
    const sim = await startHomeAssistantSim({
      token: TOKEN,
      state: createHomeAssistantState({ seed: 'demo', token: TOKEN }),
    });
    sim.state.rejectAuth = true;
    const refused = await start({ sim });
    const result = await call(refused, 'list_lights');
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/^Home Assistant: refused the token .*Check HA_TOKEN/);
    const status = JSON.parse(
      (
        (await refused.connected.client.readResource({ uri: 'health://status' })).contents[0] as {
          text: string;
        }
      ).text,
    );
    expect(status.upstreams[0]).toMatchObject({ name: 'Home Assistant', ok: false });
    await sim.close();
  });

  it('reports an unreachable Home Assistant with the URL to check', async () => {
    const sim = await startHomeAssistantSim({ token: TOKEN });
    await sim.close();
    const down = await start({ sim });
    const result = await call(down, 'list_lights');
    expect(text(result)).toMatch(
      /^Home Assistant: is not connected \(.*\); reconnecting in the background\. Check that Home Assistant is running at HA_URL=http:\/\/127\.0\.0\.1:\d+/,
    );
  });

  it('never puts the token in a log line or a tool result', async () => {
    const everything = JSON.stringify(
      await Promise.all([
        call(demo, 'list_lights'),
        call(demo, 'get_error_log'),
        call(demo, 'get_entity', { entityId: 'nope.nope' }),
      ]),
    );
    expect(everything).not.toContain(TOKEN);
    expect(started.flatMap((r) => r.lines).join('\n')).not.toContain(TOKEN);
  });
});

describe('a home with 2,400 more entities', () => {
  it('answers searches paged and small, never megabytes', async () => {
    const large = await start({ seed: 'large' });
    const all = await call(large, 'search_entities', { limit: 200 });
    const body = all.structuredContent as { total: number; hasMore: boolean; entities: unknown[] };
    expect(body.total).toBeGreaterThan(2400);
    expect(body.hasMore).toBe(true);
    expect(body.entities).toHaveLength(200);
    expect(JSON.stringify(all).length).toBeLessThan(100_000);
    const defaults = await call(large, 'list_sensors');
    expect(JSON.stringify(defaults).length).toBeLessThan(20_000);
  });
});

function eventuallyOk(name: string, args: Record<string, unknown>) {
  return eventually(
    () => ok(name, args),
    () => true,
  );
}
