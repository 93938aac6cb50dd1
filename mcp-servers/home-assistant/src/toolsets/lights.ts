// Lights: the seed's list_lights, turn_on_light and turn_off_light, with brightness (0-255 or
// percent), colour temperature, RGB and transition; dry run shows the exact change, a real call
// reads the new state back.
import { InvalidInputError, mutationOutput } from '@homelab/kit';
import { z } from 'zod';
import {
  byName,
  CHANGE,
  entitySummarySchema,
  page,
  pageInput,
  pageOutput,
  READ,
  READ_BACK_MS,
  stateChanges,
  summarize,
  tool,
  inArea,
} from './common.js';

const LIGHT_ATTRIBUTES = [
  'brightness',
  'color_mode',
  'color_temp_kelvin',
  'rgb_color',
  'supported_color_modes',
  'min_color_temp_kelvin',
  'max_color_temp_kelvin',
];

export const listLights = tool.read({
  name: 'list_lights',
  title: 'List lights',
  description:
    'Lights with on/off state, brightness (0-255) and colour, optionally only one area or only those that are on.',
  input: z.object({
    area: z.string().max(100).optional().describe('Only lights in this area (name or id, fuzzy)'),
    onlyOn: z.boolean().default(false).describe('Only lights that are on'),
    ...pageInput,
  }),
  output: z.object({
    ...pageOutput,
    lights: z.array(entitySummarySchema).describe('Lights, by name'),
  }),
  annotations: READ,
  risk: 'read',
  text: (out) =>
    `${out.total} light(s):\n` +
    out.lights
      .map(
        (l) =>
          `- ${l.entity_id} "${l.name}" ${l.state}${typeof l.attributes?.brightness === 'number' ? ` (brightness ${l.attributes.brightness})` : ''}`,
      )
      .join('\n'),
  handler: async (input, ctx) => {
    await ctx.clients.ha.ready(ctx.signal);
    const lights = ctx.clients.ha
      .entities()
      .filter((e) => e.domain === 'light')
      .filter((e) => !input.onlyOn || e.state === 'on')
      .filter((e) => inArea(e.area, input.area))
      .sort(byName);
    const { items, ...paging } = page(lights, input);
    return { ...paging, lights: items.map((l) => summarize(l, LIGHT_ATTRIBUTES)) };
  },
});

const lightResult = mutationOutput({
  light: entitySummarySchema.optional().describe('The light after the change (read back)'),
});

