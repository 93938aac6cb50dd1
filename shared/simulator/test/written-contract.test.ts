// Routes that follow a written contract (no OpenAPI, e.g. specs/home-assistant-api.md) carry
// their own zod schemas; the same works for extra endpoints next to an OpenAPI contract.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startUpstream, type Upstream } from '../src/index.js';
import { onAlertmanagerContract, withUpstream } from './helpers.js';

const entityState = z.object({
  entity_id: z.string().regex(/^[a-z_]+\.[a-z0-9_]+$/),
  state: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  last_changed: z.iso.datetime({ offset: true }),
});
const serviceCall = z.object({ entity_id: z.union([z.string(), z.array(z.string())]) }).loose();

interface HomeState {
  states: Map<string, z.infer<typeof entityState>>;
}

describe('a written-contract upstream (Home Assistant REST)', () => {
  let ha: Upstream<HomeState>;
  beforeAll(async () => {
    const now = new Date().toISOString();
    ha = await startUpstream<HomeState>({
      name: 'home-assistant',
      state: {
        states: new Map([
          [
            'light.kitchen',
            {
              entity_id: 'light.kitchen',
              state: 'off',
              attributes: { brightness: 0 },
              last_changed: now,
            },
          ],
        ]),
      },
      auth: (req) => req.headers.authorization === 'Bearer ha-token',
      routes: [
        {
          method: 'GET',
          path: '/api/states',
          response: z.array(entityState),
          handler: (_req, state) => ({ status: 200, body: [...state.states.values()] }),
        },
        {
          method: 'GET',
          path: '/api/states/{entity_id}',
          response: entityState,
          handler: (req, state) => {
            const found = state.states.get(req.params.entity_id ?? '');
            return found
              ? { status: 200, body: found }
              : { status: 404, body: { message: 'Entity not found.' } };
          },
        },
        {
          method: 'POST',
          path: '/api/services/{domain}/{service}',
          request: serviceCall,
          response: z.array(entityState),
          handler: (req, state) => {
            const { entity_id: target } = req.body as z.infer<typeof serviceCall>;
            const changed = [];
            for (const id of Array.isArray(target) ? target : [target]) {
              const current = state.states.get(id);
              if (!current) continue;
              const on = req.params.service === 'turn_on';
              const next = {
                ...current,
                state: on ? 'on' : 'off',
                attributes: { ...current.attributes, brightness: on ? 255 : 0 },
                last_changed: new Date().toISOString(),
              };
              state.states.set(id, next);
              changed.push(next);
            }
            return {
              status: 200,
              body: req.query.has('broken') ? [{ entity_id: 'Light Kitchen' }] : changed,
            };
          },
        },
      ],
    });
  });
  afterAll(() => ha.close());

  const headers = { authorization: 'Bearer ha-token', 'content-type': 'application/json' };

  it('keeps state across calls and validates both directions', async () => {
    const call = await fetch(`${ha.url}/api/services/light/turn_on`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ entity_id: 'light.kitchen' }),
    });
    expect(call.status).toBe(200);
    const state = (await (
      await fetch(`${ha.url}/api/states/light.kitchen`, { headers })
    ).json()) as { state: string };
    expect(state.state).toBe('on');
    expect((await fetch(`${ha.url}/api/states/light.garage`, { headers })).status).toBe(404);
    ha.assertNoViolations();
  });

  it('rejects a request body that breaks the route schema', async () => {
    const res = await fetch(`${ha.url}/api/services/light/turn_on`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ brightness: 3 }),
    });
    expect(res.status).toBe(400);
    expect(ha.violations[0]?.issues[0]).toMatchObject({
      location: 'body',
      instancePath: '/entity_id',
    });
    ha.reset();
  });

  it('records a 2xx response that breaks the route schema', async () => {
    await fetch(`${ha.url}/api/services/light/turn_off?broken=1`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ entity_id: ['light.kitchen'] }),
    });
    const paths = (ha.violations[0]?.issues ?? []).map((found) => found.instancePath);
    expect(paths).toEqual(expect.arrayContaining(['/0/entity_id', '/0/state']));
    expect(ha.violations[0]?.operation).toBe('POST /api/services/{domain}/{service}');
    ha.reset();
  });

  it('an unknown path is a violation and a 404', async () => {
    const res = await fetch(`${ha.url}/api/nope`, { headers });
    expect(res.status).toBe(404);
    expect(ha.violations[0]?.issues[0]?.message).toBe('matches no route');
    ha.reset();
  });
});

describe('zod routes next to an OpenAPI contract', () => {
  it('allows an endpoint outside the spec when it has its own schemas', async () => {
    const options = await onAlertmanagerContract([
      {
        method: 'GET',
        path: '/-/healthy',
        response: z.literal('OK'),
        handler: (req) => ({ status: 200, raw: req.query.has('broken') ? 'KO' : 'OK' }),
      },
    ]);
    await withUpstream(options, async (upstream) => {
      const res = await fetch(`${upstream.url}/-/healthy`);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe('OK');
      upstream.assertNoViolations();
      await fetch(`${upstream.url}/-/healthy?broken=1`);
      expect(upstream.violations).toHaveLength(1);
    });
  });
});
