// Sensors and history: sensors by device class and area, an entity's history over a period
// summarised (min/max/mean/last, change count) instead of thousands of raw points, and logbook
// entries. History and logbook use REST: those are the documented endpoints.
import { InvalidInputError } from '@homelab/kit';
import { z } from 'zod';
import {
  byName,
  entitySummarySchema,
  page,
  pageInput,
  pageOutput,
  READ,
  summarize,
  tool,
  inArea,
} from './common.js';

export const listSensors = tool.read({
  name: 'list_sensors',
  title: 'List sensors',
  description:
    'Sensor and binary sensor readings, filtered by device class (temperature, humidity, motion, door, power...) and area.',
  input: z.object({
    deviceClass: z.string().max(50).optional().describe('Only this device class, e.g. temperature'),
    area: z.string().max(100).optional().describe('Only sensors in this area (name or id, fuzzy)'),
    ...pageInput,
  }),
  output: z.object({
    ...pageOutput,
    sensors: z.array(entitySummarySchema).describe('Sensors, by name'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    await ctx.clients.ha.ready(ctx.signal);
    const sensors = ctx.clients.ha
      .entities()
      .filter((e) => e.domain === 'sensor' || e.domain === 'binary_sensor')
      .filter(
        (e) => !input.deviceClass || e.attributes.device_class === input.deviceClass.toLowerCase(),
      )
      .filter((e) => inArea(e.area, input.area))
      .sort(byName);
    const { items, ...paging } = page(sensors, input);
    return {
      ...paging,
      sensors: items.map((s) =>
        summarize(s, ['unit_of_measurement', 'device_class', 'state_class']),
      ),
    };
  },
});

const historyPoint = z.object({ state: z.string(), last_changed: z.string().optional() }).loose();

function periodOf(input: { hours: number; start?: string; end?: string }): {
  start: Date;
  end: Date;
} {
  const end = input.end ? new Date(input.end) : new Date();
  const start = input.start
    ? new Date(input.start)
    : new Date(end.getTime() - input.hours * 3_600_000);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()))
    throw new InvalidInputError('start and end must be ISO-8601 times');
  if (start >= end) throw new InvalidInputError('start must be before end');
  return { start, end };
}

const periodInput = {
  hours: z
    .number()
    .min(0.1)
    .max(24 * 31)
    .default(24)
    .describe('How far back to look, in hours (ignored when start is given)'),
  start: z
    .string()
    .max(40)
    .optional()
    .describe('Period start, ISO-8601 (default: now minus hours)'),
  end: z.string().max(40).optional().describe('Period end, ISO-8601 (default: now)'),
};

