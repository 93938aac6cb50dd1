// A real MinIO (the build scripts/real-upstreams/minio.sh pins), started once and driven with
// plain fetch and the test helper's own SigV4 signer: two buckets seeded through the S3 API, list
// buckets, list objects v2 page by page (continuation tokens) and by prefix and delimiter, object
// reads with the seeded bytes, a key that needs encoding, an unsigned-payload PUT, and the errors
// a wrong secret, an unknown access key and an anonymous request get.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  MINIO_RELEASE,
  s3Request,
  seedContent,
  seedMinio,
  startMinio,
  type RealMinio,
  type SeededObject,
} from '../../src/index.js';

/** The text of every <tag>...</tag> in an XML document (S3 answers are flat enough for this). */
function tags(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) =>
    (m[1] ?? '')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  );
}

function tag(xml: string, name: string): string | undefined {
  return tags(xml, name)[0];
}

const BACKUPS = 'homelab-backups';
const MEDIA = 'homelab-media';
const README = 'Nightly backups of the homelab.\n';
const ODD_KEY = 'reports/2026 Q1/summary (final)+v2 ä.txt';
const mediaObjects: Record<string, number> = {};
for (let i = 0; i < 23; i++)
  mediaObjects[`${i % 2 ? 'movies' : 'shows'}/item-${String(i).padStart(2, '0')}.mkv`] = 100 + i;

let minio: RealMinio;
let seeded: Record<string, SeededObject[]>;

beforeAll(async () => {
  minio = await startMinio();
  seeded = await seedMinio(minio, {
    buckets: {
      [BACKUPS]: {
        objects: {
          'README.txt': README,
          'daily/2026-01-01.tar.gz': 1_048_576,
          'daily/2026-01-02.tar.gz': 2048,
          'weekly/2026-w01.tar.gz': 0,
          [ODD_KEY]: 'quarterly numbers\n',
        },
      },
      [MEDIA]: { objects: mediaObjects },
    },
  });
});

afterAll(async () => {
  const dir = minio?.dir;
  await minio?.stop();
  if (dir) expect(existsSync(dir)).toBe(false);
});

