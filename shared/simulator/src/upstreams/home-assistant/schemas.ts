// The written Home Assistant contract (specs/home-assistant-api.md) as zod schemas, completed
// with the shapes core sends for the commands the docs leave out (registries, traces, system
// log, config entries; see each schema's source). The WebSocket route checks every client and
// server message with them, the REST routes every 2xx body; a mismatch is a recorded violation,
// so the simulator's own answers are held to the same contract as the clients' requests.

import { z, type ZodType } from 'zod';

const ENTITY_ID = /^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$/;
const isoTime = z.iso.datetime({ offset: true });
const nullableString = z.string().nullable();

export const contextSchema = z.strictObject({
  id: z.string().min(1),
  parent_id: nullableString,
  user_id: nullableString,
});

/** State.as_dict. */
export const stateSchema = z.strictObject({
  entity_id: z.string().regex(ENTITY_ID),
  state: z.string().max(255),
  attributes: z.record(z.string(), z.unknown()),
  last_changed: isoTime,
  last_reported: isoTime,
  last_updated: isoTime,
  context: contextSchema,
});

const stateChangedData = z.strictObject({
  entity_id: z.string().regex(ENTITY_ID),
  old_state: stateSchema.nullable(),
  new_state: stateSchema.nullable(),
});

/** Event.as_dict; state_changed and registry events have fixed data. */
export const eventSchema = z
  .strictObject({
    event_type: z.string().min(1),
    data: z.record(z.string(), z.unknown()),
    origin: z.enum(['LOCAL', 'REMOTE']),
    time_fired: isoTime,
    context: contextSchema,
  })
  .superRefine((event, ctx) => {
    const registry: Record<string, string> = {
      area_registry_updated: 'area_id',
      device_registry_updated: 'device_id',
      entity_registry_updated: 'entity_id',
    };
    let dataSchema: ZodType | undefined;
    if (event.event_type === 'state_changed') dataSchema = stateChangedData;
    const key = registry[event.event_type];
    if (key) {
      dataSchema = z.looseObject({
        action: z.enum(['create', 'update', 'remove']),
        [key]: z.string(),
      });
    }
    const result = dataSchema?.safeParse(event.data);
    for (const issue of result && !result.success ? result.error.issues : []) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: ['data', ...issue.path] });
    }
  });

/** Config.as_dict (get_config, GET /api/config). */
export const coreConfigSchema = z.strictObject({
  allowlist_external_dirs: z.array(z.string()),
  allowlist_external_urls: z.array(z.string()),
  components: z.array(z.string()),
  config_dir: z.string(),
  config_source: z.string(),
  country: nullableString,
  currency: z.string(),
  debug: z.boolean(),
  elevation: z.number(),
  external_url: nullableString,
  internal_url: nullableString,
  language: z.string(),
  latitude: z.number(),
  location_name: z.string(),
  longitude: z.number(),
  radius: z.number(),
  recovery_mode: z.boolean(),
  safe_mode: z.boolean(),
  state: z.enum(['NOT_RUNNING', 'STARTING', 'RUNNING', 'STOPPING', 'FINAL_WRITE', 'STOPPED']),
  time_zone: z.string(),
  unit_system: z.record(z.string(), z.string()),
  version: z.string(),
  whitelist_external_dirs: z.array(z.string()),
});

const serviceDescription = z.strictObject({
  name: z.string(),
  description: z.string(),
  fields: z.record(
    z.string(),
    z.looseObject({
      selector: z.record(z.string(), z.unknown()),
      name: z.string().optional(),
      description: z.string().optional(),
    }),
  ),
  target: z.strictObject({ entity: z.array(z.record(z.string(), z.unknown())) }).optional(),
  response: z.strictObject({ optional: z.boolean() }).optional(),
});
/** get_services: {domain: {service: description}}. */
export const servicesSchema = z.record(z.string(), z.record(z.string(), serviceDescription));

/** config/area_registry/list entries (area_registry.py AreaEntry json fragment). */
export const areaSchema = z.strictObject({
  aliases: z.array(z.string()),
  area_id: z.string(),
  floor_id: nullableString,
  humidity_entity_id: nullableString,
  icon: nullableString,
  labels: z.array(z.string()),
  name: z.string(),
  picture: nullableString,
  temperature_entity_id: nullableString,
  created_at: z.number(),
  modified_at: z.number(),
});

