// A small AWS Signature Version 4 signer for S3 requests in tests (no AWS SDK): header-based
// signing (the Authorization header), path-style URLs, service s3, region us-east-1 by default,
// the payload either hashed (SHA-256 of the body, the default) or sent as UNSIGNED-PAYLOAD.
// Test helper only, and deliberately independent of the infrastructure server's own signer: the
// tests seed MinIO with it, so a signing bug cannot hide in both. Follows "Authenticating Requests: Using the Authorization Header"
// of the S3 API reference: the canonical request (method, URI, query, headers, signed header
// names, payload hash), the string to sign, and the key derived from the secret by HMAC-SHA256
// over date, region, service and "aws4_request". Checked against the worked examples of that page
// (test/s3-sign.test.ts) and against MinIO (test/real/minio.test.ts).
// S3 specifics: the path is URI-encoded once (not twice as for other services), with "/" kept.
import { createHash, createHmac } from 'node:crypto';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Sent (and signed) as x-amz-security-token, for temporary credentials. */
  sessionToken?: string;
}

export interface S3SignInput {
  method: string;
  /** An absolute URL; its path is the bucket and key (path-style), its query the S3 parameters. */
  url: string | URL;
  credentials: S3Credentials;
  /** Extra headers to send and sign (content-type, range, x-amz-*, ...); host is always the URL's. */
  headers?: Record<string, string>;
  /** The request body, hashed into x-amz-content-sha256 unless `unsignedPayload`. */
  body?: string | Uint8Array;
  /** Send x-amz-content-sha256: UNSIGNED-PAYLOAD instead of the body's hash. */
  unsignedPayload?: boolean;
  /** Default us-east-1. */
  region?: string;
  /** Default s3. */
  service?: string;
  /** The signing time (default now). */
  date?: Date;
}

export interface S3SignedRequest {
  /** The URL to send: the same resource, its path and query encoded exactly as signed. */
  url: string;
  /** The headers to send (host excepted: the HTTP client sets it from the URL, as signed). */
  headers: Record<string, string>;
  /** The intermediate strings, for debugging a SignatureDoesNotMatch. */
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

/** Headers an HTTP client may add or change on the way out: never signed. */
const UNSIGNED_HEADERS = new Set([
  'authorization',
  'connection',
  'content-length',
  'expect',
  'transfer-encoding',
  'user-agent',
]);

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX (uppercase). */
export function uriEncode(value: string, keepSlash = false): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepSlash && c === '/')) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Decodes one URL component as S3 servers do ("+" in a query is a space). */
function decode(part: string, plusIsSpace: boolean): string {
  return decodeURIComponent(plusIsSpace ? part.replace(/\+/g, ' ') : part);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** 20130524T000000Z */
function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Signs one S3 request with AWS Signature Version 4 (Authorization header). */
export function signS3Request(input: S3SignInput): S3SignedRequest {
  const url = new URL(input.url);
  const region = input.region ?? 'us-east-1';
  const service = input.service ?? 's3';
  const timestamp = amzDate(input.date ?? new Date());
  const day = timestamp.slice(0, 8);

  // The path as the server will decode it, encoded once per segment.
  const canonicalUri =
    url.pathname
      .split('/')
      .map((segment) => uriEncode(decode(segment, false)))
      .join('/') || '/';
  // Query parameters sorted by encoded name, then value; "?acl" signs as "acl=".
  const params = url.search
    .slice(1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf('=');
      const name = at < 0 ? pair : pair.slice(0, at);
      const value = at < 0 ? '' : pair.slice(at + 1);
      return [uriEncode(decode(name, true)), uriEncode(decode(value, true))] as const;
    })
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  const canonicalQuery = params.map(([name, value]) => `${name}=${value}`).join('&');

  const payloadHash = input.unsignedPayload
    ? UNSIGNED_PAYLOAD
    : input.body === undefined
      ? EMPTY_SHA256
      : sha256Hex(input.body);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {}))
    headers[name.toLowerCase()] = value;
  headers['x-amz-date'] = timestamp;
  headers['x-amz-content-sha256'] = payloadHash;
  if (input.credentials.sessionToken)
    headers['x-amz-security-token'] = input.credentials.sessionToken;
  delete headers.authorization;
  delete headers.host;

  const signed: Record<string, string> = { host: url.host };
  for (const [name, value] of Object.entries(headers))
    if (!UNSIGNED_HEADERS.has(name)) signed[name] = value.trim().replace(/\s+/g, ' ');
  const names = Object.keys(signed).sort();
  const canonicalHeaders = names.map((name) => `${name}:${signed[name]}\n`).join('');
  const signedHeaders = names.join(';');

  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', timestamp, scope, sha256Hex(canonicalRequest)].join(
    '\n',
  );
  const key = hmac(
    hmac(hmac(hmac(`AWS4${input.credentials.secretAccessKey}`, day), region), service),
    'aws4_request',
  );
  const signature = createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
  headers.authorization =
    `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;

  return {
    url: `${url.origin}${canonicalUri}${canonicalQuery ? `?${canonicalQuery}` : ''}`,
    headers,
    canonicalRequest,
    stringToSign,
    signature,
  };
}