describe('real MinIO', () => {
  it('runs the pinned build on 127.0.0.1 and is ready and live', async () => {
    expect(minio.version).toBe(MINIO_RELEASE);
    expect(minio.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${minio.url}/minio/health/live`)).status).toBe(200);
    const ready = await fetch(`${minio.url}/minio/health/ready`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('x-minio-server-status')).toBeNull();
    console.log(`MinIO ${minio.version} ready in ${minio.startupMs} ms`);
  });

  it('seeds both buckets, with ETags that are the MD5 of the stored bytes', () => {
    expect(Object.keys(seeded)).toEqual([BACKUPS, MEDIA]);
    expect(seeded[MEDIA]).toHaveLength(23);
    const big = seeded[BACKUPS]?.find((o) => o.key === 'daily/2026-01-01.tar.gz');
    expect(big?.size).toBe(1_048_576);
    expect(big?.etag).toBe(
      createHash('md5').update(seedContent('daily/2026-01-01.tar.gz', 1_048_576)).digest('hex'),
    );
    const readme = seeded[BACKUPS]?.find((o) => o.key === 'README.txt');
    expect(readme?.etag).toBe(createHash('md5').update(README).digest('hex'));
  });

  it('lists the buckets (GET / signed)', async () => {
    const response = await minio.request('GET', '/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/xml/);
    expect(response.text).toContain('<ListAllMyBucketsResult');
    expect(tags(response.text, 'Name')).toEqual([BACKUPS, MEDIA]);
    for (const created of tags(response.text, 'CreationDate'))
      expect(Date.now() - Date.parse(created)).toBeLessThan(10 * 60_000);
  });

  it('lists objects v2 page by page with continuation tokens', async () => {
    const keys: string[] = [];
    const sizes: Record<string, number> = {};
    let token: string | undefined;
    let pages = 0;
    do {
      const response = await minio.request('GET', `/${MEDIA}`, {
        query: { 'list-type': 2, 'max-keys': 10, 'continuation-token': token },
      });
      expect(response.status, response.text).toBe(200);
      const xml = response.text;
      expect(xml).toContain('<ListBucketResult');
      expect(tag(xml, 'Name')).toBe(MEDIA);
      expect(tag(xml, 'MaxKeys')).toBe('10');
      const pageKeys = tags(xml, 'Key');
      expect(Number(tag(xml, 'KeyCount'))).toBe(pageKeys.length);
      for (const contents of tags(xml, 'Contents'))
        sizes[tag(contents, 'Key') ?? ''] = Number(tag(contents, 'Size'));
      keys.push(...pageKeys);
      if (token) expect(tag(xml, 'ContinuationToken')).toBe(token);
      token = tag(xml, 'NextContinuationToken');
      expect(tag(xml, 'IsTruncated')).toBe(token ? 'true' : 'false');
      pages++;
    } while (token && pages < 10);
    expect(pages).toBe(3);
    expect(keys).toEqual(Object.keys(mediaObjects).sort());
    expect(sizes).toEqual(mediaObjects);
  });

  it('lists objects v2 by prefix and delimiter, with a key that needs encoding', async () => {
    const top = await minio.request('GET', `/${BACKUPS}`, {
      query: { 'list-type': 2, delimiter: '/' },
    });
    expect(top.status, top.text).toBe(200);
    expect(tags(top.text, 'Key')).toEqual(['README.txt']);
    expect(tags(top.text, 'Prefix').filter((p) => p)).toEqual(['daily/', 'reports/', 'weekly/']);

    const daily = await minio.request('GET', `/${BACKUPS}`, {
      query: { 'list-type': 2, prefix: 'daily/', 'fetch-owner': 'true' },
    });
    expect(tags(daily.text, 'Key')).toEqual(['daily/2026-01-01.tar.gz', 'daily/2026-01-02.tar.gz']);
    expect(tags(daily.text, 'Size')).toEqual(['1048576', '2048']);
    expect(tags(daily.text, 'StorageClass')).toEqual(['STANDARD', 'STANDARD']);
    expect(tags(daily.text, 'ID')).toHaveLength(2);

    const odd = await minio.request('GET', `/${BACKUPS}`, {
      query: { 'list-type': 2, prefix: 'reports/2026 Q1/' },
    });
    expect(tags(odd.text, 'Key')).toEqual([ODD_KEY]);
    const read = await minio.request('GET', `/${BACKUPS}/${ODD_KEY}`);
    expect(read.status, read.text).toBe(200);
    expect(read.text).toBe('quarterly numbers\n');
  });

  it('reads objects back: the seeded bytes, ranges, and HEAD metadata', async () => {
    const readme = await minio.request('GET', `/${BACKUPS}/README.txt`);
    expect(readme.status).toBe(200);
    expect(readme.text).toBe(README);
    expect(readme.headers.get('content-type')).toBe('text/plain; charset=utf-8');

    const big = await minio.request('GET', `/${BACKUPS}/daily/2026-01-01.tar.gz`);
    expect(big.body.equals(seedContent('daily/2026-01-01.tar.gz', 1_048_576))).toBe(true);

    const range = await minio.request('GET', `/${BACKUPS}/daily/2026-01-02.tar.gz`, {
      headers: { range: 'bytes=0-9' },
    });
    expect(range.status).toBe(206);
    expect(range.text).toBe('daily/2026');

    const head = await minio.request('HEAD', `/${BACKUPS}/weekly/2026-w01.tar.gz`);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('0');
    expect(head.headers.get('content-type')).toBe('application/octet-stream');

    const missing = await minio.request('GET', `/${BACKUPS}/nope`);
    expect(missing.status).toBe(404);
    expect(tag(missing.text, 'Code')).toBe('NoSuchKey');
  });

  it('accepts an UNSIGNED-PAYLOAD PUT and a bare-parameter query (?location)', async () => {
    const put = await minio.request('PUT', `/${MEDIA}/unsigned.txt`, {
      body: 'no payload hash',
      unsignedPayload: true,
    });
    expect(put.status, put.text).toBe(200);
    const read = await minio.request('GET', `/${MEDIA}/unsigned.txt`, { unsignedPayload: true });
    expect(read.text).toBe('no payload hash');
    const deleted = await minio.request('DELETE', `/${MEDIA}/unsigned.txt`);
    expect(deleted.status).toBe(204);

    const location = await minio.request('GET', `/${MEDIA}`, { query: { location: '' } });
    expect(location.status, location.text).toBe(200);
    expect(location.text).toContain('LocationConstraint');
  });

  it('rejects a wrong secret with 403 SignatureDoesNotMatch', async () => {
    const response = await s3Request({ ...minio, secretKey: 'not-the-secret' }, 'GET', '/');
    expect(response.status).toBe(403);
    expect(tag(response.text, 'Code')).toBe('SignatureDoesNotMatch');
    const objects = await s3Request({ ...minio, secretKey: 'not-the-secret' }, 'GET', `/${MEDIA}`, {
      query: { 'list-type': 2 },
    });
    expect(objects.status).toBe(403);
    expect(tag(objects.text, 'Code')).toBe('SignatureDoesNotMatch');
  });

  it('rejects an unknown access key (InvalidAccessKeyId) and an anonymous request (AccessDenied)', async () => {
    // Until MinIO's IAM subsystem has loaded, an unknown key gets 503 "try again".
    const unknown = await eventually(
      () => s3Request({ ...minio, accessKey: 'nobody-here' }, 'GET', '/'),
      (response) => response.status !== 503,
    );
    expect(unknown.status).toBe(403);
    expect(tag(unknown.text, 'Code')).toBe('InvalidAccessKeyId');
    const anonymous = await minio.request('GET', `/${BACKUPS}`, {
      anonymous: true,
      query: { 'list-type': 2 },
    });
    expect(anonymous.status).toBe(403);
    expect(tag(anonymous.text, 'Code')).toBe('AccessDenied');
  });

  it('keeps its logs: the startup banner and no update notice', () => {
    expect(minio.logs()).toContain(`Version: ${MINIO_RELEASE}`);
    expect(minio.logs()).not.toMatch(/update|dl\.min\.io/i);
  });
});