/** config/device_registry/list entries (DeviceEntry.dict_repr). */
export const deviceSchema = z.strictObject({
  area_id: nullableString,
  configuration_url: nullableString,
  config_entries: z.array(z.string()),
  config_entries_subentries: z.record(z.string(), z.array(nullableString)),
  connections: z.array(z.tuple([z.string(), z.string()])),
  created_at: z.number(),
  disabled_by: nullableString,
  entry_type: nullableString,
  hw_version: nullableString,
  id: z.string(),
  identifiers: z.array(z.tuple([z.string(), z.string()])),
  labels: z.array(z.string()),
  manufacturer: nullableString,
  model: nullableString,
  model_id: nullableString,
  modified_at: z.number(),
  name_by_user: nullableString,
  name: nullableString,
  primary_config_entry: nullableString,
  serial_number: nullableString,
  sw_version: nullableString,
  via_device_id: nullableString,
});

/** config/entity_registry/list entries (RegistryEntry.as_partial_dict). */
export const entityRegistryEntrySchema = z.strictObject({
  area_id: nullableString,
  categories: z.record(z.string(), z.string()),
  config_entry_id: nullableString,
  config_subentry_id: nullableString,
  created_at: z.number(),
  device_id: nullableString,
  disabled_by: nullableString,
  entity_category: z.enum(['config', 'diagnostic']).nullable(),
  entity_id: z.string().regex(ENTITY_ID),
  has_entity_name: z.boolean(),
  hidden_by: nullableString,
  icon: nullableString,
  id: z.string(),
  labels: z.array(z.string()),
  modified_at: z.number(),
  name: nullableString,
  options: z.record(z.string(), z.record(z.string(), z.unknown())),
  original_name: nullableString,
  platform: z.string(),
  translation_key: nullableString,
  unique_id: z.string(),
});

/** config/entity_registry/list_for_display (RegistryEntry._as_display_dict, short keys). */
export const entityDisplaySchema = z.strictObject({
  entity_categories: z.record(z.string(), z.string()),
  entities: z.array(
    z.strictObject({
      ei: z.string().regex(ENTITY_ID),
      pl: z.string(),
      ai: z.string().optional(),
      lb: z.array(z.string()).optional(),
      di: z.string().optional(),
      ic: z.string().optional(),
      tk: z.string().optional(),
      ec: z.number().int().optional(),
      hb: z.literal(true).optional(),
      en: nullableString.optional(),
      dp: z.number().int().optional(),
    }),
  ),
});

/** trace/list entries (ActionTrace.as_short_dict, AutomationTrace adds `trigger`). */
export const traceSummarySchema = z.strictObject({
  last_step: nullableString,
  run_id: z.string(),
  state: z.enum(['running', 'stopped']),
  script_execution: nullableString,
  timestamp: z.strictObject({ start: isoTime, finish: isoTime.nullable() }),
  domain: z.enum(['automation', 'script']),
  item_id: z.string(),
  trigger: nullableString.optional(),
  error: z.string().optional(),
});

/** trace/get (ActionTrace.as_extended_dict). */
export const traceDetailSchema = traceSummarySchema.extend({
  trace: z.record(
    z.string(),
    z.array(
      z.looseObject({
        path: z.string(),
        timestamp: isoTime,
        error: z.string().optional(),
        result: z.unknown().optional(),
      }),
    ),
  ),
  config: z.record(z.string(), z.unknown()),
  blueprint_inputs: z.null(),
  context: contextSchema,
});

/** system_log/list entries (LogEntry.to_dict). */
export const systemLogEntrySchema = z.strictObject({
  name: z.string(),
  message: z.array(z.string()).min(1),
  level: z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']),
  source: z.tuple([z.string(), z.number().int()]),
  timestamp: z.number(),
  exception: z.string(),
  count: z.number().int().positive(),
  first_occurred: z.number(),
});

