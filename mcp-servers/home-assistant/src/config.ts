// The Home Assistant server's own variables; the kit adds the MCP_* ones.
import { envList, secret } from '@homelab/kit';
import { z } from 'zod';

export const DEFAULT_PORT = 3901;
/** Home Assistant's own MCP client gives up after 10 s; every tool answers well before that. */
export const DEFAULT_TOOL_TIMEOUT_MS = 9000;

export const configShape = {
  HA_URL: z
    .url({ error: 'expected a URL such as http://homeassistant.local:8123' })
    .describe('Base URL of Home Assistant (http or https; WebSocket derives from it)'),
  HA_TOKEN: secret('Long-lived access token (Profile → Security → Long-lived access tokens)'),
  HA_TIMEOUT_MS: z.coerce
    .number({ error: 'expected milliseconds' })
    .int()
    .min(200)
    .max(60_000)
    .default(8000)
    .describe('Limit for one Home Assistant command or request'),
  HA_EXPOSE_DOMAINS: envList(
    'Only entities of these domains (e.g. light,climate,sensor); default all',
  ),
  HA_HIDE_DOMAINS: envList('Never expose entities of these domains'),
  HA_EXPOSE_AREAS: envList('Only entities in these areas (area ids or names); default all'),
  HA_EXPOSE_ENTITIES: envList(
    'Only entities matching these patterns (* wildcard), in addition to the domain/area rules',
  ),
  HA_HIDE_ENTITIES: envList(
    'Never expose entities matching these patterns (* wildcard), e.g. lock.*,camera.*',
  ),
};

export type HomeAssistantConfig = z.output<z.ZodObject<typeof configShape>>;
