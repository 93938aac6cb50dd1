// The model providers (Anthropic, Gemini, an OpenAI-compatible LiteLLM proxy) through the real
// official SDKs against the simulated model APIs: text answers, tool round trips in each API's
// wire shape, malformed tool arguments, empty and truncated answers, token usage, every failure
// mapped to its ModelCallError kind without leaking the key; the echo of signed thinking (on a
// stub, since the simulator sends none); model defaults and call pricing.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_MODEL_API_KEY,
  countTokens,
  startModelSim,
  type ModelSim,
} from '@homelab/simulator';
import { failOnViolations } from '@homelab/simulator/vitest';
import { ConfigError } from '@homelab/kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_IDS, resolveModel } from '../src/llm/models.js';
import { costUsd, priceOf, priceOverridesSchema } from '../src/llm/pricing.js';
import {
  ModelCallError,
  type ModelMessage,
  type ModelProvider,
  type ModelRequest,
  type ProviderKind,
} from '../src/llm/provider.js';
import {
  createProvider,
  geminiParameterSchema,
  retryAfterSeconds,
} from '../src/llm/providers/index.js';
import {
  ToolTurnMemory,
  loadOnce,
  toolCallWithArguments,
  toolCallWithJsonArguments,
} from '../src/llm/providers/common.js';
import { MODEL_ALIASES } from '../src/plan/route.js';

const weatherSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { city: { type: 'string', description: 'City name' } },
  required: ['city'],
  additionalProperties: false,
};
const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  inputSchema: weatherSchema,
};

type Body = Record<string, unknown>;

function field(body: unknown, key: string): unknown {
  if (typeof body !== 'object' || body === null) throw new Error(`not an object: ${String(body)}`);
  return (body as Body)[key];
}

function list(body: unknown, key: string): unknown[] {
  const value = field(body, key);
  if (!Array.isArray(value)) throw new Error(`${key} is not an array`);
  return value;
}

interface Harness {
  kind: ProviderKind;
  model: string;
  provider(sim: ModelSim, options?: { apiKey?: string; timeoutMs?: number }): ModelProvider;
  credentialVariable: string;
  /** The turns of a request body, in the API's own shape. */
  turns(body: unknown): unknown[];
  systemOnWire(body: unknown): unknown;
  toolsOnWire(body: unknown): unknown;
  /** The model's tool-calling turn as it must come back. */
  assistantTurn(callId: string, args: Record<string, unknown>): unknown;
  toolResultTurns(callId: string, text: string, isError: boolean): unknown[];
  /** The simulator's count of output tokens for a text answer. */
  outputTokens(text: string): number;
}

const harnesses: Harness[] = [
  {
    kind: 'anthropic',
    model: 'claude-sonnet-5-5',
    provider: (sim, options = {}) =>
      createProvider('anthropic', {
        apiKey: options.apiKey ?? DEFAULT_MODEL_API_KEY,
        baseUrl: sim.url,
        timeoutMs: options.timeoutMs,
      }),
    credentialVariable: 'ORCH_ANTHROPIC_API_KEY',
    turns: (body) => list(body, 'messages'),
    systemOnWire: (body) => field(body, 'system'),
    toolsOnWire: (body) => field(body, 'tools'),
    assistantTurn: (id, args) => ({
      role: 'assistant',
      content: [{ type: 'tool_use', id, name: 'get_weather', input: args }],
    }),
    toolResultTurns: (id, text, isError) => [
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: id, content: text, is_error: isError }],
      },
    ],
    outputTokens: (text) => countTokens([{ type: 'text', text }]),
  },
  {
    kind: 'gemini',
    model: 'gemini-3.8-flash',
    provider: (sim, options = {}) =>
      createProvider('gemini', {
        apiKey: options.apiKey ?? DEFAULT_MODEL_API_KEY,
        baseUrl: sim.url,
        timeoutMs: options.timeoutMs,
      }),
    credentialVariable: 'ORCH_GEMINI_API_KEY',
    turns: (body) => list(body, 'contents'),
    systemOnWire: (body) => field(body, 'systemInstruction'),
    toolsOnWire: (body) => field(body, 'tools'),
    // The simulated Gemini gives calls no id, so none goes back.
    assistantTurn: (_id, args) => ({
      role: 'model',
      parts: [{ functionCall: { name: 'get_weather', args } }],
    }),
    toolResultTurns: (_id, text, isError) => [
      {
        role: 'user',
        parts: [
          {
            functionResponse: {
              name: 'get_weather',
              response: isError ? { error: text } : { output: text },
            },
          },
        ],
      },
    ],
    outputTokens: (text) => countTokens([{ text }]),
  },
  {
    kind: 'openai',
    model: 'gemini-flash',
    provider: (sim, options = {}) =>
      createProvider('openai', {
        apiKey: options.apiKey ?? DEFAULT_MODEL_API_KEY,
        baseUrl: `${sim.url}/v1`,
        timeoutMs: options.timeoutMs,
      }),
    credentialVariable: 'ORCH_LITELLM_API_KEY',
    turns: (body) => list(body, 'messages'),
    systemOnWire: (body) => list(body, 'messages')[0],
    toolsOnWire: (body) => field(body, 'tools'),
    assistantTurn: (id, args) => ({
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id,
          type: 'function',
          function: { name: 'get_weather', arguments: JSON.stringify(args) },
        },
      ],
    }),
    toolResultTurns: (id, text, isError) => [
      { role: 'tool', tool_call_id: id, content: isError ? `Error: ${text}` : text },
    ],
    outputTokens: (text) => countTokens(text),
  },
];

