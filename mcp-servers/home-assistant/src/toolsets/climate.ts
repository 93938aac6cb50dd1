// Climate: thermostats and HVAC, with target temperature and HVAC mode checked against what the
// device supports before anything is sent.
import { InvalidInputError, mutationOutput } from '@homelab/kit';
import { z } from 'zod';
import {
  byName,
  CHANGE,
  entitySummarySchema,
  READ,
  READ_BACK_MS,
  stateChanges,
  summarize,
  tool,
} from './common.js';

const CLIMATE_ATTRIBUTES = [
  'current_temperature',
  'temperature',
  'target_temp_low',
  'target_temp_high',
  'hvac_action',
  'hvac_modes',
  'min_temp',
  'max_temp',
  'current_humidity',
  'preset_mode',
];

export const listClimateDevices = tool.read({
  name: 'list_climate_devices',
  title: 'List climate devices',
  description:
    'Thermostats and HVAC units with HVAC mode (the state), current and target temperature, and the modes each supports.',
  input: z.object({}),
  output: z.object({ devices: z.array(entitySummarySchema).describe('Climate entities, by name') }),
  annotations: READ,
  risk: 'read',
  handler: async (_input, ctx) => {
    await ctx.clients.ha.ready(ctx.signal);
    const devices = ctx.clients.ha
      .entities()
      .filter((e) => e.domain === 'climate')
      .sort(byName);
    return { devices: devices.map((d) => summarize(d, CLIMATE_ATTRIBUTES)) };
  },
});

const climateResult = mutationOutput({
  device: entitySummarySchema.optional().describe('The device after the change (read back)'),
});

export const setClimateTemperature = tool.write({
  name: 'set_climate_temperature',
  title: 'Set target temperature',
  description:
    "Set a thermostat's target temperature (in the home's unit), or a low/high range for heat_cool mode. Checked against the device's min and max.",
  input: z.object({
    entityId: z.string().min(3).max(255).describe('Climate entity id, e.g. climate.ecobee'),
    temperature: z.number().min(-50).max(100).optional().describe('Target temperature'),
    targetLow: z
      .number()
      .min(-50)
      .max(100)
      .optional()
      .describe('Lower bound (heat_cool mode, with targetHigh)'),
    targetHigh: z
      .number()
      .min(-50)
      .max(100)
      .optional()
      .describe('Upper bound (heat_cool mode, with targetLow)'),
  }),
  output: climateResult,
  annotations: CHANGE,
  risk: 'low',
  handler: async (input, ctx) => {
    const ha = ctx.clients.ha;
    await ha.ready(ctx.signal);
    const device = ha.requireEntity(input.entityId, ['climate']);
    const range = input.targetLow !== undefined || input.targetHigh !== undefined;
    if (
      range &&
      (input.targetLow === undefined ||
        input.targetHigh === undefined ||
        input.targetLow >= input.targetHigh)
    ) {
      throw new InvalidInputError(
        'Give both targetLow and targetHigh, with targetLow below targetHigh',
      );
    }
    if (!range && input.temperature === undefined)
      throw new InvalidInputError('Give temperature, or targetLow and targetHigh');
    if (range && input.temperature !== undefined)
      throw new InvalidInputError('Give temperature or a targetLow/targetHigh range, not both');
    const min =
      typeof device.attributes.min_temp === 'number' ? device.attributes.min_temp : -Infinity;
    const max =
      typeof device.attributes.max_temp === 'number' ? device.attributes.max_temp : Infinity;
    for (const value of [input.temperature, input.targetLow, input.targetHigh]) {
      if (value !== undefined && (value < min || value > max)) {
        throw new InvalidInputError(`${value} is outside ${device.name}'s range ${min}-${max}`);
      }
    }
    const data: Record<string, number> = range
      ? { target_temp_low: input.targetLow as number, target_temp_high: input.targetHigh as number }
      : { temperature: input.temperature as number };
    const changes = stateChanges(device.entity_id, device, { attributes: data });
    const summaryText = range ? `${input.targetLow}-${input.targetHigh}` : `${input.temperature}`;
    if (input.dryRun)
      return {
        dryRun: true,
        applied: false,
        summary: `Would set ${device.name} to ${summaryText}`,
        changes,
      };
    await ha.callService(
      'climate',
      'set_temperature',
      { entity_id: device.entity_id },
      data,
      ctx.signal,
    );
    await ha.waitForState(
      device.entity_id,
      (s) => Object.entries(data).every(([k, v]) => s.attributes[k] === v),
      READ_BACK_MS,
    );
    return {
      dryRun: false,
      applied: true,
      summary: `Set ${device.name} to ${summaryText}`,
      changes,
      device: summarize(ha.requireEntity(device.entity_id), CLIMATE_ATTRIBUTES),
    };
  },
});

export const setHvacMode = tool.write({
  name: 'set_hvac_mode',
  title: 'Set HVAC mode',
  description:
    "Switch a thermostat's HVAC mode (off, heat, cool, heat_cool, auto, dry, fan_only), checked against the modes the device supports.",
  input: z.object({
    entityId: z.string().min(3).max(255).describe('Climate entity id'),
    mode: z
      .enum(['off', 'heat', 'cool', 'heat_cool', 'auto', 'dry', 'fan_only'])
      .describe('The HVAC mode'),
  }),
  output: climateResult,
  annotations: CHANGE,
  risk: 'low',
  handler: async (input, ctx) => {
    const ha = ctx.clients.ha;
    await ha.ready(ctx.signal);
    const device = ha.requireEntity(input.entityId, ['climate']);
    const supported = Array.isArray(device.attributes.hvac_modes)
      ? (device.attributes.hvac_modes as string[])
      : undefined;
    if (supported && !supported.includes(input.mode)) {
      throw new InvalidInputError(
        `${device.name} does not support mode ${input.mode}; it supports ${supported.join(', ')}`,
      );
    }
    const changes = stateChanges(device.entity_id, device, { state: input.mode });
    if (input.dryRun)
      return {
        dryRun: true,
        applied: false,
        summary: `Would set ${device.name} to ${input.mode}`,
        changes,
      };
    await ha.callService(
      'climate',
      'set_hvac_mode',
      { entity_id: device.entity_id },
      { hvac_mode: input.mode },
      ctx.signal,
    );
    await ha.waitForState(device.entity_id, (s) => s.state === input.mode, READ_BACK_MS);
    return {
      dryRun: false,
      applied: true,
      summary: `Set ${device.name} to ${input.mode}`,
      changes,
      device: summarize(ha.requireEntity(device.entity_id), CLIMATE_ATTRIBUTES),
    };
  },
});

export const climateToolset = tool.toolset({
  name: 'climate',
  description: 'Thermostats and HVAC',
  tools: [listClimateDevices, setClimateTemperature, setHvacMode],
});
