// What the simulated Mattermost does when a user clicks an interactive button (mattermost-bot.md
// §3 and §5): refuse internal addresses not allowed by AllowedUntrustedInternalConnections, POST
// the documented payload (with the action's `integration.context` unchanged) to the action's
// URL, and apply the integration's answer (`update` of the post, `ephemeral_text`).
// Why: the bot's callback endpoint and its verification are proven against this flow; the
// payload and the answer are checked against own schemas, as the OpenAPI subset has neither.

import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { ContractIssue } from '../../contract.js';
import type { SimResponse } from '../../types.js';
import { zodIssues } from '../../upstream.js';
import { appError } from './errors.js';
import { newId, postActions, type MattermostState, type MmPost } from './model.js';
import { actionCallbackPayloadSchema, actionCallbackResponseSchema } from './schemas.js';
import { publishPostEdited } from './websocket.js';

export interface ClickInput {
  postId: string;
  actionId: string;
  userId: string;
  /** For `select` actions: the chosen value (added to the context as `selected_option`). */
  selectedOption?: string;
}

export interface ClickResult {
  /** What Mattermost answers the clicking client (200 `{status: 'OK', trigger_id}` or an AppError). */
  answer: { status: number; body: unknown };
  /** The integration's reply; undefined when it was never called or could not be reached. */
  integration?: { status: number; body: unknown };
}

/** Records a contract issue of a callback (direction `request`: the integration broke it). */
export type CallbackIssueReporter = (
  direction: 'request' | 'response',
  url: string,
  status: number,
  issues: ContractIssue[],
) => void;

const RESERVED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  RESERVED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  RESERVED.addSubnet(net, prefix, 'ipv6');

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** httpservice's check: a host-name entry lets the URL through, CIDR entries allow resolved IPs. */
async function addressForbidden(url: URL, allowedSetting: string): Promise<boolean> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const entries = allowedSetting.split(/[\s,]+/).filter(Boolean);
  if (entries.includes(host)) return false;
  const allowed = new BlockList();
  for (const entry of entries) {
    const [net, bits] = entry.split('/');
    if (net !== undefined && bits !== undefined && isIP(net) !== 0)
      allowed.addSubnet(net, Number(bits), family(net));
  }
  const addresses =
    isIP(host) !== 0 ? [host] : (await lookup(host, { all: true })).map((found) => found.address);
  return addresses.some(
    (address) =>
      RESERVED.check(address, family(address)) && !allowed.check(address, family(address)),
  );
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The webhook markers an `update.props` cannot remove. */
const KEPT_PROPS = ['from_webhook', 'override_username', 'override_icon_url'];

function applyUpdate(post: MmPost, update: Record<string, unknown>): void {
  const now = Date.now();
  post.message = typeof update.message === 'string' ? update.message : '';
  if (isRecord(update.props)) {
    const kept = Object.fromEntries(
      KEPT_PROPS.filter((key) => key in post.props).map((key) => [key, post.props[key]]),
    );
    post.props = { ...structuredClone(update.props), ...kept };
  }
  post.edit_at = now;
  post.update_at = now;
}

function failed(status: number, id: string, message: string): SimResponse {
  return appError(status, id, message);
}

/** Answers 429/503 as given, other 5xx as 502, anything else as 400 (spec [A] DoPostAction). */
function integrationFailure(status: number): SimResponse {
  const mapped = status === 429 || status === 503 ? status : status >= 500 ? 502 : 400;
  return failed(mapped, 'api.post.do_action.action_integration.app_error', `status=${status}`);
}

