// The simulated model APIs (src/upstreams/llm.ts) driven by the real official SDKs: Anthropic
// (`@anthropic-ai/sdk`), Gemini (`@google/genai`) and an OpenAI-compatible proxy (`openai`).
// Every request and response is checked against the simulator's zod schemas, and a violation
// fails the test that caused it.

import Anthropic from '@anthropic-ai/sdk';
import { ApiError, GoogleGenAI, type Content } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  MALFORMED_TOOL_ARGS,
  NO_SCRIPTED_REPLY,
  startModelSim,
  type ModelSim,
} from '../src/index.js';
import { failOnViolations } from '../src/vitest.js';

const KEY = 'test-key';
const CANARY = 'canary-7f3a9e1c';
const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  schema: {
    type: 'object' as const,
    properties: { city: { type: 'string' } },
    required: ['city'],
  },
};

function useSim(kind: ModelSim['kind']): () => ModelSim {
  let sim: ModelSim | undefined;
  beforeAll(async () => {
    sim = await startModelSim({ kind, apiKey: KEY });
  });
  afterAll(() => sim?.close());
  afterEach(() => {
    sim?.script.clear();
  });
  const get = (): ModelSim => {
    if (!sim) throw new Error('simulator not started');
    return sim;
  };
  failOnViolations(get);
  return get;
}