/** config_entries/get entries (ConfigEntry.as_json_fragment). */
export const configEntrySchema = z.strictObject({
  created_at: z.number(),
  entry_id: z.string(),
  domain: z.string(),
  modified_at: z.number(),
  title: z.string(),
  source: z.string(),
  state: z.enum([
    'loaded',
    'setup_error',
    'migration_error',
    'setup_retry',
    'not_loaded',
    'failed_unload',
    'setup_in_progress',
  ]),
  supports_options: z.boolean(),
  supports_remove_device: z.boolean(),
  supports_unload: z.boolean(),
  supports_reconfigure: z.boolean(),
  supported_subentry_types: z.record(
    z.string(),
    z.strictObject({ supports_reconfigure: z.boolean() }),
  ),
  pref_disable_new_entities: z.boolean(),
  pref_disable_polling: z.boolean(),
  disabled_by: nullableString,
  reason: nullableString,
  error_reason_translation_key: nullableString,
  error_reason_translation_placeholders: z.record(z.string(), z.string()).nullable(),
  num_subentries: z.number().int(),
});

/** What `result` holds for each command the simulator answers. */
export const resultSchemas: Record<string, ZodType> = {
  get_states: z.array(stateSchema),
  get_config: coreConfigSchema,
  get_services: servicesSchema,
  call_service: z.strictObject({ context: contextSchema, response: z.unknown() }),
  fire_event: z.strictObject({ context: contextSchema }),
  subscribe_events: z.null(),
  unsubscribe_events: z.null(),
  supported_features: z.null(),
  'config/area_registry/list': z.array(areaSchema),
  'config/device_registry/list': z.array(deviceSchema),
  'config/entity_registry/list': z.array(entityRegistryEntrySchema),
  'config/entity_registry/list_for_display': entityDisplaySchema,
  'trace/list': z.array(traceSummarySchema),
  'trace/get': traceDetailSchema,
  'system_log/list': z.array(systemLogEntrySchema),
  'config_entries/get': z.array(configEntrySchema),
};

/**
 * The command each outgoing result answers, set by the session just before sending (a message
 * does not name its command; the result schema needs it).
 */
export const answeredCommand = new WeakMap<object, string>();

const errorCode = z.enum([
  'id_reuse',
  'invalid_format',
  'not_allowed',
  'not_found',
  'not_supported',
  'home_assistant_error',
  'service_validation_error',
  'unknown_command',
  'unknown_error',
  'unauthorized',
  'timeout',
  'template_error',
]);

const serverMessage = z.union([
  z.strictObject({ type: z.literal('auth_required'), ha_version: z.string() }),
  z.strictObject({ type: z.literal('auth_ok'), ha_version: z.string() }),
  z.strictObject({ type: z.literal('auth_invalid'), message: z.string() }),
  z.strictObject({
    id: z.number().int(),
    type: z.literal('result'),
    success: z.literal(true),
    result: z.unknown(),
  }),
  z.strictObject({
    id: z.number().int().nullable(),
    type: z.literal('result'),
    success: z.literal(false),
    error: z.strictObject({
      code: errorCode,
      message: z.string(),
      translation_domain: z.string().optional(),
      translation_key: z.string().optional(),
      translation_placeholders: z.record(z.string(), z.string()).optional(),
    }),
  }),
  z.strictObject({ id: z.number().int(), type: z.literal('event'), event: eventSchema }),
  z.strictObject({ id: z.number().int(), type: z.literal('pong') }),
]);

/** Every message the server sends; a successful result is also checked against its command's schema. */
export const outgoingMessageSchema = z.unknown().superRefine((message, ctx) => {
  const envelope = serverMessage.safeParse(message);
  if (!envelope.success) {
    for (const issue of envelope.error.issues) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }
    return;
  }
  const sent = envelope.data;
  if (sent.type !== 'result' || !('success' in sent) || !sent.success) return;
  // The message as sent (zod's parsed copy is a different object): its command was noted.
  const command = answeredCommand.get(message as object);
  const schema = command ? resultSchemas[command] : undefined;
  const result = schema?.safeParse(sent.result);
  for (const issue of result && !result.success ? result.error.issues.slice(0, 10) : []) {
    ctx.addIssue({
      code: 'custom',
      message: `${command}: ${issue.message}`,
      path: ['result', ...issue.path],
    });
  }
});

const targetValue = z.union([z.string(), z.array(z.string())]);
const targetSchema = z.strictObject({
  entity_id: targetValue.optional(),
  device_id: targetValue.optional(),
  area_id: targetValue.optional(),
  floor_id: targetValue.optional(),
  label_id: targetValue.optional(),
});
const command = { id: z.number().int().positive() };

