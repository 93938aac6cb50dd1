// The framework's options for upstreams whose published contracts need help (added for the
// Kubernetes and Argo CD simulators): several contracts on one upstream, the upstream's own
// answer to a failed `auth`, error statuses the contract leaves out (`undeclaredErrors`),
// per-media-type request bodies that replace a wrong contract schema (`requestBodies`), and
// negotiated representations checked against their own schema (`SimResponse.schema`).

import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadContract, startUpstream, type Upstream, type UpstreamOptions } from '../src/index.js';
import { JSON_HEADERS, withUpstream } from './helpers.js';

const started: Array<Upstream<unknown>> = [];

async function start<S>(options: UpstreamOptions<S>): Promise<Upstream<S>> {
  const upstream = await startUpstream(options);
  started.push(upstream as Upstream<unknown>);
  return upstream;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((upstream) => upstream.close()));
});

describe('several contracts on one upstream', () => {
  it('checks each route against the contract that declares it', async () => {
    const [alertmanager, sonarr] = await Promise.all([
      loadContract('alertmanager-v0.34.0-api-v2-openapi.yaml'),
      loadContract('sonarr-v3-openapi.json'),
    ]);
    const upstream = await start({
      name: 'both',
      contract: [alertmanager, sonarr],
      state: {},
      routes: [
        { method: 'GET', path: '/api/v2/silences', handler: () => ({ status: 200, body: [] }) },
        {
          method: 'GET',
          path: '/api/v3/series',
          handler: () => ({ status: 200, body: [{ id: 'not a number' }] }),
        },
      ],
    });
    expect(upstream.contract).toBe(alertmanager);
    expect(upstream.contracts).toEqual([alertmanager, sonarr]);
    expect((await fetch(`${upstream.url}/api/v2/silences`)).status).toBe(200);
    expect(upstream.violations).toEqual([]);
    await fetch(`${upstream.url}/api/v3/series`);
    expect(upstream.violations.map((violation) => violation.operation)).toEqual([
      'GET /api/v3/series',
    ]);
    upstream.reset();
    expect((await fetch(`${upstream.url}/api/v4/nothing`)).status).toBe(404);
    expect(upstream.violations[0]?.message).toContain('Alertmanager API');
    expect(upstream.violations[0]?.message).toContain('Sonarr');
    upstream.reset();
  });

  it('refuses a route that no contract declares', async () => {
    const [alertmanager, sonarr] = await Promise.all([
      loadContract('alertmanager-v0.34.0-api-v2-openapi.yaml'),
      loadContract('sonarr-v3-openapi.json'),
    ]);
    await expect(
      startUpstream({
        name: 'both',
        contract: [alertmanager, sonarr],
        state: {},
        routes: [{ method: 'GET', path: '/nowhere', handler: () => ({ status: 200 }) }],
      }),
    ).rejects.toThrow(
      /alertmanager-v0\.34\.0-api-v2-openapi\.yaml .* or .*sonarr-v3-openapi\.json/,
    );
  });
});

describe('unauthorized', () => {
  it('answers a failed auth in the upstream shape', async () => {
    await withUpstream(
      {
        name: 'alertmanager',
        contract: await loadContract('alertmanager-v0.34.0-api-v2-openapi.yaml'),
        state: {},
        auth: (req) => req.headers.authorization === 'Bearer t',
        unauthorized: (req) => ({ status: 401, body: { error: 'no session', path: req.path } }),
        routes: [
          { method: 'GET', path: '/api/v2/silences', handler: () => ({ status: 200, body: [] }) },
        ],
      },
      async (upstream) => {
        const res = await fetch(`${upstream.url}/api/v2/silences`);
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({ error: 'no session', path: '/api/v2/silences' });
      },
    );
  });
});

