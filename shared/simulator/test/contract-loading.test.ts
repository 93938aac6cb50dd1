// Loading contracts: the handbook specs folder, caching per file, base paths, and the cost of
// the 1-2 MB Kubernetes specs (load + first validation must stay well under two seconds).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadContract, specPath } from '../src/index.js';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'default',
    labels: { app: 'web' },
    creationTimestamp: '2026-01-01T00:00:00Z',
  },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.27',
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            resources: { limits: { cpu: '500m', memory: '128Mi' } },
          },
        ],
      },
    },
  },
  status: { replicas: 2, readyReplicas: 2, availableReplicas: 2 },
};

describe('specPath', () => {
  const saved = process.env.HOMELAB_SPECS_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.HOMELAB_SPECS_DIR;
    else process.env.HOMELAB_SPECS_DIR = saved;
  });

  it('finds the handbook specs folder beside the repository', () => {
    expect(specPath('alertmanager-v0.34.0-api-v2-openapi.yaml')).toMatch(
      /shared\/specs\/alertmanager-v0\.34\.0-api-v2-openapi\.yaml$/,
    );
    expect(() => specPath('no-such-spec.json')).toThrow(/not found/);
  });

  it('honours HOMELAB_SPECS_DIR', () => {
    const dir = mkdtempSync(join(tmpdir(), 'specs-'));
    writeFileSync(join(dir, 'tiny.json'), '{}');
    process.env.HOMELAB_SPECS_DIR = dir;
    expect(specPath('tiny.json')).toBe(join(dir, 'tiny.json'));
  });
});

describe('loadContract', () => {
  it('caches per file and base path', async () => {
    const byName = await loadContract('sonarr-v3-openapi.json');
    expect(await loadContract(specPath('sonarr-v3-openapi.json'))).toBe(byName);
    const prefixed = await loadContract('sonarr-v3-openapi.json', { basePath: '/sonarr' });
    expect(prefixed).not.toBe(byName);
    expect(prefixed.match('GET', '/sonarr/api/v3/series')?.label).toBe('GET /sonarr/api/v3/series');
    expect(prefixed.match('GET', '/api/v3/series')).toBeUndefined();
  });

  it('derives the base path from Swagger basePath or the first OpenAPI server URL', async () => {
    expect((await loadContract('alertmanager-v0.34.0-api-v2-openapi.yaml')).basePath).toBe(
      '/api/v2',
    );
    expect((await loadContract('cloudflare-dns-zones-tunnels-openapi.subset.json')).basePath).toBe(
      '/client/v4',
    );
    expect((await loadContract('mattermost-v4-bot-subset.openapi.json')).basePath).toBe('');
    expect((await loadContract('signal-cli-rest-api-swagger.json')).basePath).toBe('');
  });

  it('prefers concrete paths over templated ones', async () => {
    const plex = await loadContract('plex-media-server-openapi.yaml');
    expect(plex.match('GET', '/library/sections/all')?.template).toBe('/library/sections/all');
    expect(plex.match('GET', '/library/sections/7')?.template).toBe(
      '/library/sections/{sectionId}',
    );
    expect(plex.match('GET', '/:/prefs')?.template).toBe('/:/prefs');
  });

  it('rejects files that are not OpenAPI documents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'specs-'));
    writeFileSync(join(dir, 'not-openapi.json'), '{"hello": "world"}');
    await expect(loadContract(join(dir, 'not-openapi.json'))).rejects.toThrow(
      /not an OpenAPI 2.0, 3.0 or 3.1 document/,
    );
  });

  it('loads the Kubernetes apps/v1 spec and validates a Deployment in well under two seconds', async () => {
    const started = performance.now();
    const apps = await loadContract('kubernetes-v1.35-apis__apps__v1_openapi.json');
    const loaded = performance.now();
    const read = apps.match('GET', '/apis/apps/v1/namespaces/default/deployments/web');
    if (!read) throw new Error('readAppsV1NamespacedDeployment missing');
    const valid = apps.checkResponse(read, {
      status: 200,
      contentType: 'application/json',
      body: deployment,
      hasBody: true,
      bodyIsJson: true,
    });
    const validated = performance.now();
    console.log(
      `k8s apps/v1: load ${(loaded - started).toFixed(0)} ms, first validation ${(validated - loaded).toFixed(0)} ms`,
    );
    expect(valid).toEqual([]);
    expect(validated - started).toBeLessThan(2000);

    const broken = apps.checkResponse(read, {
      status: 200,
      contentType: 'application/json',
      body: { ...deployment, spec: { ...deployment.spec, replicas: 'two' } },
      hasBody: true,
      bodyIsJson: true,
    });
    expect(broken).toEqual([
      expect.objectContaining({
        instancePath: '/spec/replicas',
        schemaPath:
          '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec/properties/replicas/type',
      }),
    ]);

    const scale = apps.match('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale');
    if (!scale) throw new Error('patchAppsV1NamespacedDeploymentScale missing');
    const request = {
      path: '/apis/apps/v1/namespaces/default/deployments/web/scale',
      query: new URLSearchParams('fieldManager=homelab&dryRun=All'),
      headers: {},
      body: { spec: { replicas: 3 } },
      hasBody: true,
      bodyIsJson: true,
    };
    expect(
      apps.checkRequest(scale, { ...request, contentType: 'application/merge-patch+json' }),
    ).toEqual([]);
    expect(apps.checkRequest(scale, { ...request, contentType: 'text/plain' })[0]?.location).toBe(
      'content-type',
    );
  });

  it('loads the 2 MB Kubernetes core/v1 spec and validates a pod list in well under two seconds', async () => {
    const started = performance.now();
    const core = await loadContract('kubernetes-v1.35-api__v1_openapi.json');
    const list = core.match('GET', '/api/v1/namespaces/default/pods');
    if (!list) throw new Error('listCoreV1NamespacedPod missing');
    expect(
      core.checkRequest(list, {
        path: '/api/v1/namespaces/default/pods',
        query: new URLSearchParams('limit=50&watch=false'),
        headers: {},
        contentType: undefined,
        body: undefined,
        hasBody: false,
        bodyIsJson: false,
      }),
    ).toEqual([]);
    const issues = core.checkResponse(list, {
      status: 200,
      contentType: 'application/json',
      body: {
        apiVersion: 'v1',
        kind: 'PodList',
        metadata: {},
        items: [{ metadata: { name: 'web-0' }, spec: { containers: [{ name: 'web' }] } }],
      },
      hasBody: true,
      bodyIsJson: true,
    });
    const elapsed = performance.now() - started;
    console.log(`k8s core/v1: load + first validation ${elapsed.toFixed(0)} ms`);
    expect(issues).toEqual([]);
    expect(elapsed).toBeLessThan(2000);
  });
});
