// The Home Assistant server against a real Home Assistant (2024.3, demo integration): the tools
// find, switch and dim real demo lights, set a real thermostat, trigger an automation and read
// the results back, read history, logbook, traces and diagnostics, and keep secrets out.
import {
  connectInMemory,
  HOME_ASSISTANT_FIXTURE,
  startHomeAssistant,
  testDeps,
  type ConnectedClient,
  eventually,
} from '@homelab/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HomeAssistantConfig } from '../../src/config.js';
import { buildServer, createClients, type HomeAssistantClients } from '../../src/server.js';

type RealHomeAssistant = Awaited<ReturnType<typeof startHomeAssistant>>;

let ha: RealHomeAssistant;
let connected: ConnectedClient;
let clients: HomeAssistantClients;
let deps: ReturnType<typeof testDeps<undefined, HomeAssistantConfig>>;

async function call(name: string, args: Record<string, unknown> = {}) {
  const result = await connected.client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, unknown>;
}

beforeAll(async () => {
  ha = await startHomeAssistant();
  const config: HomeAssistantConfig = {
    HA_URL: ha.url,
    HA_TOKEN: ha.token,
    HA_TIMEOUT_MS: 8000,
    HA_EXPOSE_DOMAINS: [],
    HA_HIDE_DOMAINS: [],
    HA_EXPOSE_AREAS: [],
    HA_EXPOSE_ENTITIES: [],
    HA_HIDE_ENTITIES: [],
  };
  deps = testDeps(undefined, config, { secrets: [ha.token], kit: { toolTimeoutMs: 9000 } });
  clients = createClients(config, deps);
  clients.ha.start();
  connected = await connectInMemory(buildServer({ ...deps, clients }));
});

afterAll(async () => {
  await connected?.close();
  clients?.ha.close();
  await ha?.stop();
});