export const turnOnLight = tool.write({
  name: 'turn_on_light',
  title: 'Turn on a light',
  description:
    'Turn a light on, optionally setting brightness (0-255, or percent), colour temperature in kelvin, RGB colour, and a transition in seconds. Returns the state read back.',
  input: z.object({
    entityId: z
      .string()
      .min(3)
      .max(255)
      .describe('Light entity id, e.g. light.kitchen_lights (use search_entities to find it)'),
    brightness: z.number().int().min(0).max(255).optional().describe('Brightness 0-255'),
    brightnessPercent: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .describe('Brightness in percent (instead of brightness)'),
    colorTempKelvin: z
      .number()
      .int()
      .min(1000)
      .max(12000)
      .optional()
      .describe('Colour temperature in kelvin, e.g. 2700 warm, 6500 cold'),
    rgbColor: z
      .array(z.number().int().min(0).max(255))
      .length(3)
      .optional()
      .describe('RGB colour as [r, g, b], each 0-255'),
    transition: z.number().min(0).max(300).optional().describe('Fade time in seconds'),
  }),
  output: lightResult,
  annotations: CHANGE,
  risk: 'low',
  handler: async (input, ctx) => {
    const ha = ctx.clients.ha;
    await ha.ready(ctx.signal);
    if (input.brightness !== undefined && input.brightnessPercent !== undefined) {
      throw new InvalidInputError('Give either brightness (0-255) or brightnessPercent, not both');
    }
    if (input.colorTempKelvin !== undefined && input.rgbColor !== undefined) {
      throw new InvalidInputError('Give either colorTempKelvin or rgbColor, not both');
    }
    const light = ha.requireEntity(input.entityId, ['light']);
    const data: Record<string, unknown> = {};
    const expected: Record<string, unknown> = {};
    if (input.brightness !== undefined) data.brightness = expected.brightness = input.brightness;
    if (input.brightnessPercent !== undefined) {
      data.brightness_pct = input.brightnessPercent;
      expected.brightness = Math.round((input.brightnessPercent / 100) * 255);
    }
    // Home Assistant converts a colour the light has no mode for (kelvin on an RGBWW light), so
    // the read-back only expects the attribute when the light reports it natively.
    const modes = Array.isArray(light.attributes.supported_color_modes)
      ? (light.attributes.supported_color_modes as string[])
      : [];
    if (input.colorTempKelvin !== undefined) {
      data.color_temp_kelvin = input.colorTempKelvin;
      if (modes.includes('color_temp')) expected.color_temp_kelvin = input.colorTempKelvin;
    }
    if (input.rgbColor !== undefined) {
      data.rgb_color = input.rgbColor;
      if (modes.includes('rgb')) expected.rgb_color = input.rgbColor;
    }
    if (input.transition !== undefined) data.transition = input.transition;
    const offRequested = expected.brightness === 0;
    const changes = stateChanges(light.entity_id, light, {
      state: offRequested ? 'off' : 'on',
      attributes: offRequested ? {} : expected,
    });
    const what = `${light.name} (${light.entity_id})`;
    if (input.dryRun)
      return { dryRun: true, applied: false, summary: `Would turn on ${what}`, changes };
    await ha.callService('light', 'turn_on', { entity_id: light.entity_id }, data, ctx.signal);
    const settled = (s: { state: string; attributes: Record<string, unknown> }) =>
      s.state === (offRequested ? 'off' : 'on') &&
      (offRequested ||
        Object.entries(expected).every(
          ([key, value]) => JSON.stringify(s.attributes[key]) === JSON.stringify(value),
        ));
    const after = await ha.waitForState(light.entity_id, settled, READ_BACK_MS);
    const read = after ? ha.requireEntity(light.entity_id) : undefined;
    return {
      dryRun: false,
      applied: true,
      summary: `Turned on ${what}`,
      changes,
      light: read ? summarize(read, LIGHT_ATTRIBUTES) : undefined,
    };
  },
});

export const turnOffLight = tool.write({
  name: 'turn_off_light',
  title: 'Turn off a light',
  description:
    'Turn a light off, optionally fading over a transition in seconds. Returns the state read back.',
  input: z.object({
    entityId: z.string().min(3).max(255).describe('Light entity id, e.g. light.kitchen_lights'),
    transition: z.number().min(0).max(300).optional().describe('Fade time in seconds'),
  }),
  output: lightResult,
  annotations: CHANGE,
  risk: 'low',
  handler: async (input, ctx) => {
    const ha = ctx.clients.ha;
    await ha.ready(ctx.signal);
    const light = ha.requireEntity(input.entityId, ['light']);
    const changes = stateChanges(light.entity_id, light, { state: 'off' });
    const what = `${light.name} (${light.entity_id})`;
    if (input.dryRun)
      return { dryRun: true, applied: false, summary: `Would turn off ${what}`, changes };
    await ha.callService(
      'light',
      'turn_off',
      { entity_id: light.entity_id },
      input.transition !== undefined ? { transition: input.transition } : {},
      ctx.signal,
    );
    const after = await ha.waitForState(light.entity_id, (s) => s.state === 'off', READ_BACK_MS);
    const read = after ? ha.requireEntity(light.entity_id) : undefined;
    return {
      dryRun: false,
      applied: true,
      summary: `Turned off ${what}`,
      changes,
      light: read ? summarize(read, LIGHT_ATTRIBUTES) : undefined,
    };
  },
});

export const lightsToolset = tool.toolset({
  name: 'lights',
  description: 'List and switch lights',
  tools: [listLights, turnOnLight, turnOffLight],
});
