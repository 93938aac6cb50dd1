// The MinIO tools against a real MinIO (built from the Go module proxy): buckets, and per bucket
// the object count, total size, largest objects and prefixes, across several pages of listing;
// a wrong secret gives a clear refusal.
/* eslint-disable @typescript-eslint/no-explicit-any -- results are read as plain JSON */
import {
  connectInMemory,
  seedMinio,
  startMinio,
  testDeps,
  type ConnectedClient,
} from '@homelab/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InfrastructureConfig } from '../../src/config.js';
import { buildServer, createClients } from '../../src/server.js';

type Minio = Awaited<ReturnType<typeof startMinio>>;
let minio: Minio;
const open: ConnectedClient[] = [];

async function connect(secretKey: string) {
  const config: InfrastructureConfig = {
    KUBE_API_URL: 'http://127.0.0.1:9',
    KUBE_INSECURE_SKIP_TLS_VERIFY: false,
    KUBE_TIMEOUT_MS: 5000,
    KUBE_LOG_MAX_BYTES: 1024 * 1024,
    ARGOCD_TIMEOUT_MS: 1000,
    MINIO_URL: minio.url,
    MINIO_ACCESS_KEY: minio.accessKey,
    MINIO_SECRET_KEY: secretKey,
    MINIO_REGION: minio.region,
    MINIO_MAX_OBJECTS: 200_000,
  };
  const deps = testDeps(undefined, config, { secrets: [secretKey] });
  const connected = await connectInMemory(
    buildServer({ ...deps, clients: createClients(config, deps) }),
  );
  open.push(connected);
  return { connected, lines: deps.captured.lines };
}

beforeAll(async () => {
  minio = await startMinio();
  const backups: Record<string, number> = {};
  for (let i = 0; i < 1205; i++)
    backups[`daily/2026-11-${String((i % 28) + 1).padStart(2, '0')}/part-${i}.tar`] = 100 + (i % 7);
  backups['weekly/full.tar'] = 50_000;
  backups['README.txt'] = 12;
  await seedMinio(minio, {
    buckets: {
      backups: { objects: backups },
      'media-covers': { objects: { 'radarr/a.jpg': 2048, 'sonarr/b.jpg': 4096 } },
      empty: {},
    },
  });
});

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()));
  await minio?.stop();
});

describe('MinIO tools on a real MinIO', () => {
  it('lists the buckets', async () => {
    const { connected } = await connect(minio.secretKey);
    const result = await connected.client.callTool({ name: 'minio_list_buckets', arguments: {} });
    expect((result.structuredContent as any).buckets.map((b: { name: string }) => b.name)).toEqual([
      'backups',
      'empty',
      'media-covers',
    ]);
  });

  it('sums a bucket over several listing pages, with its largest objects and prefixes', async () => {
    const { connected } = await connect(minio.secretKey);
    const result = await connected.client.callTool({
      name: 'minio_bucket_usage',
      arguments: { bucket: 'backups', top: 3 },
    });
    const usage = result.structuredContent as any;
    let expectedBytes = 50_000 + 12;
    for (let i = 0; i < 1205; i++) expectedBytes += 100 + (i % 7);
    expect(usage).toMatchObject({
      bucket: 'backups',
      objects: 1207,
      totalBytes: expectedBytes,
      complete: true,
    });
    expect(usage.largest[0]).toMatchObject({ key: 'weekly/full.tar', bytes: 50_000 });
    expect(usage.prefixes.map((p: { prefix: string }) => p.prefix)).toEqual([
      'daily/',
      'weekly/',
      '(root)',
    ]);
    const empty = await connected.client.callTool({
      name: 'minio_bucket_usage',
      arguments: { bucket: 'empty' },
    });
    expect(empty.structuredContent).toMatchObject({ objects: 0, totalBytes: 0, totalHuman: '0 B' });
  });

  it('names a missing bucket and a refused secret clearly, without echoing the secret', async () => {
    const { connected } = await connect(minio.secretKey);
    const missing = await connected.client.callTool({
      name: 'minio_bucket_usage',
      arguments: { bucket: 'nextcloud' },
    });
    expect(JSON.stringify(missing.content)).toMatch(/MinIO: bucket nextcloud was not found/);
    const wrong = await connect('not-the-right-secret-0000');
    const refused = await wrong.connected.client.callTool({
      name: 'minio_list_buckets',
      arguments: {},
    });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toMatch(
      /MinIO: denied access \(403 on GET \/\).*SignatureDoesNotMatch/,
    );
    expect(JSON.stringify(refused.content) + wrong.lines.join('')).not.toContain(
      'not-the-right-secret-0000',
    );
  });
});
