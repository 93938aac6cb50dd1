// History and logbook over the simulated recorder rows: GET /api/history/period and
// GET /api/logbook answer what a real recorder would (components/recorder/history/modern.py,
// components/logbook/processor.py): the state at the period start, significant changes only,
// minimal responses, no_attributes, continuous sensors left out of the logbook, and the
// `context_*` fields that say which user, service call or automation caused a change.
// Also the datetime parsing those endpoints share (util/dt.py parse_datetime).

import {
  domainOf,
  haTime,
  type HaEvent,
  type HaStateObject,
  type HomeAssistantState,
  type RecordedState,
} from './model.js';

/** Domains whose attribute-only changes are significant (recorder/history/const.py). */
const SIGNIFICANT_DOMAINS = new Set([
  'climate',
  'device_tracker',
  'humidifier',
  'thermostat',
  'water_heater',
]);
/** Domains that keep full states in a minimal response and attributes under no_attributes. */
const NEED_ATTRIBUTE_DOMAINS = new Set([
  'climate',
  'humidifier',
  'input_datetime',
  'thermostat',
  'water_heater',
]);

export interface HistoryQuery {
  startUs: number;
  endUs: number;
  entityIds: string[];
  includeStartTimeState: boolean;
  significantChangesOnly: boolean;
  minimalResponse: boolean;
  noAttributes: boolean;
}

function rowsOf(state: HomeAssistantState, entityId: string): RecordedState[] {
  return state.recorded.filter((row) => row.entityId === entityId);
}

/** A recorded state as REST history sends it (seen on 2024.3: State keys, no last_reported). */
function fullState(
  row: RecordedState,
  withAttributes: boolean,
  atUs?: number,
): Record<string, unknown> {
  return {
    entity_id: row.entityId,
    state: row.state,
    attributes: withAttributes ? row.attributes : {},
    last_changed: haTime(atUs ?? row.lastChangedUs),
    last_updated: haTime(atUs ?? row.lastUpdatedUs),
    context: row.context,
  };
}

/** One list of states per entity that has any in the period, in the order asked. */
export function historyDuringPeriod(
  state: HomeAssistantState,
  query: HistoryQuery,
): Array<Array<Record<string, unknown>>> {
  const out: Array<Array<Record<string, unknown>>> = [];
  for (const entityId of [...new Set(query.entityIds)]) {
    const domain = domainOf(entityId);
    const withAttributes = !query.noAttributes || NEED_ATTRIBUTE_DOMAINS.has(domain);
    const rows = rowsOf(state, entityId);
    const startRow = query.includeStartTimeState
      ? rows.filter((row) => row.lastUpdatedUs < query.startUs).at(-1)
      : undefined;
    const inPeriod = rows.filter(
      (row) =>
        row.lastUpdatedUs > query.startUs &&
        row.lastUpdatedUs < query.endUs &&
        (!query.significantChangesOnly ||
          SIGNIFICANT_DOMAINS.has(domain) ||
          row.lastChangedUs === row.lastUpdatedUs),
    );
    const list: Array<Record<string, unknown>> = [];
    if (startRow) list.push(fullState(startRow, withAttributes, query.startUs));
    if (!query.minimalResponse || NEED_ATTRIBUTE_DOMAINS.has(domain)) {
      list.push(...inPeriod.map((row) => fullState(row, withAttributes)));
    } else {
      const remaining = [...inPeriod];
      if (list.length === 0) {
        const first = remaining.shift();
        if (first) list.push(fullState(first, withAttributes));
      }
      let previous = list.length > 0 ? String(list[0]?.state) : undefined;
      for (const row of remaining) {
        if (row.state === previous) continue;
        list.push({ state: row.state, last_changed: haTime(row.lastUpdatedUs) });
        previous = row.state;
      }
    }
    if (list.length > 0) out.push(list);
  }
  return out;
}

/** Sensors with a unit or a state class are continuous: the logbook leaves them out. */
function isContinuous(entityId: string, attributes: Record<string, unknown>): boolean {
  return (
    domainOf(entityId) === 'sensor' &&
    (attributes.unit_of_measurement !== undefined || attributes.state_class !== undefined)
  );
}

/**
 * The `context_*` fields: who (context_user_id) and what (the service call, automation run or
 * script run that created the context) caused an entry. `originContextId` names the context
 * whose origin is described (an automation's own entry is described by its parent's).
 */
function contextFields(
  state: HomeAssistantState,
  context: HaStateObject['context'],
  originContextId: string | null = context.id,
): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (context.user_id) fields.context_user_id = context.user_id;
  const origin = originContextId ? state.contextOrigins.get(originContextId) : undefined;
  if (!origin) return fields;
  if (origin.kind === 'call_service') {
    return {
      ...fields,
      context_event_type: 'call_service',
      context_domain: origin.domain,
      context_service: origin.service,
    };
  }
  const name = String(state.states.get(origin.entityId)?.attributes.friendly_name ?? origin.name);
  if (origin.kind === 'automation') {
    return {
      ...fields,
      context_event_type: 'automation_triggered',
      context_domain: 'automation',
      context_entity_id: origin.entityId,
      context_entity_id_name: name,
      context_name: origin.name,
      context_message: origin.source ? `triggered by ${origin.source}` : 'triggered',
      ...(origin.source ? { context_source: origin.source } : {}),
    };
  }
  return {
    ...fields,
    context_event_type: 'script_started',
    context_domain: 'script',
    context_entity_id: origin.entityId,
    context_entity_id_name: name,
    context_name: origin.name,
    context_message: 'started',
  };
}

