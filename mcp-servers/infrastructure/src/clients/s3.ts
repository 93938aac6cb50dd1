// A read-only S3 client for MinIO: AWS Signature Version 4 over the kit's upstream helper, list
// buckets and list objects (v2, paged). Why not an AWS SDK: two read calls do not justify tens of
// MiB in a server that must fit a 128 Mi container. Responses are XML; the few fields used are
// read with small, anchored patterns and checked with zod.
import { createHash, createHmac } from 'node:crypto';
import { UpstreamClient, type ServerMetrics } from '@homelab/kit';
import { z } from 'zod';

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

/** RFC 3986 encoding, as SigV4 requires (encodeURIComponent leaves !'()* alone). */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export interface SignInput {
  method: string;
  host: string;
  path: string;
  query: Record<string, string>;
  accessKey: string;
  secretKey: string;
  region: string;
  now?: Date;
}

/** The query string (sorted, encoded) and the headers that sign one request. */
export function signS3Request(input: SignInput): {
  query: string;
  headers: Record<string, string>;
} {
  const now = input.now ?? new Date();
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const query = Object.keys(input.query)
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(input.query[k] ?? '')}`)
    .join('&');
  const headers: Record<string, string> = {
    host: input.host,
    'x-amz-content-sha256': EMPTY_SHA256,
    'x-amz-date': amzDate,
  };
  const signedHeaders = Object.keys(headers).sort().join(';');
  const canonicalHeaders = Object.keys(headers)
    .sort()
    .map((k) => `${k}:${headers[k]}\n`)
    .join('');
  const canonicalPath = input.path.split('/').map(rfc3986).join('/');
  const canonicalRequest = [
    input.method,
    canonicalPath,
    query,
    canonicalHeaders,
    signedHeaders,
    EMPTY_SHA256,
  ].join('\n');
  const scope = `${day}/${input.region}/s3/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const hmac = (key: string | Buffer, data: string) =>
    createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${input.secretKey}`, day), input.region), 's3'),
    'aws4_request',
  );
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return {
    query,
    headers: {
      'x-amz-content-sha256': EMPTY_SHA256,
      'x-amz-date': amzDate,
      authorization: `AWS4-HMAC-SHA256 Credential=${input.accessKey}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    },
  };
}

function tagValues(xml: string, tag: string): string[] {
  const pattern = new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g');
  return [...xml.matchAll(pattern)].map((m) => decodeXml(m[1] ?? ''));
}

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function blocks(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1] ?? '');
}

const bucketSchema = z.object({ name: z.string().min(1), created: z.string() });
const objectSchema = z.object({
  key: z.string(),
  size: z.number().nonnegative(),
  lastModified: z.string(),
});
export type S3Object = z.output<typeof objectSchema>;

export class S3Client {
  private readonly http: UpstreamClient;
  private readonly host: string;
  private readonly options: { accessKey: string; secretKey: string; region: string };

  constructor(options: {
    url: string;
    accessKey: string;
    secretKey: string;
    region: string;
    timeoutMs: number;
    metrics?: ServerMetrics;
  }) {
    const url = new URL(options.url);
    this.host = url.host;
    this.options = options;
    this.http = new UpstreamClient({
      service: 'MinIO',
      baseUrl: `${url.protocol}//${url.host}`,
      timeoutMs: options.timeoutMs,
      urlVariable: 'MINIO_URL',
      credentialVariable: 'MINIO_ACCESS_KEY / MINIO_SECRET_KEY',
      metrics: options.metrics,
    });
  }

  private async get(
    path: string,
    query: Record<string, string>,
    signal?: AbortSignal,
    what?: string,
  ): Promise<string> {
    const signed = signS3Request({ method: 'GET', host: this.host, path, query, ...this.options });
    const text = await this.http.get<unknown>(`${path}${signed.query ? `?${signed.query}` : ''}`, {
      headers: { ...signed.headers, accept: 'application/xml' },
      signal,
      what,
    });
    return typeof text === 'string' ? text : JSON.stringify(text);
  }

  async listBuckets(signal?: AbortSignal) {
    const xml = await this.get('/', {}, signal);
    return blocks(xml, 'Bucket').map((b) =>
      bucketSchema.parse({
        name: tagValues(b, 'Name')[0],
        created: tagValues(b, 'CreationDate')[0] ?? '',
      }),
    );
  }

  /** Pages through a bucket's objects, at most `max`; `complete` is false when it stopped early. */
  async *listObjects(
    bucket: string,
    max: number,
    signal?: AbortSignal,
  ): AsyncGenerator<S3Object[], { complete: boolean }> {
    let token: string | undefined;
    let seen = 0;
    for (;;) {
      const query: Record<string, string> = { 'list-type': '2', 'max-keys': '1000' };
      if (token) query['continuation-token'] = token;
      const xml = await this.get(`/${bucket}`, query, signal, `bucket ${bucket}`);
      const objects = blocks(xml, 'Contents').map((c) =>
        objectSchema.parse({
          key: tagValues(c, 'Key')[0] ?? '',
          size: Number(tagValues(c, 'Size')[0] ?? 0),
          lastModified: tagValues(c, 'LastModified')[0] ?? '',
        }),
      );
      seen += objects.length;
      yield objects;
      token =
        tagValues(xml, 'IsTruncated')[0] === 'true'
          ? tagValues(xml, 'NextContinuationToken')[0]
          : undefined;
      if (!token) return { complete: true };
      if (seen >= max) return { complete: false };
    }
  }
}