const expectedWire: Record<ProviderKind, { system: unknown; tools: unknown }> = {
  anthropic: {
    system: 'Be brief.',
    tools: [
      {
        name: 'get_weather',
        description: 'Current weather for a city',
        input_schema: weatherSchema,
      },
    ],
  },
  gemini: {
    system: { parts: [{ text: 'Be brief.' }] },
    tools: [
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Current weather for a city',
            parametersJsonSchema: {
              type: 'object',
              properties: { city: { type: 'string', description: 'City name' } },
              required: ['city'],
              additionalProperties: false,
            },
          },
        ],
      },
    ],
  },
  openai: {
    system: { role: 'system', content: 'Be brief.' },
    tools: [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather for a city',
          parameters: weatherSchema,
        },
      },
    ],
  },
};

function request(
  model: string,
  messages: ModelMessage[],
  extra: Partial<ModelRequest> = {},
): ModelRequest {
  return {
    model,
    system: 'Be brief.',
    messages,
    tools: [weatherTool],
    maxOutputTokens: 512,
    ...extra,
  };
}

async function failureOf(promise: Promise<unknown>): Promise<ModelCallError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof ModelCallError))
    throw new Error(`expected a ModelCallError, got ${String(error)}`);
  return error;
}

describe.each(harnesses)('the $kind provider', (harness) => {
  let sim: ModelSim | undefined;
  beforeAll(async () => {
    sim = await startModelSim({ kind: harness.kind });
  });
  afterAll(() => sim?.close());
  afterEach(() => {
    sim?.script.clear();
    sim?.faults.clear();
  });
  const current = (): ModelSim => {
    if (!sim) throw new Error('simulator not started');
    return sim;
  };
  failOnViolations(current);
  const ask = (text: string): ModelMessage[] => [{ role: 'user', text }];

  it('answers with text, sends the system prompt and tools in the API shape, and reports the usage the API counted', async () => {
    current().script.reply({ text: 'It is sunny.' });
    const provider = harness.provider(current());
    expect(provider.kind).toBe(harness.kind);
    const answer = await provider.complete(request(harness.model, ask('Weather in Oslo?')));

    expect(answer).toEqual({
      text: 'It is sunny.',
      toolCalls: [],
      stopReason: 'end',
      usage: {
        inputTokens: countTokens(current().script.received[0]),
        outputTokens: harness.outputTokens('It is sunny.'),
      },
    });
    const body = current().script.received[0];
    expect(harness.systemOnWire(body)).toMatchObject(expectedWire[harness.kind].system as object);
    expect(harness.toolsOnWire(body)).toEqual(expectedWire[harness.kind].tools);
    expect(field(body, 'model') ?? harness.model).toBe(harness.model);
  });

  it('runs a tool round trip: the call with its arguments, then the result in the API shape', async () => {
    const provider = harness.provider(current());
    current().script.reply({ toolCalls: [{ name: 'get_weather', args: { city: 'Oslo' } }] });
    current().script.reply({ text: 'It is 3 degrees in Oslo.' });
    const messages = ask('Weather in Oslo?');

    const first = await provider.complete(request(harness.model, messages));
    expect(first.stopReason).toBe('tool_calls');
    expect(first.text).toBe('');
    expect(first.toolCalls).toHaveLength(1);
    const call = first.toolCalls[0];
    if (!call) throw new Error('no call');
    expect(call).toEqual({
      id: expect.any(String),
      name: 'get_weather',
      arguments: { city: 'Oslo' },
    });
    expect(call.id).not.toBe('');

    messages.push(
      { role: 'assistant', text: first.text, toolCalls: first.toolCalls },
      {
        role: 'tool',
        results: [{ id: call.id, name: 'get_weather', text: '3 degrees', isError: false }],
      },
    );
    const second = await provider.complete(request(harness.model, messages));
    expect(second).toMatchObject({
      text: 'It is 3 degrees in Oslo.',
      toolCalls: [],
      stopReason: 'end',
    });

    const turns = harness.turns(current().script.received[1]);
    const toolResults = harness.toolResultTurns(call.id, '3 degrees', false);
    expect(turns.slice(-toolResults.length)).toEqual(toolResults);
    expect(turns.at(-toolResults.length - 1)).toEqual(
      harness.assistantTurn(call.id, { city: 'Oslo' }),
    );
  });

  it('gives distinct ids to several calls in one answer', async () => {
    current().script.reply({
      toolCalls: [
        { name: 'get_weather', args: { city: 'Oslo' } },
        { name: 'get_weather', args: { city: 'Rome' } },
      ],
    });
    const answer = await harness
      .provider(current())
      .complete(request(harness.model, ask('Oslo and Rome?')));
    expect(answer.toolCalls.map((call) => call.arguments)).toEqual([
      { city: 'Oslo' },
      { city: 'Rome' },
    ]);
    expect(new Set(answer.toolCalls.map((call) => call.id)).size).toBe(2);
  });

  it('returns malformed tool arguments as a call with argumentsError, and the conversation goes on', async () => {
    const provider = harness.provider(current());
    current().script.reply({ malformedToolArgs: true, toolCalls: [{ name: 'get_weather' }] });
    current().script.reply({ text: 'Sorry, retrying later.' });
    const messages = ask('Weather?');

    const first = await provider.complete(request(harness.model, messages));
    const call = first.toolCalls[0];
    if (!call) throw new Error('no call');
    expect(call.name).toBe('get_weather');
    expect(call.arguments).toBeUndefined();
    expect(call.argumentsError).toMatch(/get_weather/);
    expect(call.argumentsError).toMatch(/JSON object/);

    messages.push(
      { role: 'assistant', text: '', toolCalls: first.toolCalls },
      {
        role: 'tool',
        results: [
          { id: call.id, name: 'get_weather', text: call.argumentsError ?? '', isError: true },
        ],
      },
    );
    const second = await provider.complete(request(harness.model, messages));
    expect(second.text).toBe('Sorry, retrying later.');
    const turns = harness.turns(current().script.received[1]);
    const toolResults = harness.toolResultTurns(call.id, call.argumentsError ?? '', true);
    expect(turns.slice(-toolResults.length)).toEqual(toolResults);
    // The broken arguments go back as an empty object, which every API accepts.
    expect(turns.at(-toolResults.length - 1)).toEqual(harness.assistantTurn(call.id, {}));
  });

  it('returns an empty answer as empty text and no calls', async () => {
    current().script.reply({ empty: true });
    const answer = await harness.provider(current()).complete(request(harness.model, ask('Hi')));
    expect(answer.text).toBe('');
    expect(answer.toolCalls).toEqual([]);
    expect(answer.stopReason).toBe('end');
  });

  it('reports an answer cut at the token limit as max_tokens', async () => {
    current().script.reply({ text: 'The pod restarted because', truncated: true });
    const answer = await harness.provider(current()).complete(request(harness.model, ask('Why?')));
    expect(answer).toMatchObject({ text: 'The pod restarted because', stopReason: 'max_tokens' });
  });

  it('maps 429 to quota with the Retry-After delay', async () => {
    current().script.fail({ status: 429, retryAfterSeconds: 7 });
    const failure = await failureOf(
      harness.provider(current()).complete(request(harness.model, ask('Hi'))),
    );
    expect(failure).toMatchObject({ kind: 'quota', status: 429, retryAfterSeconds: 7 });
    expect(failure.message).toContain(harness.model);
    expect(failure.message).toContain('retry after 7 s');
  });

  it('maps 401 to auth, names the variable to check and never shows the key', async () => {
    current().script.fail({ status: 401, message: `invalid key ${DEFAULT_MODEL_API_KEY}` });
    const failure = await failureOf(
      harness.provider(current()).complete(request(harness.model, ask('Hi'))),
    );
    expect(failure).toMatchObject({ kind: 'auth', status: 401 });
    expect(failure.message).toContain(harness.credentialVariable);
    expect(failure.message).not.toContain(DEFAULT_MODEL_API_KEY);
    expect(failure.message).toContain('[REDACTED]');
  });

  it('maps a wrong key to auth without showing it', async () => {
    const wrongKey = 'sk-wrong-7f3a9e1c';
    const failure = await failureOf(
      harness.provider(current(), { apiKey: wrongKey }).complete(request(harness.model, ask('Hi'))),
    );
    expect(failure.kind).toBe('auth');
    expect(failure.message).toContain(harness.credentialVariable);
    expect(failure.message).not.toContain(wrongKey);
  });

  it('maps 403 to auth and 400 to bad_request', async () => {
    const provider = harness.provider(current());
    current().script.fail({ status: 403 });
    current().script.fail({ status: 400, message: 'prompt is too long' });
    const denied = await failureOf(provider.complete(request(harness.model, ask('Hi'))));
    expect(denied).toMatchObject({ kind: 'auth', status: 403 });
    const refused = await failureOf(provider.complete(request(harness.model, ask('Hi'))));
    expect(refused).toMatchObject({ kind: 'bad_request', status: 400 });
    expect(refused.message).toContain('prompt is too long');
  });

  it.each([500, 503, 529] as const)('maps %i to unavailable', async (status) => {
    current().script.fail({ status });
    const failure = await failureOf(
      harness.provider(current()).complete(request(harness.model, ask('Hi'))),
    );
    expect(failure).toMatchObject({ kind: 'unavailable', status });
    expect(failure.message).toContain(`(${status}`);
  });

  it('maps a dropped connection to unavailable', async () => {
    current().faults.inject({ kind: 'drop' });
    const failure = await failureOf(
      harness.provider(current()).complete(request(harness.model, ask('Hi'))),
    );
    expect(failure.kind).toBe('unavailable');
    expect(failure.status).toBeUndefined();
  });

  it('maps a hung call to unavailable after the timeout', async () => {
    current().faults.inject({ kind: 'hang' });
    const failure = await failureOf(
      harness.provider(current(), { timeoutMs: 300 }).complete(request(harness.model, ask('Hi'))),
    );
    expect(failure.kind).toBe('unavailable');
    expect(failure.message).toContain('did not answer');
  });

  it('maps a cancelled call to unavailable, saying so', async () => {
    current().faults.inject({ kind: 'hang' });
    const controller = new AbortController();
    const pending = harness
      .provider(current())
      .complete(request(harness.model, ask('Hi'), { signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    const failure = await failureOf(pending);
    expect(failure.kind).toBe('unavailable');
    expect(failure.message).toContain('cancelled');
  });

  it('maps a body that is not JSON to malformed', async () => {
    current().faults.inject({ kind: 'malformed' });
    const failure = await failureOf(
      harness.provider(current()).complete(request(harness.model, ask('Hi'))),
    );
    expect(failure.kind).toBe('malformed');
  });

  it('refuses to start without a key', () => {
    expect(() => harness.provider(current(), { apiKey: ' ' })).toThrow(ConfigError);
  });
});

/** A one-route HTTP server on 127.0.0.1 answering scripted JSON bodies and recording requests. */
async function startStub(
  answers: unknown[],
): Promise<{ url: string; received: unknown[]; server: Server }> {
  const received: unknown[] = [];
  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  };
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      received.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answers.shift() ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, server };
}

describe('echo of signed reasoning in tool-calling turns', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('sends Claude thinking blocks back unmodified with the tool result', async () => {
    const thinking = { type: 'thinking', thinking: 'Need the weather tool.', signature: 'sig-abc' };
    const stub = await startStub([
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-5-5',
        content: [
          thinking,
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
        ],
        stop_reason: 'tool_use',
        stop_sequence: null,
        usage: { input_tokens: 10, output_tokens: 20 },
      },
      {
        id: 'msg_2',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-5-5',
        content: [{ type: 'text', text: '3 degrees.' }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 30, output_tokens: 5 },
      },
    ]);
    servers.push(stub.server);
    const provider = createProvider('anthropic', { apiKey: 'stub-key', baseUrl: stub.url });
    const first = await provider.complete(
      request('claude-sonnet-5-5', [{ role: 'user', text: 'Oslo?' }]),
    );
    expect(first.text).toBe('');
    const messages: ModelMessage[] = [
      { role: 'user', text: 'Oslo?' },
      { role: 'assistant', text: first.text, toolCalls: first.toolCalls },
      {
        role: 'tool',
        results: [{ id: 'toolu_1', name: 'get_weather', text: '3', isError: false }],
      },
    ];
    await provider.complete(request('claude-sonnet-5-5', messages));
    expect(list(stub.received[1], 'messages')[1]).toEqual({
      role: 'assistant',
      content: [
        thinking,
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Oslo' } },
      ],
    });
  });

  it('sends Gemini thought signatures back on their functionCall parts', async () => {
    const modelParts = [
      { text: 'Checking.', thought: true },
      {
        functionCall: { name: 'get_weather', args: { city: 'Oslo' } },
        thoughtSignature: 'c2lnbmVk',
      },
    ];
    const stub = await startStub([
      {
        candidates: [
          { content: { role: 'model', parts: modelParts }, finishReason: 'STOP', index: 0 },
        ],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 4, thoughtsTokenCount: 6 },
      },
      {
        candidates: [
          { content: { role: 'model', parts: [{ text: '3 degrees.' }] }, finishReason: 'STOP' },
        ],
        usageMetadata: { promptTokenCount: 30 },
      },
    ]);
    servers.push(stub.server);
    const provider = createProvider('gemini', { apiKey: 'stub-key', baseUrl: stub.url });
    const first = await provider.complete(
      request('gemini-4-argon', [{ role: 'user', text: 'Oslo?' }]),
    );
    // The thought summary is not the answer, and thinking tokens are billed as output.
    expect(first).toMatchObject({
      text: '',
      stopReason: 'tool_calls',
      usage: { inputTokens: 10, outputTokens: 10 },
    });
    const call = first.toolCalls[0];
    if (!call) throw new Error('no call');
    const second = await provider.complete(
      request('gemini-4-argon', [
        { role: 'user', text: 'Oslo?' },
        { role: 'assistant', text: first.text, toolCalls: first.toolCalls },
        {
          role: 'tool',
          results: [{ id: call.id, name: 'get_weather', text: '3', isError: false }],
        },
      ]),
    );
    expect(second.usage).toEqual({ inputTokens: 30, outputTokens: 0 });
    expect(list(stub.received[1], 'contents')[1]).toEqual({ role: 'model', parts: modelParts });
  });
});