/** Client commands with the fields core's voluptuous schema requires (websocket_api/commands.py & co). */
const commandSchemas: Record<string, ZodType> = {
  call_service: z.strictObject({
    ...command,
    type: z.literal('call_service'),
    domain: z.string().min(1),
    service: z.string().min(1),
    service_data: z.record(z.string(), z.unknown()).optional(),
    target: targetSchema.optional(),
    return_response: z.boolean().optional(),
  }),
  fire_event: z.strictObject({
    ...command,
    type: z.literal('fire_event'),
    event_type: z.string().min(1),
    event_data: z.record(z.string(), z.unknown()).optional(),
  }),
  subscribe_events: z.strictObject({
    ...command,
    type: z.literal('subscribe_events'),
    event_type: z.string().min(1).optional(),
  }),
  unsubscribe_events: z.strictObject({
    ...command,
    type: z.literal('unsubscribe_events'),
    subscription: z.number().int().positive(),
  }),
  supported_features: z.strictObject({
    ...command,
    type: z.literal('supported_features'),
    features: z.record(z.string(), z.number()),
  }),
  'trace/list': z.strictObject({
    ...command,
    type: z.literal('trace/list'),
    domain: z.enum(['automation', 'script']),
    item_id: z.string().optional(),
  }),
  'trace/get': z.strictObject({
    ...command,
    type: z.literal('trace/get'),
    domain: z.enum(['automation', 'script']),
    item_id: z.string(),
    run_id: z.string(),
  }),
  'config_entries/get': z.strictObject({
    ...command,
    type: z.literal('config_entries/get'),
    type_filter: z.union([z.string(), z.array(z.string())]).optional(),
    domain: z.string().optional(),
  }),
  'system_log/list': z.strictObject({ ...command, type: z.literal('system_log/list') }),
};

const anyCommand = z.looseObject({ ...command, type: z.string().min(1) });
const authMessage = z.strictObject({ type: z.literal('auth'), access_token: z.string() });

function checkClientMessage(
  message: unknown,
  ctx: z.RefinementCtx,
  path: Array<string | number>,
): void {
  const type =
    typeof message === 'object' && message !== null
      ? (message as { type?: unknown }).type
      : undefined;
  const schema =
    type === 'auth'
      ? authMessage
      : ((typeof type === 'string' ? commandSchemas[type] : undefined) ?? anyCommand);
  const result = schema.safeParse(message);
  for (const issue of result.success ? [] : result.error.issues) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: [...path, ...issue.path] });
  }
}

/** Every client message: auth, or a command (a coalesced list of commands is allowed too). */
export const incomingMessageSchema = z.unknown().superRefine((message, ctx) => {
  if (Array.isArray(message))
    message.forEach((item, index) => checkClientMessage(item, ctx, [index]));
  else checkClientMessage(message, ctx, []);
});

const historyState = z.union([
  z.strictObject({
    entity_id: z.string().regex(ENTITY_ID),
    state: z.string(),
    attributes: z.record(z.string(), z.unknown()),
    last_changed: isoTime,
    last_updated: isoTime,
    context: contextSchema,
  }),
  z.strictObject({ state: z.string(), last_changed: isoTime }),
]);

export const restSchemas = {
  apiStatus: z.strictObject({ message: z.literal('API running.') }),
  config: coreConfigSchema,
  states: z.array(stateSchema),
  state: stateSchema,
  services: z.array(
    z.strictObject({ domain: z.string(), services: z.record(z.string(), serviceDescription) }),
  ),
  serviceCall: z.union([
    z.array(stateSchema),
    z.strictObject({ changed_states: z.array(stateSchema), service_response: z.unknown() }),
  ]),
  serviceData: z.union([z.undefined(), z.record(z.string(), z.unknown())]),
  history: z.array(z.array(historyState).min(1)),
  logbook: z.array(
    z.looseObject({
      when: isoTime,
      name: z.string().optional(),
      message: z.string().optional(),
      entity_id: z.string().optional(),
      state: z.string().optional(),
      domain: z.string().optional(),
      context_user_id: z.string().optional(),
    }),
  ),
  checkConfig: z.strictObject({
    result: z.enum(['valid', 'invalid']),
    errors: nullableString,
    warnings: nullableString,
  }),
};