async function callIntegration(
  state: MattermostState,
  url: string,
  payload: Record<string, unknown>,
): Promise<{ status: number; text: string } | { error: string }> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(state.callbackTimeoutMs),
    });
    return { status: response.status, text: await response.text() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Performs a click on `actionId` of `postId` by `userId`, as POST .../actions/{action_id} does. */
export async function performAction(
  state: MattermostState,
  input: ClickInput,
  report: CallbackIssueReporter,
): Promise<{ response: SimResponse; integration?: { status: number; body: unknown } }> {
  const post = state.posts.get(input.postId);
  const channel = post ? state.channels.get(post.channel_id) : undefined;
  const user = state.users.get(input.userId);
  if (!post || !channel || !user)
    return { response: failed(404, 'app.post.get.app_error', 'Unable to get the post.') };
  if (!channel.members.has(user.id))
    return {
      response: failed(
        403,
        'api.context.permissions.app_error',
        'You do not have the appropriate permissions.',
      ),
    };
  if (!/^[A-Za-z0-9]+$/.test(input.actionId))
    return {
      response: failed(404, 'api.context.404.app_error', 'Sorry, we could not find the page.'),
    };
  const action = postActions(post.props).find((found) => found.id === input.actionId);
  const integration = isRecord(action?.integration) ? action.integration : undefined;
  const target = typeof integration?.url === 'string' ? integration.url : '';
  let url: URL | undefined;
  try {
    url = new URL(target);
  } catch {
    url = undefined;
  }
  if (!action || !url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    return {
      response: failed(404, 'api.post.do_action.action_id.app_error', 'Unable to find the action.'),
    };
  const context = isRecord(integration?.context) ? structuredClone(integration.context) : {};
  if (input.selectedOption !== undefined) context.selected_option = input.selectedOption;
  const payload: Record<string, unknown> = {
    user_id: user.id,
    user_name: user.username,
    channel_id: channel.id,
    channel_name: channel.name,
    team_id: channel.team_id === '' ? state.team.id : channel.team_id,
    team_domain: state.team.name,
    post_id: post.id,
    trigger_id: newId() + newId(),
    type: action.type === 'select' ? 'select' : 'button',
    data_source: typeof action.data_source === 'string' ? action.data_source : '',
    context,
  };
  const payloadIssues = zodIssues(actionCallbackPayloadSchema, payload, 'callback body');
  if (payloadIssues.length > 0) report('response', url.href, 0, payloadIssues);
  const record = { postId: post.id, actionId: input.actionId, url: url.href, payload };
  if (await addressForbidden(url, state.allowedUntrustedInternalConnections)) {
    state.callbacks.push({ ...record, status: 0, body: undefined });
    return {
      response: failed(
        400,
        'api.post.do_action.action_integration.app_error',
        'address forbidden, you may need to set AllowedUntrustedInternalConnections to allow an integration access to your internal network',
      ),
    };
  }
  const answer = await callIntegration(state, url.href, payload);
  if ('error' in answer) {
    state.callbacks.push({ ...record, status: 0, body: undefined });
    return {
      response: failed(400, 'api.post.do_action.action_integration.app_error', answer.error),
    };
  }
  let body: unknown = answer.text;
  let isJson = answer.text === '';
  if (answer.text !== '') {
    try {
      body = JSON.parse(answer.text) as unknown;
      isJson = true;
    } catch {
      isJson = false;
    }
  }
  state.callbacks.push({ ...record, status: answer.status, body });
  const seen = { status: answer.status, body };
  if (answer.status !== 200)
    return { response: integrationFailure(answer.status), integration: seen };
  if (!isJson) {
    report('request', url.href, answer.status, [
      { location: 'callback response', instancePath: '', schemaPath: '', message: 'is not JSON' },
    ]);
    return { response: integrationFailure(answer.status), integration: seen };
  }
  const reply = answer.text === '' ? {} : body;
  const replyIssues = zodIssues(actionCallbackResponseSchema, reply, 'callback response');
  if (replyIssues.length > 0) {
    report('request', url.href, answer.status, replyIssues);
    return { response: integrationFailure(answer.status), integration: seen };
  }
  const parsed = actionCallbackResponseSchema.parse(reply);
  if (parsed.error)
    return {
      response: failed(
        400,
        'api.post.do_action.action_integration.app_error',
        parsed.error.message,
      ),
      integration: seen,
    };
  if (parsed.update) {
    applyUpdate(post, parsed.update);
    publishPostEdited(state, post);
  }
  if (parsed.ephemeral_text !== undefined && parsed.ephemeral_text !== '')
    state.ephemeralPosts.push({
      userId: user.id,
      channelId: channel.id,
      rootId: post.root_id === '' ? post.id : post.root_id,
      message: parsed.ephemeral_text,
      createAt: Date.now(),
    });
  return {
    response: { status: 200, body: { status: 'OK', trigger_id: payload.trigger_id } },
    integration: seen,
  };
}