describe('provider helpers', () => {
  it('reads JSON arguments: an object, nothing for a tool without parameters, an explanation otherwise', () => {
    expect(toolCallWithJsonArguments('c1', 'scale', '{"replicas": 2}')).toEqual({
      id: 'c1',
      name: 'scale',
      arguments: { replicas: 2 },
    });
    expect(toolCallWithJsonArguments('c2', 'list_pods', ' ')).toMatchObject({ arguments: {} });
    expect(toolCallWithJsonArguments('c3', 'scale', '[2]')).toMatchObject({
      arguments: undefined,
      argumentsError: expect.stringContaining('an array') as unknown,
    });
    expect(toolCallWithArguments('c4', 'scale', null).argumentsError).toContain('null');
  });

  it('forgets the oldest tool-calling turn beyond its capacity', () => {
    const memory = new ToolTurnMemory<string>(2);
    memory.remember([{ id: 'a' }], 'turn a');
    memory.remember([{ id: 'b' }, { id: 'c' }], 'turn bc');
    memory.remember([{ id: 'd' }], 'turn d');
    expect(memory.recall([{ id: 'a' }])).toBeUndefined();
    expect(memory.recall([{ id: 'b' }, { id: 'c' }])).toBe('turn bc');
    expect(memory.recall([{ id: 'b' }])).toBeUndefined();
    expect(memory.recall([])).toBeUndefined();
  });

  it('loads an SDK once, and again after a failed load', async () => {
    let attempts = 0;
    const load = loadOnce(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('cannot find module');
      return { client: attempts };
    });
    await expect(load()).rejects.toThrow('cannot find module');
    expect(await load()).toEqual({ client: 2 });
    expect(await load()).toEqual({ client: 2 });
    expect(attempts).toBe(2);
  });
});

