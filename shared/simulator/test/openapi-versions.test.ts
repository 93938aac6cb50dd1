// Contract checks on each spec dialect: OpenAPI 3.0 (Sonarr, `nullable`, $ref'd query enums),
// OpenAPI 3.1 (Plex, `type: [x, 'null']`, required header parameters) and Swagger 2.0 served
// under a base path (Argo CD behind `--rootpath /argocd`, `default` responses).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContract, startUpstream, type Upstream } from '../src/index.js';

function series(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 1,
    title: 'Severance',
    sortTitle: 'severance',
    status: 'continuing',
    ended: false,
    overview: null,
    network: 'Apple TV+',
    seasons: [{ seasonNumber: 1, monitored: true, images: null }],
    year: 2022,
    path: '/tv/Severance',
    qualityProfileId: 1,
    seasonFolder: true,
    monitored: true,
    tvdbId: 371980,
    seriesType: 'standard',
    tags: [],
    added: '2024-05-01T10:00:00Z',
    nextAiring: null,
    ...overrides,
  };
}

describe('OpenAPI 3.0: Sonarr v3', () => {
  let sonarr: Upstream<{ series: Array<Record<string, unknown>> }>;
  beforeAll(async () => {
    const contract = await loadContract('sonarr-v3-openapi.json');
    expect(contract.version).toBe('3.0');
    expect(contract.basePath).toBe('');
    sonarr = await startUpstream({
      name: 'sonarr',
      contract,
      state: { series: [series()] },
      auth: (req) =>
        req.headers['x-api-key'] === 'sonarr-key' || req.query.get('apikey') === 'sonarr-key',
      routes: [
        {
          method: 'GET',
          path: '/api/v3/series',
          handler: (_req, state) => ({ status: 200, body: state.series }),
        },
        {
          method: 'GET',
          path: '/api/v3/queue',
          handler: () => ({
            status: 200,
            body: {
              page: 1,
              pageSize: 10,
              sortKey: null,
              sortDirection: 'ascending',
              totalRecords: 0,
              records: [],
            },
          }),
        },
      ],
    });
  });
  afterAll(() => sonarr.close());

  const get = (path: string): Promise<Response> =>
    fetch(`${sonarr.url}${path}`, { headers: { 'x-api-key': 'sonarr-key' } });

  it('serves a valid series list (nullable fields included) without violations', async () => {
    const res = await get('/api/v3/series?tvdbId=371980&includeSeasonImages=true');
    expect(res.status).toBe(200);
    expect(((await res.json()) as unknown[]).length).toBe(1);
    sonarr.assertNoViolations();
    expect((await fetch(`${sonarr.url}/api/v3/series`)).status).toBe(401);
  });

  it('flags an integer query parameter that is not an integer', async () => {
    const res = await get('/api/v3/series?tvdbId=abc');
    expect(res.status).toBe(400);
    expect(sonarr.violations[0]?.issues[0]).toMatchObject({
      location: "query parameter 'tvdbId'",
      message: 'must be integer',
    });
    sonarr.reset();
  });

  it('flags query values outside a $ref enum, also inside arrays', async () => {
    expect(
      (await get('/api/v3/queue?protocol=torrent&sortDirection=descending&seriesIds=1&seriesIds=2'))
        .status,
    ).toBe(200);
    sonarr.assertNoViolations();
    const res = await get('/api/v3/queue?protocol=ftp&seriesIds=1&seriesIds=two');
    expect(res.status).toBe(400);
    const issues = sonarr.violations[0]?.issues ?? [];
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          location: "query parameter 'protocol'",
          message: 'must be equal to one of the allowed values ["unknown","usenet","torrent"]',
          schemaPath: '#/components/schemas/DownloadProtocol/enum',
        }),
        expect.objectContaining({
          location: "query parameter 'seriesIds'",
          instancePath: '/1',
          message: 'must be integer',
        }),
      ]),
    );
    sonarr.reset();
  });

  it('flags a response breaking additionalProperties: false and a non-nullable null', async () => {
    sonarr.state.series = [series({ favourite: true, monitored: null })];
    await get('/api/v3/series');
    sonarr.state.series = [series()];
    const messages = (sonarr.violations[0]?.issues ?? []).map(
      (found) => `${found.instancePath} ${found.message}`,
    );
    expect(messages).toEqual(
      expect.arrayContaining([
        "/0 must NOT have additional properties 'favourite'",
        '/0/monitored must be boolean',
      ]),
    );
    sonarr.reset();
  });
});