describe('the simulated Anthropic Messages API', () => {
  const sim = useSim('anthropic');
  const client = (apiKey = KEY): Anthropic =>
    new Anthropic({ apiKey, baseURL: sim().url, maxRetries: 0 });
  const tools: Anthropic.Tool[] = [
    {
      name: weatherTool.name,
      description: weatherTool.description,
      input_schema: weatherTool.schema,
    },
  ];

  it('answers with scripted text and counts tokens deterministically', async () => {
    sim().script.reply({ text: 'hello there' });
    const msg = await client().messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: 'be brief',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'hello there' }]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.model).toBe('claude-sonnet-4-5');
    expect(msg.usage.output_tokens).toBe(Math.ceil(JSON.stringify(msg.content).length / 4));
    expect(msg.usage.input_tokens).toBeGreaterThan(0);
  });

  it('runs a tool round trip: tool_use, tool_result, text', async () => {
    sim().script.reply({ toolCalls: [{ name: 'get_weather', args: { city: 'Oslo' } }] });
    sim().script.reply({ text: 'It is 3 degrees in Oslo.' });
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Oslo?' }];
    const first = await client().messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools,
      messages,
    });
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content[0];
    if (use?.type !== 'tool_use') throw new Error('expected tool_use');
    expect(use).toMatchObject({ name: 'get_weather', input: { city: 'Oslo' } });
    messages.push(
      { role: 'assistant', content: first.content },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: use.id, content: '3 degrees' }],
      },
    );
    const second = await client().messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools,
      messages,
    });
    expect(second.content).toEqual([{ type: 'text', text: 'It is 3 degrees in Oslo.' }]);
    expect(JSON.stringify(sim().script.received[1])).toContain(use.id);
  });

  it('streams a scripted reply as SSE', async () => {
    sim().script.reply({
      text: 'streamed',
      toolCalls: [{ name: 'get_weather', args: { city: 'Rome' } }],
    });
    const stream = client().messages.stream({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools,
      messages: [{ role: 'user', content: 'hi' }],
    });
    const msg = await stream.finalMessage();
    expect(msg.content).toMatchObject([
      { type: 'text', text: 'streamed' },
      { type: 'tool_use', name: 'get_weather', input: { city: 'Rome' } },
    ]);
    expect(msg.stop_reason).toBe('tool_use');
  });

  it('answers an empty reply with no content', async () => {
    sim().script.reply({ empty: true });
    const msg = await client().messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.content).toEqual([]);
    expect(msg.usage.output_tokens).toBe(1);
  });

  it('passes malformed tool input through unchanged', async () => {
    sim().script.reply({ malformedToolArgs: true, toolCalls: [{ name: 'get_weather' }] });
    const msg = await client().messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      tools,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.content[0]).toMatchObject({ type: 'tool_use', input: MALFORMED_TOOL_ARGS });
  });

  it.each([
    [429, Anthropic.RateLimitError, 'rate_limit_error'],
    [529, Anthropic.InternalServerError, 'overloaded_error'],
    [500, Anthropic.InternalServerError, 'api_error'],
  ] as const)('a scripted %i surfaces as the SDK error', async (status, ErrorClass, type) => {
    sim().script.fail({ status, retryAfterSeconds: 7 });
    const failed = await client()
      .messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ErrorClass);
    expect(failed).toMatchObject({ status, error: { type: 'error', error: { type } } });
  });

  it('refuses a wrong key with authentication_error', async () => {
    sim().script.reply({ text: 'never sent' });
    const failed = await client('wrong')
      .messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(sim().script.pending).toBe(1);
  });

  it('answers 500 when the script is empty', async () => {
    const failed = await client()
      .messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(Anthropic.InternalServerError);
    expect(String((failed as Error).message)).toContain(NO_SCRIPTED_REPLY);
  });

  it('records every body it received', async () => {
    sim().script.reply({ text: 'ok' });
    await client().messages.create({
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: `secret ${CANARY}` }],
    });
    await client('wrong')
      .messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'y' }] })
      .catch(() => undefined);
    expect(sim().script.received).toHaveLength(2);
    expect(sim().script.received[0]).toMatchObject({ model: 'm', max_tokens: 10 });
    expect(sim().script.sawText(CANARY)).toBe(true);
    expect(sim().script.sawText('not-sent')).toBe(false);
  });

  it('rejects a request that breaks the Messages schema as a violation', async () => {
    const response = await fetch(`${sim().url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': KEY,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify({ model: 'm', messages: [] }),
    });
    expect(response.status).toBe(400);
    expect(sim().violations.splice(0)).toHaveLength(1);
  });
});

describe('the simulated Gemini API', () => {
  const sim = useSim('gemini');
  const client = (apiKey = KEY): GoogleGenAI =>
    new GoogleGenAI({ apiKey, httpOptions: { baseUrl: sim().url } });
  const config = {
    tools: [
      {
        functionDeclarations: [
          {
            name: weatherTool.name,
            description: weatherTool.description,
            parametersJsonSchema: weatherTool.schema,
          },
        ],
      },
    ],
  };

  it('answers with scripted text', async () => {
    sim().script.reply({ text: 'hello there' });
    const v1beta = new GoogleGenAI({
      apiKey: KEY,
      httpOptions: { baseUrl: sim().url, apiVersion: 'v1beta' },
    });
    const response = await v1beta.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'hi',
      config: { systemInstruction: 'be brief' },
    });
    expect(response.text).toBe('hello there');
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
    expect(response.usageMetadata?.candidatesTokenCount).toBe(
      Math.ceil(JSON.stringify([{ text: 'hello there' }]).length / 4),
    );
    expect(sim().requests.at(-1)?.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
  });

  it('runs a tool round trip: functionCall, functionResponse, text', async () => {
    sim().script.reply({ toolCalls: [{ name: 'get_weather', args: { city: 'Oslo' } }] });
    sim().script.reply({ text: 'It is 3 degrees in Oslo.' });
    const contents: Content[] = [{ role: 'user', parts: [{ text: 'Weather in Oslo?' }] }];
    const first = await client().models.generateContent({
      model: 'gemini-2.5-flash',
      contents,
      config,
    });
    expect(first.functionCalls).toEqual([{ name: 'get_weather', args: { city: 'Oslo' } }]);
    const modelContent = first.candidates?.[0]?.content;
    if (!modelContent) throw new Error('no content');
    contents.push(modelContent, {
      role: 'user',
      parts: [{ functionResponse: { name: 'get_weather', response: { degrees: 3 } } }],
    });
    const second = await client().models.generateContent({
      model: 'gemini-2.5-flash',
      contents,
      config,
    });
    expect(second.text).toBe('It is 3 degrees in Oslo.');
    expect(JSON.stringify(sim().script.received[1])).toContain('functionResponse');
  });

  it('answers an empty reply with a candidate without parts', async () => {
    sim().script.reply({ empty: true });
    const response = await client().models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'hi',
    });
    expect(response.text).toBeUndefined();
    expect(response.candidates?.[0]?.content?.parts ?? []).toEqual([]);
  });

  it('passes malformed function args through unchanged', async () => {
    sim().script.reply({ malformedToolArgs: true, toolCalls: [{ name: 'get_weather' }] });
    const response = await client().models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'hi',
      config,
    });
    expect(response.candidates?.[0]?.content?.parts?.[0]?.functionCall).toEqual({
      name: 'get_weather',
      args: MALFORMED_TOOL_ARGS,
    });
  });

  it('surfaces a scripted 429 as an ApiError with RESOURCE_EXHAUSTED', async () => {
    sim().script.fail({ status: 429 });
    const failed = await client()
      .models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ApiError);
    expect((failed as ApiError).status).toBe(429);
    expect((failed as ApiError).message).toContain('RESOURCE_EXHAUSTED');
  });

  it('refuses a wrong key (400) and accepts the key as a query parameter', async () => {
    const failed = await client('wrong')
      .models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ApiError);
    expect((failed as ApiError).status).toBe(400);
    expect((failed as ApiError).message).toContain('API key not valid');

    sim().script.reply({ text: 'by query' });
    const response = await fetch(
      `${sim().url}/v1beta/models/gemini-2.5-flash:generateContent?key=${KEY}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: CANARY }] }] }),
      },
    );
    expect(response.status).toBe(200);
    expect(sim().script.sawText(CANARY)).toBe(true);
    expect(sim().script.received).toHaveLength(2);
  });

  it('answers 500 when the script is empty', async () => {
    const failed = await client()
      .models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' })
      .catch((error: unknown) => error);
    expect((failed as ApiError).status).toBe(500);
    expect((failed as ApiError).message).toContain('no scripted reply');
  });
});