/** A logged event as the logbook describes it (automation/logbook.py, script/logbook.py, core start). */
function describeEvent(state: HomeAssistantState, event: HaEvent): Record<string, unknown> {
  if (event.event_type === 'homeassistant_start') {
    return {
      name: 'Home Assistant',
      message: 'started',
      icon: 'mdi:home-assistant',
      when: event.time_fired,
      domain: 'homeassistant',
    };
  }
  const source = event.data.source;
  const automation = event.event_type === 'automation_triggered';
  return {
    name: event.data.name,
    message: automation ? (source ? `triggered by ${String(source)}` : 'triggered') : 'started',
    ...(automation ? { source: source ?? null } : {}),
    entity_id: event.data.entity_id,
    context_id: event.context.id,
    when: event.time_fired,
    domain: automation ? 'automation' : 'script',
    ...contextFields(state, event.context, event.context.parent_id),
  };
}

/** Logbook entries between `startUs` and `endUs`, oldest first. */
export function logbookEntries(
  state: HomeAssistantState,
  query: { startUs: number; endUs: number; entityIds?: string[] },
): Array<Record<string, unknown>> {
  const wanted = query.entityIds ? new Set(query.entityIds) : undefined;
  const entries: Array<{ atUs: number; entry: Record<string, unknown> }> = [];
  const previousState = new Map<string, string>();
  for (const row of state.recorded) {
    const before = previousState.get(row.entityId);
    previousState.set(row.entityId, row.state);
    if (row.lastUpdatedUs <= query.startUs || row.lastUpdatedUs >= query.endUs) continue;
    if (before === undefined || before === row.state || row.lastChangedUs !== row.lastUpdatedUs)
      continue;
    if (wanted && !wanted.has(row.entityId)) continue;
    if (isContinuous(row.entityId, row.attributes)) continue;
    const name =
      state.states.get(row.entityId)?.attributes.friendly_name ?? row.attributes.friendly_name;
    entries.push({
      atUs: row.lastUpdatedUs,
      entry: {
        when: haTime(row.lastUpdatedUs),
        state: row.state,
        entity_id: row.entityId,
        name: typeof name === 'string' ? name : row.entityId,
        ...(typeof row.attributes.icon === 'string' ? { icon: row.attributes.icon } : {}),
        ...contextFields(state, row.context),
      },
    });
  }
  for (const event of state.loggedEvents) {
    const atUs = Date.parse(event.time_fired) * 1000;
    if (atUs <= query.startUs || atUs >= query.endUs) continue;
    const entry = describeEvent(state, event);
    if (wanted && !wanted.has(String(entry.entity_id))) continue;
    entries.push({ atUs, entry });
  }
  return entries.sort((a, b) => a.atUs - b.atUs).map(({ entry }) => entry);
}

/** The offset of `timeZone` from UTC at `utcMs`, in ms. */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const value = (type: string): number => Number(parts.find((part) => part.type === type)?.value);
  const asUtc = Date.UTC(
    value('year'),
    value('month') - 1,
    value('day'),
    value('hour'),
    value('minute'),
    value('second'),
  );
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

function zonedToUtcMs(wallClockAsUtcMs: number, timeZone: string): number {
  const guess = wallClockAsUtcMs - zoneOffsetMs(wallClockAsUtcMs, timeZone);
  return wallClockAsUtcMs - zoneOffsetMs(guess, timeZone);
}

const DATETIME =
  /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,6})\d{0,6})?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * util/dt.py parse_datetime: ISO 8601 with or without seconds, fraction and offset; naive times
 * are in the configured time zone (dt_util.as_utc). Returns epoch microseconds, or undefined.
 */
export function parseHaDatetime(text: string, timeZone: string): number | undefined {
  const match = DATETIME.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second = '0', fraction = '0', zone] = match;
  const micros = Number(fraction.padEnd(6, '0'));
  const wall = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  if (
    Number.isNaN(wall) ||
    Number(month) > 12 ||
    Number(day) > 31 ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59
  ) {
    return undefined;
  }
  let utcMs: number;
  if (zone === undefined) utcMs = zonedToUtcMs(wall, timeZone);
  else if (zone === 'Z') utcMs = wall;
  else {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    utcMs = wall - sign * offsetMinutes * 60_000;
  }
  return utcMs * 1000 + micros;
}

/** Midnight today in the configured time zone (dt_util.start_of_local_day), epoch µs. */
export function startOfLocalDayUs(nowMs: number, timeZone: string): number {
  const offset = zoneOffsetMs(nowMs, timeZone);
  const local = new Date(nowMs + offset);
  const midnightWall = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  return zonedToUtcMs(midnightWall, timeZone) * 1000;
}