describe('geminiParameterSchema', () => {
  it('drops $schema at every schema level and keeps properties of any name', () => {
    expect(
      geminiParameterSchema({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: {
          $schema: { type: 'string' },
          filter: {
            $schema: 'x',
            type: 'object',
            additionalProperties: { $schema: 'x', type: 'string' },
          },
          tags: { type: 'array', items: { $schema: 'x', type: 'string' } },
          target: { anyOf: [{ $schema: 'x', type: 'string' }, { type: 'null' }] },
        },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        $schema: { type: 'string' },
        filter: { type: 'object', additionalProperties: { type: 'string' } },
        tags: { type: 'array', items: { type: 'string' } },
        target: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      },
    });
  });
});

describe('retryAfterSeconds', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-26T12:00:00Z');
    expect(retryAfterSeconds('7', now)).toBe(7);
    expect(retryAfterSeconds('1.2', now)).toBe(2);
    expect(retryAfterSeconds('Thu, 26 Nov 2026 12:00:30 GMT', now)).toBe(30);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(null, now)).toBeUndefined();
  });
});

describe('default models', () => {
  it('serves gemini aliases by Gemini and claude aliases by Anthropic, each with a priced default', () => {
    for (const alias of MODEL_ALIASES) {
      const target = resolveModel(alias, { viaProxy: false });
      expect(target.provider).toBe(alias.startsWith('claude-') ? 'anthropic' : 'gemini');
      expect(target.model).toBe(DEFAULT_MODEL_IDS[alias]);
      expect(priceOf(target.model)).toBeDefined();
    }
  });

  it('sends every alias through the proxy under its own name, unless overridden', () => {
    expect(resolveModel('claude-opus', { viaProxy: true })).toEqual({
      alias: 'claude-opus',
      provider: 'openai',
      model: 'claude-opus',
    });
    expect(
      resolveModel('gemini-pro', { viaProxy: true, overrides: { 'gemini-pro': 'pro-fast' } }),
    ).toMatchObject({ provider: 'openai', model: 'pro-fast' });
    expect(
      resolveModel('claude-sonnet', {
        viaProxy: false,
        overrides: { 'claude-sonnet': 'claude-sonnet-5' },
      }),
    ).toEqual({ alias: 'claude-sonnet', provider: 'anthropic', model: 'claude-sonnet-5' });
  });
});