describe('the simulated OpenAI-compatible (LiteLLM) API', () => {
  const sim = useSim('openai');
  const client = (apiKey = KEY): OpenAI =>
    new OpenAI({ apiKey, baseURL: `${sim().url}/v1`, maxRetries: 0 });
  const tools: OpenAI.ChatCompletionTool[] = [
    {
      type: 'function',
      function: {
        name: weatherTool.name,
        description: weatherTool.description,
        parameters: weatherTool.schema,
      },
    },
  ];

  it('answers with scripted text', async () => {
    sim().script.reply({ text: 'hello there' });
    const completion = await client().chat.completions.create({
      model: 'claude-via-litellm',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(completion.choices[0]?.message.content).toBe('hello there');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBe(3);
  });

  it('runs a tool round trip: tool_calls, tool message, text', async () => {
    sim().script.reply({ toolCalls: [{ name: 'get_weather', args: { city: 'Oslo' } }] });
    sim().script.reply({ text: 'It is 3 degrees in Oslo.' });
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'Weather in Oslo?' },
    ];
    const first = await client().chat.completions.create({ model: 'm', messages, tools });
    const choice = first.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    const call = choice?.message.tool_calls?.[0];
    if (!choice || call?.type !== 'function') throw new Error('expected a function call');
    expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Oslo' });
    messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '3 degrees' });
    const second = await client().chat.completions.create({ model: 'm', messages, tools });
    expect(second.choices[0]?.message.content).toBe('It is 3 degrees in Oslo.');
  });

  it('answers an empty reply with null content', async () => {
    sim().script.reply({ empty: true });
    const completion = await client().chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(completion.choices[0]?.message.content).toBeNull();
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
  });

  it('passes arguments that are not JSON through unchanged', async () => {
    sim().script.reply({ malformedToolArgs: true, toolCalls: [{ name: 'get_weather' }] });
    const completion = await client().chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      tools,
    });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.arguments).toBe(MALFORMED_TOOL_ARGS);
    expect(() => JSON.parse(call.function.arguments) as unknown).toThrow();
  });

  it('surfaces a scripted 429 as the SDK RateLimitError', async () => {
    sim().script.fail({ status: 429, message: 'slow down' });
    const failed = await client()
      .chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpenAI.RateLimitError);
    expect((failed as Error).message).toContain('slow down');
  });

  it('refuses a wrong bearer token', async () => {
    const failed = await client('wrong')
      .chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: CANARY }],
      })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(sim().script.sawText(CANARY)).toBe(true);
  });
});