describe('undeclaredErrors', () => {
  const erroring = async (
    undeclaredErrors: UpstreamOptions<object>['undeclaredErrors'],
    body: unknown,
  ) =>
    start<object>({
      name: 'alertmanager',
      contract: await loadContract('alertmanager-v0.34.0-api-v2-openapi.yaml'),
      state: {},
      undeclaredErrors,
      routes: [{ method: 'GET', path: '/api/v2/status', handler: () => ({ status: 503, body }) }],
    });

  it('accepts an error status the operation does not declare when its body fits a $ref of the contract', async () => {
    const ok = await erroring({ $ref: '#/definitions/receiver' }, { name: 'down' });
    expect((await fetch(`${ok.url}/api/v2/status`)).status).toBe(503);
    expect(ok.violations).toEqual([]);
    const bad = await erroring({ $ref: '#/definitions/receiver' }, { name: 5 });
    await fetch(`${bad.url}/api/v2/status`);
    expect(bad.violations[0]?.issues[0]).toMatchObject({
      instancePath: '/name',
      schemaPath: '#/definitions/receiver/properties/name/type',
    });
    bad.reset();
  });

  it('refuses a $ref the contract does not have', async () => {
    await expect(erroring({ $ref: '#/definitions/nope' }, {})).rejects.toThrow(
      /undeclaredErrors #\/definitions\/nope is not in .*alertmanager/,
    );
  });

  it('accepts one that fits a zod schema, and records a violation without the option', async () => {
    const ok = await erroring(z.object({ error: z.string() }), { error: 'down' });
    await fetch(`${ok.url}/api/v2/status`);
    expect(ok.violations).toEqual([]);
    const strict = await erroring(undefined, { error: 'down' });
    await fetch(`${strict.url}/api/v2/status`);
    expect(strict.violations[0]?.message).toContain('503 is not declared');
    strict.reset();
  });
});

describe('requestBodies', () => {
  it('checks a body of that media type against its own schema instead of the contract', async () => {
    const upstream = await start<object>({
      name: 'alertmanager',
      contract: await loadContract('alertmanager-v0.34.0-api-v2-openapi.yaml'),
      state: {},
      routes: [
        {
          method: 'POST',
          path: '/api/v2/alerts',
          requestBodies: { 'application/json-patch+json': z.array(z.object({ op: z.string() })) },
          handler: () => ({ status: 200 }),
        },
      ],
    });
    const post = (body: unknown, contentType: string) =>
      fetch(`${upstream.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: JSON.stringify(body),
      });
    expect((await post([{ op: 'add' }], 'application/json-patch+json')).status).toBe(200);
    expect(upstream.violations).toEqual([]);
    expect((await post([{ op: 1 }], 'application/json-patch+json')).status).toBe(400);
    expect((await post([{ op: 'add' }], JSON_HEADERS['content-type'])).status).toBe(400);
    expect(upstream.violations).toHaveLength(2);
    upstream.reset();
  });
});

describe('SimResponse.schema', () => {
  it('checks a negotiated representation against its own schema instead of the contract', async () => {
    const table = z.object({ kind: z.literal('Table'), rows: z.array(z.unknown()) });
    const upstream = await start<object>({
      name: 'alertmanager',
      contract: await loadContract('alertmanager-v0.34.0-api-v2-openapi.yaml'),
      state: {},
      routes: [
        {
          method: 'GET',
          path: '/api/v2/silences',
          handler: (req) =>
            req.headers.accept === 'table'
              ? {
                  status: 200,
                  body: { kind: 'Table', rows: req.query.has('bad') ? 'x' : [] },
                  schema: table,
                }
              : { status: 200, body: [] },
        },
      ],
    });
    await fetch(`${upstream.url}/api/v2/silences`, { headers: { accept: 'table' } });
    await fetch(`${upstream.url}/api/v2/silences`);
    expect(upstream.violations).toEqual([]);
    await fetch(`${upstream.url}/api/v2/silences?bad`, { headers: { accept: 'table' } });
    expect(upstream.violations[0]?.issues[0]).toMatchObject({ instancePath: '/rows' });
    upstream.reset();
  });
});