describe('costUsd', () => {
  const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000 };

  it('prices Claude calls at the list price per million tokens', () => {
    expect(costUsd('claude-sonnet-5-5', usage)).toEqual({ usd: 12, priced: true });
    expect(costUsd('claude-opus-5-5', { inputTokens: 1000, outputTokens: 200 }).usd).toBeCloseTo(
      0.008,
      12,
    );
  });

  it('applies announced price changes from their day', () => {
    expect(costUsd('gemini-4-argon', usage, {}, new Date('2026-11-30T23:59:59Z')).usd).toBe(12);
    expect(costUsd('gemini-4-argon', usage, {}, new Date('2026-12-01T00:00:00Z')).usd).toBe(24);
    expect(costUsd('gemini-3.8-flash', usage, {}, new Date('2026-12-31T12:00:00Z')).usd).toBe(4.5);
    expect(costUsd('gemini-3.8-flash', usage, {}, new Date('2027-01-01T00:00:00Z')).usd).toBe(9);
  });

  it('says an unknown model is not priced instead of pretending it was free', () => {
    expect(costUsd('gemini-flash', usage)).toEqual({ usd: 0, priced: false });
  });

  it('lets config price a model (a LiteLLM name included) and replace a list price', () => {
    const overrides = priceOverridesSchema.parse({
      'gemini-flash': { inputPerMTok: 0.5, outputPerMTok: 2 },
      'claude-sonnet-5-5': { inputPerMTok: 1, outputPerMTok: 1 },
    });
    expect(costUsd('gemini-flash', usage, overrides)).toEqual({ usd: 2.5, priced: true });
    expect(costUsd('claude-sonnet-5-5', usage, overrides)).toEqual({ usd: 2, priced: true });
    expect(
      priceOverridesSchema.safeParse({ m: { inputPerMTok: -1, outputPerMTok: 1 } }).success,
    ).toBe(false);
  });
});