export const getEntityHistory = tool.read({
  name: 'get_entity_history',
  title: 'Entity history',
  description:
    'What an entity did over a period, summarised: for numbers min, max, mean and last; for states the time in each state; plus how often it changed. Optionally a few sample points.',
  input: z.object({
    entityId: z.string().min(3).max(255).describe('Entity id'),
    ...periodInput,
    samples: z
      .number()
      .int()
      .min(0)
      .max(100)
      .default(0)
      .describe('Also return up to this many evenly spaced raw points'),
  }),
  output: z.object({
    entityId: z.string().describe('Entity id'),
    start: z.string().describe('Period start'),
    end: z.string().describe('Period end'),
    points: z.number().describe('Recorded states in the period'),
    changes: z.number().describe('How many times the state changed'),
    numeric: z
      .object({ min: z.number(), max: z.number(), mean: z.number(), last: z.number() })
      .optional()
      .describe('For numeric states: min, max, time-unweighted mean and last value'),
    unit: z.string().optional().describe('Unit of measurement'),
    stateCounts: z
      .record(z.string(), z.number())
      .optional()
      .describe('For non-numeric states: how many times each state was recorded'),
    last: z.string().optional().describe('Last state in the period'),
    samples: z
      .array(z.object({ time: z.string(), state: z.string() }))
      .optional()
      .describe('Evenly spaced raw points'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    const ha = ctx.clients.ha;
    await ha.ready(ctx.signal);
    const entity = ha.requireEntity(input.entityId);
    const { start, end } = periodOf(input);
    const history = await ha.rest.get(
      `/api/history/period/${encodeURIComponent(start.toISOString())}`,
      {
        query: {
          filter_entity_id: entity.entity_id,
          end_time: end.toISOString(),
          minimal_response: '',
          no_attributes: '',
        },
        schema: z.array(z.array(historyPoint)),
        signal: ctx.signal,
      },
    );
    const points = history
      .flat()
      .map((p) => ({ state: p.state, time: p.last_changed ?? start.toISOString() }));
    const usable = points.filter((p) => p.state !== 'unavailable' && p.state !== 'unknown');
    let changes = 0;
    for (let i = 1; i < points.length; i++)
      if (points[i]?.state !== points[i - 1]?.state) changes++;
    const numbers = usable.map((p) => Number(p.state));
    const numeric = usable.length > 0 && numbers.every((n) => Number.isFinite(n));
    const sampleStep =
      input.samples > 0 && points.length > 0
        ? Math.max(1, Math.floor(points.length / input.samples))
        : 0;
    const unit =
      typeof entity.attributes.unit_of_measurement === 'string'
        ? entity.attributes.unit_of_measurement
        : undefined;
    return {
      entityId: entity.entity_id,
      start: start.toISOString(),
      end: end.toISOString(),
      points: points.length,
      changes,
      unit,
      last: points.at(-1)?.state,
      ...(numeric
        ? {
            numeric: {
              min: Math.min(...numbers),
              max: Math.max(...numbers),
              mean: Math.round((numbers.reduce((a, b) => a + b, 0) / numbers.length) * 100) / 100,
              last: numbers.at(-1) as number,
            },
          }
        : {
            stateCounts: points.reduce<Record<string, number>>(
              (acc, p) => ({ ...acc, [p.state]: (acc[p.state] ?? 0) + 1 }),
              {},
            ),
          }),
      ...(sampleStep > 0
        ? { samples: points.filter((_, i) => i % sampleStep === 0).slice(0, input.samples) }
        : {}),
    };
  },
});

const logbookEntry = z
  .object({
    when: z.union([z.string(), z.number()]),
    name: z.string().optional(),
    message: z.string().optional(),
    entity_id: z.string().optional(),
    state: z.string().optional(),
  })
  .loose();

export const getLogbook = tool.read({
  name: 'get_logbook',
  title: 'Logbook',
  description:
    'Logbook entries (what happened, when, and why) for the whole home or one entity, newest first.',
  input: z.object({
    entityId: z.string().min(3).max(255).optional().describe('Only this entity'),
    ...periodInput,
    ...pageInput,
  }),
  output: z.object({
    ...pageOutput,
    entries: z
      .array(
        z.object({
          when: z.string().describe('Time of the entry'),
          name: z.string().optional().describe('Entity name'),
          entityId: z.string().optional().describe('Entity id'),
          message: z.string().optional().describe('What happened'),
          state: z.string().optional().describe('New state'),
        }),
      )
      .describe('Entries, newest first'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    const ha = ctx.clients.ha;
    await ha.ready(ctx.signal);
    const entity = input.entityId ? ha.requireEntity(input.entityId) : undefined;
    const { start, end } = periodOf(input);
    const entries = await ha.rest.get(`/api/logbook/${encodeURIComponent(start.toISOString())}`, {
      query: { end_time: end.toISOString(), entity: entity?.entity_id },
      schema: z.array(logbookEntry),
      signal: ctx.signal,
    });
    const visible = ha.entities().map((e) => e.entity_id);
    const allowed = new Set(visible);
    const normalized = entries
      .filter((e) => !e.entity_id || allowed.has(e.entity_id))
      .map((e) => ({
        when: typeof e.when === 'number' ? new Date(e.when * 1000).toISOString() : e.when,
        name: e.name,
        entityId: e.entity_id,
        message: e.message,
        state: e.state,
      }))
      .sort((a, b) => b.when.localeCompare(a.when));
    const { items, ...paging } = page(normalized, input);
    return { ...paging, entries: items };
  },
});

export const sensorsToolset = tool.toolset({
  name: 'sensors',
  description: 'Sensors, history and logbook',
  tools: [listSensors, getEntityHistory, getLogbook],
});