describe('home-assistant server on a real Home Assistant', () => {
  it('finds the demo lights by fuzzy name and lists them', async () => {
    const lights = await call('list_lights');
    const ids = (lights.lights as Array<{ entity_id: string }>).map((l) => l.entity_id);
    expect(ids).toEqual(
      expect.arrayContaining(['light.bed_light', 'light.ceiling_lights', 'light.kitchen_lights']),
    );
    const found = await call('search_entities', { query: 'kitchn lights', domain: 'light' });
    expect((found.entities as Array<{ entity_id: string }>)[0]?.entity_id).toBe(
      'light.kitchen_lights',
    );
  });

  it('switches and dims a real light and reads the new state back', async () => {
    const off = await call('turn_off_light', { entityId: 'light.ceiling_lights' });
    expect(off).toMatchObject({ applied: true, light: { state: 'off' } });
    const preview = await call('turn_on_light', {
      entityId: 'light.ceiling_lights',
      brightnessPercent: 40,
      dryRun: true,
    });
    expect(preview).toMatchObject({ dryRun: true, applied: false });
    expect((await call('get_entity', { entityId: 'light.ceiling_lights' })).state).toBe('off');
    const on = await call('turn_on_light', { entityId: 'light.ceiling_lights', brightness: 77 });
    expect(on).toMatchObject({
      applied: true,
      light: { state: 'on', attributes: { brightness: 77 } },
    });
    const entity = await call('get_entity', { entityId: 'light.ceiling_lights' });
    expect(entity).toMatchObject({ state: 'on', attributes: { brightness: 77 } });
  });

  it('sets a real thermostat and its HVAC mode', async () => {
    const climate = await call('list_climate_devices');
    const ecobee = (
      climate.devices as Array<{ entity_id: string; attributes: { hvac_modes?: string[] } }>
    ).find((d) => d.entity_id === 'climate.ecobee');
    expect(ecobee).toBeDefined();
    const set = await call('set_climate_temperature', {
      entityId: 'climate.hvac',
      temperature: 22,
    });
    expect(set).toMatchObject({ applied: true, device: { attributes: { temperature: 22 } } });
    const mode = await call('set_hvac_mode', { entityId: 'climate.hvac', mode: 'heat' });
    expect(mode).toMatchObject({ applied: true, device: { state: 'heat' } });
    const refused = await connected.client.callTool({
      name: 'set_climate_temperature',
      arguments: { entityId: 'climate.hvac', temperature: 99 },
    });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toMatch(/outside .* range/);
  });

  it('triggers an automation, sees its effect, and explains the run from its trace', async () => {
    const { automation } = HOME_ASSISTANT_FIXTURE;
    await call('turn_off_light', { entityId: 'light.bed_light' });
    const listed = await call('list_automations');
    expect(listed.automations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ entity_id: automation.entityId, enabled: true }),
      ]),
    );
    expect(await call('run_automation', { entityId: automation.entityId })).toMatchObject({
      applied: true,
    });
    const bed = await eventually(
      () => call('get_entity', { entityId: 'light.bed_light' }),
      (e) => e.state === 'on',
    );
    expect(bed.state).toBe('on');
    const traces = await eventually(
      () => call('get_automation_traces', { entityId: automation.entityId }),
      (t) => (t.runs as unknown[]).length > 0,
    );
    expect((traces.runs as Array<{ result: string }>)[0]).toMatchObject({ result: 'finished' });
    expect(
      await call('set_automation_enabled', { entityId: automation.entityId, enabled: false }),
    ).toMatchObject({ applied: true });
    expect((await call('list_automations', { onlyEnabled: true })).automations).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ entity_id: automation.entityId })]),
    );
    await call('set_automation_enabled', { entityId: automation.entityId, enabled: true });
  });

  it('summarises history and reads the logbook of a changed light', async () => {
    const history = await eventually(
      () => call('get_entity_history', { entityId: 'light.ceiling_lights', hours: 1 }),
      (h) => (h.changes as number) >= 1,
    );
    expect(history.stateCounts).toBeDefined();
    const logbook = await eventually(
      () => call('get_logbook', { entityId: 'light.ceiling_lights', hours: 1 }),
      (l) => (l.total as number) > 0,
    );
    expect((logbook.entries as Array<{ entityId?: string }>)[0]?.entityId).toBe(
      'light.ceiling_lights',
    );
  });

  it('reads diagnostics: error log, configuration check, integrations in error', async () => {
    const log = await call('get_error_log', { minLevel: 'WARNING' });
    expect(log.total as number).toBeGreaterThan(0);
    expect(await call('check_configuration')).toMatchObject({ valid: true });
    expect(await call('list_integration_errors')).toMatchObject({ problems: [] });
  });

  it('runs a script and activates a scene', async () => {
    expect(
      await call('run_script', { entityId: HOME_ASSISTANT_FIXTURE.script.entityId }),
    ).toMatchObject({ applied: true });
    expect(
      await call('activate_scene', { entityId: HOME_ASSISTANT_FIXTURE.scene.entityId }),
    ).toMatchObject({ applied: true });
  });

  it('previews and performs a high-risk lock change', async () => {
    const preview = await call('lock_lock', { entityId: 'lock.kitchen_door', dryRun: true });
    expect(preview).toMatchObject({
      applied: false,
      changes: [{ path: 'lock.kitchen_door.state', before: 'unlocked', after: 'locked' }],
    });
    const locked = await call('lock_lock', { entityId: 'lock.kitchen_door' });
    expect(locked).toMatchObject({ applied: true, state: 'locked' });
  });

  it('names close matches for a wrong entity id and never leaks the token', async () => {
    const wrong = await connected.client.callTool({
      name: 'get_entity',
      arguments: { entityId: 'light.kitchen_light' },
    });
    expect(wrong.isError).toBe(true);
    expect(JSON.stringify(wrong.content)).toContain('light.kitchen_lights');
    expect(deps.captured.lines.join('\n')).not.toContain(ha.token);
  });
});
