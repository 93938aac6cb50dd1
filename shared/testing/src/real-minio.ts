// A real MinIO for the real-upstream tier: the server that scripts/real-upstreams/minio.sh builds
// into the machine's cache, started single-drive on 127.0.0.1 with a free port, throwaway
// data and certs folders, and random root credentials (MINIO_ROOT_USER/MINIO_ROOT_PASSWORD,
// which sign S3 requests as the access key and secret key). The web console is off and so is the
// update check (MinIO otherwise asks dl.min.io for a newer release), so the server contacts
// nothing. MINIO_CI_CD=1 is always set (CI sets CI=true, which MinIO treats the same way), so the
// server behaves the same on a laptop and in CI. seedMinio() creates buckets and objects through
// the real S3 API, signed by ./s3-sign.ts.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireBinary, waitFor } from './real-upstreams.js';
import { signS3Request, uriEncode } from './s3-sign.js';

export const MINIO_INSTALLER = 'bash scripts/real-upstreams/minio.sh';
/** The github.com/minio/minio module version scripts/real-upstreams/minio.sh builds (keep the two in step). */
export const MINIO_MODULE_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';
/** What that build reports as its release (MinIO's stamp for a commit that is not a tagged release). */
export const MINIO_RELEASE = 'DEVELOPMENT.2026-02-12T20-18-48Z';
/** The upstream commit: the last of the archived minio/minio repository (RELEASE.2025-10-15T17-29-55Z + 11 commits). */
export const MINIO_COMMIT = '7aac2a2c5b7c882e68c1ce017d8256be2feea27f';
/** The region MinIO signs and answers with unless configured otherwise. */
export const MINIO_REGION = 'us-east-1';

const MAX_LOG_CHARS = 2_000_000;

export function minioBinaryPath(version = MINIO_MODULE_VERSION): string {
  const cache = process.env.HOMELAB_CACHE || join(homedir(), '.cache', 'homelab');
  return join(cache, 'minio', version, 'bin', 'minio');
}

export interface MinioOptions {
  /** The minio binary (default: the installer's, under HOMELAB_CACHE). */
  binary?: string;
  /** How long the server may take to become ready (default 60 s). */
  timeoutMs?: number;
  /** Root credentials (default: random). The secret needs at least 8 characters. */
  accessKey?: string;
  secretKey?: string;
}

/** Where to send a signed S3 request, and as whom. */
export interface S3Target {
  url: string;
  accessKey: string;
  secretKey: string;
  region?: string;
}

export interface S3RequestOptions {
  /** Query parameters (encoded and signed here); an empty string gives a bare "?name". */
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Sign with x-amz-content-sha256: UNSIGNED-PAYLOAD instead of the body's hash. */
  unsignedPayload?: boolean;
  /** Send no Authorization at all (an anonymous request). */
  anonymous?: boolean;
}

export interface S3Response {
  status: number;
  headers: Headers;
  body: Buffer;
  /** body as UTF-8 (S3 answers XML). */
  text: string;
}

export interface RealMinio extends S3Target {
  /** http://127.0.0.1:PORT (the S3 API, path-style: /bucket/key). */
  url: string;
  /** The root user (MINIO_ROOT_USER): the S3 access key. */
  accessKey: string;
  /** The root password (MINIO_ROOT_PASSWORD): the S3 secret key. */
  secretKey: string;
  region: string;
  /** The release `minio --version` reports, e.g. "DEVELOPMENT.2026-02-12T20-18-48Z". */
  version: string;
  /** Milliseconds from spawning minio to /minio/health/ready with the object layer up. */
  startupMs: number;
  /** The throwaway folder: data/ (the drive), config/ and certs/ (empty). */
  dir: string;
  /** A signed S3 request as the root user; never throws on an HTTP error status. */
  request(method: string, path: string, options?: S3RequestOptions): Promise<S3Response>;
  /** What the server printed so far. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * One S3 request to `target`, signed with AWS Signature Version 4. `path` is the raw bucket/key
 * path ("/bucket/some key.txt"): it is encoded here. Never throws on an HTTP error status.
 */
export async function s3Request(
  target: S3Target,
  method: string,
  path: string,
  options: S3RequestOptions = {},
): Promise<S3Response> {
  const query = Object.entries(options.query ?? {})
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => `${uriEncode(name)}=${uriEncode(String(value))}`)
    .join('&');
  const url = `${target.url}${uriEncode(path.startsWith('/') ? path : `/${path}`, true)}${query ? `?${query}` : ''}`;
  let send = { url, headers: options.headers ?? {} };
  if (!options.anonymous)
    send = signS3Request({
      method,
      url,
      credentials: { accessKeyId: target.accessKey, secretAccessKey: target.secretKey },
      region: target.region ?? MINIO_REGION,
      headers: options.headers,
      body: options.body,
      unsignedPayload: options.unsignedPayload,
    });
  const response = await fetch(send.url, {
    method,
    headers: send.headers,
    body: options.body,
    signal: AbortSignal.timeout(30_000),
  });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body, text: body.toString('utf8') };
}

