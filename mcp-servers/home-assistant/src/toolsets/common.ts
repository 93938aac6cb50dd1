// What every Home Assistant toolset shares: the typed tool factory, compact entity summaries
// (a model needs ids, names, state and a few attributes, not 2 MB of JSON), paging, and the
// dry-run/read-back pattern of every change.
import { diffValues, toolFactory, type Change } from '@homelab/kit';
import { z } from 'zod';
import { matchScore } from '../clients/fuzzy.js';
import type {
  Area,
  EntityView,
  HassState,
  HomeAssistantClient,
} from '../clients/home-assistant.js';
import type { HomeAssistantConfig } from '../config.js';

export interface HomeAssistantClients {
  ha: HomeAssistantClient;
}

export {
  READ_ANNOTATIONS as READ,
  CHANGE_ANNOTATIONS as CHANGE,
  DESTRUCTIVE_ANNOTATIONS as DESTRUCTIVE,
} from '@homelab/kit';

export const tool = toolFactory<HomeAssistantClients, HomeAssistantConfig>();

/** Attributes that are large or useless to a model; dropped from summaries. */
const NOISY_ATTRIBUTES = new Set([
  'friendly_name',
  'entity_picture',
  'icon',
  'supported_features',
  'effect_list',
  'source_list',
  'sound_mode_list',
  'preset_modes',
  'fan_modes',
  'swing_modes',
  'attribution',
  'id',
  'editable',
  'context',
  'hs_color',
  'xy_color',
  'rgbw_color',
  'rgbww_color',
]);

/** Scalar attributes only, noise removed, long strings cut. */
export function compactAttributes(
  attributes: Record<string, unknown>,
  keep?: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (keep && !keep.includes(key)) continue;
    if (!keep && NOISY_ATTRIBUTES.has(key)) continue;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
      out[key] =
        typeof value === 'string' && value.length > 200 ? `${value.slice(0, 200)}…` : value;
    } else if (
      Array.isArray(value) &&
      value.length <= 8 &&
      value.every((v) => ['string', 'number'].includes(typeof v))
    ) {
      out[key] = value;
    }
  }
  return out;
}

export const entitySummarySchema = z.object({
  entity_id: z.string().describe('Entity id, e.g. light.kitchen'),
  name: z.string().describe('Friendly name'),
  state: z.string().describe('Current state as Home Assistant reports it'),
  area: z.string().optional().describe('Area name'),
  device: z.string().optional().describe('Device name'),
  attributes: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('Relevant attributes (trimmed)'),
  last_changed: z.string().describe('When the state last changed'),
});
export type EntitySummary = z.input<typeof entitySummarySchema>;

export function summarize(
  entity: EntityView,
  attributes: 'none' | 'compact' | readonly string[] = 'compact',
): EntitySummary {
  const summary: EntitySummary = {
    entity_id: entity.entity_id,
    name: entity.name,
    state: entity.state,
    last_changed: entity.last_changed,
  };
  if (entity.area) summary.area = entity.area.name;
  if (entity.device) summary.device = entity.device.name;
  if (attributes !== 'none') {
    const compact = compactAttributes(
      entity.attributes,
      attributes === 'compact' ? undefined : attributes,
    );
    if (Object.keys(compact).length > 0) summary.attributes = compact;
  }
  return summary;
}

export const pageInput = {
  limit: z.number().int().min(1).max(200).default(25).describe('At most this many results'),
  offset: z.number().int().min(0).default(0).describe('Skip this many results (paging)'),
};

export const pageOutput = {
  total: z.number().describe('Results before paging'),
  offset: z.number().describe('Offset used'),
  hasMore: z.boolean().describe('True when more results follow; call again with a larger offset'),
};

export function page<T>(items: readonly T[], input: { limit: number; offset: number }) {
  return {
    total: items.length,
    offset: input.offset,
    hasMore: input.offset + input.limit < items.length,
    items: items.slice(input.offset, input.offset + input.limit),
  };
}

/** Whether `area` (an entity's or device's) is the one a person named, fuzzily; true when none was named. */
export function inArea(area: Area | undefined, wanted: string | undefined): boolean {
  if (!wanted) return true;
  return area !== undefined && matchScore(wanted, [area.id, area.name]) >= 0.7;
}

export function byName(a: EntityView, b: EntityView): number {
  return a.name.localeCompare(b.name) || a.entity_id.localeCompare(b.entity_id);
}

/** Before/after of the state and the given attributes of one entity. */
export function stateChanges(
  entityId: string,
  before: HassState | undefined,
  after: { state?: string; attributes?: Record<string, unknown> },
): Change[] {
  const pick = (s: { state?: string; attributes?: Record<string, unknown> } | undefined) => {
    const out: Record<string, unknown> = {};
    if (after.state !== undefined) out.state = s?.state;
    for (const key of Object.keys(after.attributes ?? {})) out[key] = s?.attributes?.[key];
    return out;
  };
  const wanted: Record<string, unknown> = {};
  if (after.state !== undefined) wanted.state = after.state;
  Object.assign(wanted, after.attributes ?? {});
  return diffValues(pick(before), wanted).map((c) => ({ ...c, path: `${entityId}.${c.path}` }));
}

/** How long a change waits for Home Assistant to report the new state before answering. */
export const READ_BACK_MS = 2500;