describe('OpenAPI 3.1: Plex Media Server', () => {
  let plex: Upstream<Record<string, never>>;
  const account = {
    authToken: 'token',
    email: 'owner@example.com',
    friendlyName: 'Owner',
    hasPassword: true,
    id: 13692262,
    joinedAt: 1_700_000_000,
    title: 'owner',
    twoFactorEnabled: false,
    username: 'owner',
    uuid: 'dae343c1f45beb4f',
    locale: null,
    adsConsent: null,
    subscriptionDescription: 'Plex Pass',
  };
  beforeAll(async () => {
    const contract = await loadContract('plex-media-server-openapi.yaml');
    expect(contract.version).toBe('3.1');
    plex = await startUpstream({
      name: 'plex',
      contract,
      state: {},
      routes: [
        {
          method: 'GET',
          path: '/identity',
          handler: (req) => ({
            status: 200,
            body: {
              MediaContainer: {
                claimed: true,
                machineIdentifier: 'sim-pms',
                size: 0,
                version: req.query.get('broken') === null ? '1.41.0' : 1041,
              },
            },
          }),
        },
        {
          method: 'GET',
          path: '/user',
          handler: (req) => ({
            status: 200,
            body: req.query.has('brokenLocale') ? { ...account, locale: 7 } : account,
          }),
        },
      ],
    });
  });
  afterAll(() => plex.close());

  it('validates a simple GET', async () => {
    const res = await fetch(`${plex.url}/identity`);
    expect(res.status).toBe(200);
    plex.assertNoViolations();
    await fetch(`${plex.url}/identity?broken=1`);
    expect(plex.violations[0]?.issues[0]).toMatchObject({
      instancePath: '/MediaContainer/version',
      message: 'must be string',
    });
    plex.reset();
  });

  it("accepts null for type: [x, 'null'] and rejects other types", async () => {
    const headers = { 'X-Plex-Client-Identifier': 'homelab-tests' };
    expect((await fetch(`${plex.url}/user`, { headers })).status).toBe(200);
    plex.assertNoViolations();
    await fetch(`${plex.url}/user?brokenLocale=1`, { headers });
    expect(plex.violations[0]?.issues[0]).toMatchObject({
      instancePath: '/locale',
      message: 'must be string,null',
      schemaPath: '#/components/schemas/UserPlexAccount/properties/locale/type',
    });
    plex.reset();
  });

  it('requires declared header parameters', async () => {
    const res = await fetch(`${plex.url}/user`);
    expect(res.status).toBe(400);
    expect(plex.violations[0]?.issues[0]).toMatchObject({
      location: "header parameter 'X-Plex-Client-Identifier'",
      message: 'is required but missing',
    });
    plex.reset();
  });
});

describe('Swagger 2.0 with a base path: Argo CD under --rootpath /argocd', () => {
  let argocd: Upstream<{ apps: Array<{ metadata: { name: string } }> }>;
  beforeAll(async () => {
    const contract = await loadContract('argocd-v3.5.1-swagger.json', { basePath: '/argocd/' });
    expect(contract.version).toBe('2.0');
    expect(contract.basePath).toBe('/argocd');
    argocd = await startUpstream({
      name: 'argocd',
      contract,
      state: { apps: [{ metadata: { name: 'home-assistant' } }] },
      routes: [
        {
          method: 'GET',
          path: '/argocd/api/v1/applications',
          handler: (_req, state) => ({
            status: 200,
            body: { metadata: { resourceVersion: '42' }, items: state.apps },
          }),
        },
        {
          method: 'GET',
          path: '/argocd/api/v1/applications/{name}',
          handler: (req, state) => {
            const app = state.apps.find((candidate) => candidate.metadata.name === req.params.name);
            if (app) return { status: 200, body: app };
            return req.query.get('refresh') === 'broken'
              ? { status: 404, body: { code: 'five', message: 'not found' } }
              : {
                  status: 404,
                  body: {
                    code: 5,
                    error: 'not found',
                    message: `applications.argoproj.io "${req.params.name}" not found`,
                  },
                };
          },
        },
      ],
    });
  });
  afterAll(() => argocd.close());

  it('serves the contract paths under the base path only', async () => {
    const res = await fetch(
      `${argocd.url}/argocd/api/v1/applications?projects=default&projects=infra`,
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(1);
    argocd.assertNoViolations();
    expect((await fetch(`${argocd.url}/api/v1/applications`)).status).toBe(404);
    expect(argocd.violations).toHaveLength(1);
    argocd.reset();
  });

  it('checks error bodies against the `default` response', async () => {
    expect((await fetch(`${argocd.url}/argocd/api/v1/applications/missing`)).status).toBe(404);
    argocd.assertNoViolations();
    await fetch(`${argocd.url}/argocd/api/v1/applications/missing?refresh=broken`);
    expect(argocd.violations[0]?.operation).toBe(
      'GET /argocd/api/v1/applications/{name} (ApplicationService_Get)',
    );
    expect(argocd.violations[0]?.issues[0]).toMatchObject({
      instancePath: '/code',
      schemaPath: '#/definitions/runtimeError/properties/code/type',
    });
    argocd.reset();
  });

  it('refuses a route written without the base path', async () => {
    const contract = await loadContract('argocd-v3.5.1-swagger.json', { basePath: '/argocd' });
    await expect(
      startUpstream({
        name: 'argocd',
        contract,
        state: {},
        routes: [
          {
            method: 'GET',
            path: '/api/v1/applications',
            handler: () => ({ status: 200, body: {} }),
          },
        ],
      }),
    ).rejects.toThrow(/not in the contract/);
  });
});
