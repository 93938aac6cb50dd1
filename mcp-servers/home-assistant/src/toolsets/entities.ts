// Finding things: fuzzy search over entities by name, area, domain and device class; one
// entity's full state; areas and devices. The model never has to know exact ids.
import { z } from 'zod';
import { matchScore } from '../clients/fuzzy.js';
import {
  byName,
  compactAttributes,
  entitySummarySchema,
  page,
  pageInput,
  pageOutput,
  READ,
  summarize,
  tool,
  inArea,
} from './common.js';

export const searchEntities = tool.read({
  name: 'search_entities',
  title: 'Search entities',
  description:
    'Find Home Assistant entities by fuzzy name ("kitchen lamp"), area, domain and device class. Use this first when you do not know an exact entity id. Results are best match first.',
  input: z.object({
    query: z
      .string()
      .max(200)
      .default('')
      .describe('Words to match against names, ids, areas and devices; empty lists everything'),
    domain: z.string().max(50).optional().describe('Only this domain, e.g. light, sensor, climate'),
    area: z.string().max(100).optional().describe('Only this area (name or id, fuzzy)'),
    deviceClass: z
      .string()
      .max(50)
      .optional()
      .describe('Only this device class, e.g. temperature, motion, door'),
    state: z
      .string()
      .max(100)
      .optional()
      .describe('Only entities in this state, e.g. on, unavailable'),
    ...pageInput,
  }),
  output: z.object({
    ...pageOutput,
    entities: z.array(entitySummarySchema).describe('Matches, best first'),
  }),
  annotations: READ,
  risk: 'read',
  text: (out) =>
    out.entities.length === 0
      ? 'No matching entities.'
      : `${out.total} match(es)${out.hasMore ? ` (showing ${out.entities.length} from ${out.offset})` : ''}:\n` +
        out.entities
          .map((e) => `- ${e.entity_id} "${e.name}" = ${e.state}${e.area ? ` [${e.area}]` : ''}`)
          .join('\n'),
  handler: async (input, ctx) => {
    await ctx.clients.ha.ready(ctx.signal);
    const scored = ctx.clients.ha
      .entities()
      .filter((e) => !input.domain || e.domain === input.domain.toLowerCase())
      .filter(
        (e) => !input.deviceClass || e.attributes.device_class === input.deviceClass.toLowerCase(),
      )
      .filter((e) => !input.state || e.state === input.state)
      .filter((e) => inArea(e.area, input.area))
      .map((e) => ({
        entity: e,
        score: matchScore(input.query, [e.entity_id, e.name, e.area?.name, e.device?.name]),
      }))
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score || byName(a.entity, b.entity));
    const { items, ...paging } = page(scored, input);
    return { ...paging, entities: items.map((s) => summarize(s.entity, 'none')) };
  },
});

export const getEntity = tool.read({
  name: 'get_entity',
  title: 'Get entity',
  description:
    "One entity's current state and all its attributes, with its area and device. Unknown ids get the closest matches.",
  input: z.object({
    entityId: z.string().min(3).max(255).describe('Entity id, e.g. light.kitchen_lights'),
  }),
  output: entitySummarySchema.extend({
    domain: z.string().describe('Domain of the entity'),
    last_updated: z.string().describe('When state or attributes last changed'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    await ctx.clients.ha.ready(ctx.signal);
    const entity = ctx.clients.ha.requireEntity(input.entityId);
    const summary = summarize(entity, 'none');
    return {
      ...summary,
      attributes: compactAttributes(entity.attributes, Object.keys(entity.attributes)),
      domain: entity.domain,
      last_updated: entity.last_updated,
    };
  },
});

export const listAreas = tool.read({
  name: 'list_areas',
  title: 'List areas',
  description:
    'The areas (rooms) of the home, with how many exposed entities and devices each has.',
  input: z.object({}),
  output: z.object({
    areas: z
      .array(
        z.object({
          id: z.string().describe('Area id'),
          name: z.string().describe('Area name'),
          entities: z.number().describe('Exposed entities in the area'),
          devices: z.number().describe('Devices in the area'),
        }),
      )
      .describe('Areas, by name'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (_input, ctx) => {
    await ctx.clients.ha.ready(ctx.signal);
    const entities = ctx.clients.ha.entities();
    const devices = ctx.clients.ha.listDevices();
    const areas = ctx.clients.ha
      .listAreas()
      .map((a) => ({
        id: a.id,
        name: a.name,
        entities: entities.filter((e) => e.area?.id === a.id).length,
        devices: devices.filter((d) => d.areaId === a.id).length,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { areas };
  },
});

export const listDevices = tool.read({
  name: 'list_devices',
  title: 'List devices',
  description:
    'Devices known to Home Assistant (name, maker, model, area), optionally only those of one area.',
  input: z.object({
    area: z.string().max(100).optional().describe('Only devices in this area (name or id, fuzzy)'),
    ...pageInput,
  }),
  output: z.object({
    ...pageOutput,
    devices: z
      .array(
        z.object({
          id: z.string().describe('Device id'),
          name: z.string().describe('Device name'),
          area: z.string().optional().describe('Area name'),
          manufacturer: z.string().optional().describe('Maker'),
          model: z.string().optional().describe('Model'),
        }),
      )
      .describe('Devices, by name'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    await ctx.clients.ha.ready(ctx.signal);
    const ha = ctx.clients.ha;
    const devices = ha
      .listDevices()
      .map((d) => ({ device: d, area: ha.areaOf(d.areaId) }))
      .filter(({ area }) => inArea(area, input.area))
      .sort((a, b) => a.device.name.localeCompare(b.device.name));
    const { items, ...paging } = page(devices, input);
    return {
      ...paging,
      devices: items.map(({ device, area }) => ({
        id: device.id,
        name: device.name,
        area: area?.name,
        manufacturer: device.manufacturer,
        model: device.model,
      })),
    };
  },
});

export const entitiesToolset = tool.toolset({
  name: 'entities',
  description: 'Find entities, areas and devices',
  tools: [searchEntities, getEntity, listAreas, listDevices],
});