/** Starts MinIO (single drive) on 127.0.0.1 and waits until its object layer is up. */
export async function startMinio(options: MinioOptions = {}): Promise<RealMinio> {
  const binary = requireBinary(options.binary ?? minioBinaryPath(), MINIO_INSTALLER);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const accessKey = options.accessKey ?? `homelab-${randomBytes(4).toString('hex')}`;
  const secretKey = options.secretKey ?? randomBytes(20).toString('hex');

  // `minio --version` takes about half a second (as long as the server's start): run it alongside.
  const reported = new Promise<string>((resolve) =>
    execFile(binary, ['--version'], { timeout: 10_000 }, (error, stdout, stderr) =>
      resolve(
        /^minio version (\S+)/m.exec(stdout)?.[1] ??
          `(${binary} --version reported no version: ${error?.message ?? stderr})`,
      ),
    ),
  );

  const dir = mkdtempSync(join(tmpdir(), 'homelab-minio-'));
  const dataDir = join(dir, 'data');
  // Both default to ~/.minio, which MinIO would create.
  const configDir = join(dir, 'config');
  const certsDir = join(dir, 'certs');
  mkdirSync(dataDir);
  const port = await freePort();
  let consolePort = await freePort();
  while (consolePort === port) consolePort = await freePort();
  const url = `http://127.0.0.1:${port}`;

  // Nothing of the caller's MinIO settings leaks in.
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env))
    if (!name.startsWith('MINIO_')) env[name] = value;
  Object.assign(env, {
    MINIO_ROOT_USER: accessKey,
    MINIO_ROOT_PASSWORD: secretKey,
    MINIO_BROWSER: 'off',
    MINIO_UPDATE: 'off',
    MINIO_CI_CD: '1',
  });

  const started = Date.now();
  const child = spawn(
    binary,
    [
      'server',
      dataDir,
      '--address',
      `127.0.0.1:${port}`,
      '--console-address',
      `127.0.0.1:${consolePort}`,
      '--config-dir',
      configDir,
      '--certs-dir',
      certsDir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // Ready answers 200 before the object layer is up; it then says x-minio-server-status: offline.
    await waitFor(`${url}/minio/health/ready`, timeoutMs, child, {
      until: (response) => !response.headers.get('x-minio-server-status'),
    });
  } catch (error) {
    await stop();
    throw new Error(`MinIO did not start: ${(error as Error).message}\n${output.slice(-20_000)}`, {
      cause: error,
    });
  }
  const startupMs = Date.now() - started;
  const version = await reported;
  if (version.startsWith('(')) {
    await stop();
    throw new Error(`${version}; run: ${MINIO_INSTALLER}`);
  }

  const target: S3Target = { url, accessKey, secretKey, region: MINIO_REGION };
  return {
    ...target,
    region: MINIO_REGION,
    version,
    startupMs,
    dir,
    request: (method, path, requestOptions) => s3Request(target, method, path, requestOptions),
    logs: () => output,
    stop,
  };
}

/** The seed: bucket name -> object key -> its size in bytes (generated content) or its text. */
export interface MinioSeed {
  buckets: Record<string, { objects?: Record<string, number | string> }>;
}

export interface SeededObject {
  key: string;
  size: number;
  /** The ETag MinIO answered (quotes removed): the MD5 of the content for these single PUTs. */
  etag: string;
}

/** The bytes seedMinio() stores for a size-only object: the key and a newline, repeated, cut to size. */
export function seedContent(key: string, size: number): Buffer {
  return Buffer.alloc(size, `${key}\n`);
}

/**
 * Creates each bucket (an existing one of the same owner is fine) and puts each object with a
 * single signed PUT: text as text/plain, sizes as application/octet-stream from seedContent().
 */
export async function seedMinio(
  minio: S3Target,
  seed: MinioSeed,
): Promise<Record<string, SeededObject[]>> {
  const seeded: Record<string, SeededObject[]> = {};
  for (const [bucket, { objects = {} }] of Object.entries(seed.buckets)) {
    const created = await s3Request(minio, 'PUT', `/${bucket}`);
    if (created.status !== 200 && !created.text.includes('<Code>BucketAlreadyOwnedByYou</Code>'))
      throw new Error(`create bucket ${bucket}: HTTP ${created.status} ${created.text}`);
    seeded[bucket] = [];
    for (const [key, content] of Object.entries(objects)) {
      const text = typeof content === 'string';
      const body = text ? Buffer.from(content, 'utf8') : seedContent(key, content);
      const put = await s3Request(minio, 'PUT', `/${bucket}/${key}`, {
        body,
        headers: {
          'content-type': text ? 'text/plain; charset=utf-8' : 'application/octet-stream',
        },
      });
      if (put.status !== 200)
        throw new Error(`put ${bucket}/${key}: HTTP ${put.status} ${put.text}`);
      seeded[bucket].push({
        key,
        size: body.length,
        etag: (put.headers.get('etag') ?? '').replace(/"/g, ''),
      });
    }
  }
  return seeded;
}
