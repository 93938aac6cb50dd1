// Who may use the web console, and for how long. The console can approve changes to the homelab,
// so its front door is held to the same standard as the approval channels: a password kept only
// as a slow salted hash (scrypt, in a self-describing string so its cost can be raised later
// without breaking old hashes) or a long random token, both compared in constant time; sessions
// that end at a fixed time however busy they are; a CSRF token per session for every form; and a
// limit on failed logins so a password cannot be guessed at speed. Nothing here logs or stores
// what was typed.
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';

/** Cost of new hashes: about 32 MiB and a few tens of milliseconds per check (OWASP's minimum). */
const NEW_HASH = { N: 2 ** 15, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const;
/** Bounds an encoded hash must keep, so a bad value cannot make one login take minutes. */
const LIMITS = {
  minN: 2 ** 10,
  maxN: 2 ** 20,
  maxR: 32,
  maxP: 4,
  maxMemoryBytes: 256 * 1024 * 1024,
  minSaltBytes: 16,
  maxSaltBytes: 64,
  minKeyBytes: 16,
  maxKeyBytes: 64,
} as const;

const ENCODED_RE =
  /^scrypt\$([0-9]{1,8})\$([0-9]{1,2})\$([0-9]{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

interface ScryptHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

/** Standard base64 that decodes and re-encodes to itself (no stray characters, no missing padding). */
function strictBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

function scryptMemory(N: number, r: number): number {
  return 128 * N * r;
}

/** The parts of `scrypt$N$r$p$<salt b64>$<hash b64>`, or undefined for anything else. */
function parsePasswordHash(encoded: string): ScryptHash | undefined {
  if (typeof encoded !== 'string') return undefined;
  const match = ENCODED_RE.exec(encoded);
  if (!match) return undefined;
  const [, nText, rText, pText, saltText, keyText] = match;
  const N = Number(nText);
  const r = Number(rText);
  const p = Number(pText);
  const salt = strictBase64(saltText ?? '');
  const key = strictBase64(keyText ?? '');
  const powerOfTwo = (N & (N - 1)) === 0;
  if (!powerOfTwo || N < LIMITS.minN || N > LIMITS.maxN) return undefined;
  if (r < 1 || r > LIMITS.maxR || p < 1 || p > LIMITS.maxP) return undefined;
  if (scryptMemory(N, r) > LIMITS.maxMemoryBytes / 2) return undefined;
  if (!salt || salt.length < LIMITS.minSaltBytes || salt.length > LIMITS.maxSaltBytes)
    return undefined;
  if (!key || key.length < LIMITS.minKeyBytes || key.length > LIMITS.maxKeyBytes) return undefined;
  return { N, r, p, salt, key };
}

function deriveKey(password: string, salt: Buffer, keyBytes: number, options: ScryptOptions) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, keyBytes, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** How to make a hash, for error messages and the console's "off" page. */
export const HASH_PASSWORD_HINT =
  'run `node orchestrator/dist/main.js hash-password`, type the password and press Enter (or pipe it in), and use the printed line';

/** An encoded password hash as the configuration accepts it. */
export const passwordHashSchema = z
  .string()
  .refine((value) => parsePasswordHash(value) !== undefined, {
    message: `expected an scrypt hash like scrypt$32768$8$1$<salt>$<hash>; to make one, ${HASH_PASSWORD_HINT}`,
  });

/** `scrypt$N$r$p$<salt b64>$<hash b64>` of the password, with a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== 'string' || password.length === 0)
    throw new Error('the password must not be empty');
  const salt = randomBytes(NEW_HASH.saltBytes);
  const { N, r, p } = NEW_HASH;
  const key = await deriveKey(password, salt, NEW_HASH.keyBytes, {
    N,
    r,
    p,
    maxmem: LIMITS.maxMemoryBytes,
  });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `password` matches `encoded`; false for a wrong password or a malformed hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parsePasswordHash(encoded);
  if (!parsed || typeof password !== 'string') return false;
  try {
    const key = await deriveKey(password, parsed.salt, parsed.key.length, {
      N: parsed.N,
      r: parsed.r,
      p: parsed.p,
      maxmem: LIMITS.maxMemoryBytes,
    });
    return timingSafeEqual(key, parsed.key);
  } catch {
    return false;
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time equality of two strings of any length (their SHA-256 digests are compared). */
export function sameSecret(presented: string, expected: string): boolean {
  return timingSafeEqual(sha256(presented), sha256(expected));
}

/** The secrets a login is checked against; either may be absent, not both (else the console is off). */
export interface Credentials {
  passwordHash?: string | undefined;
  token?: string | undefined;
}

/** How a login succeeded, or undefined when what was typed matches neither secret. */
export async function checkLogin(
  typed: string,
  credentials: Credentials,
): Promise<'token' | 'password' | undefined> {
  if (credentials.token !== undefined && sameSecret(typed, credentials.token)) return 'token';
  if (
    credentials.passwordHash !== undefined &&
    (await verifyPassword(typed, credentials.passwordHash))
  )
    return 'password';
  return undefined;
}

/** What the pending page shows once after a command: the inbox's answer to it. */
export interface Flash {
  outcome: 'done' | 'refused' | 'ignored' | 'help';
  text: string;
}

export interface Session {
  id: string;
  /** Sent back in every form and compared with sameSecret. */
  csrf: string;
  /** Epoch milliseconds after which the session is gone, however active it was. */
  expiresAt: number;
  flash?: Flash;
}

const SESSION_ID_RE = /^[A-Za-z0-9_-]{43}$/;

function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Sessions in memory: a restart logs everyone out, which for one owner is a fair price. */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => Date,
    private readonly maxSessions = 1000,
  ) {}

  create(): Session {
    this.prune();
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    const session: Session = {
      id: randomToken(),
      csrf: randomToken(),
      expiresAt: this.now().getTime() + this.ttlMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id; undefined for an unknown, malformed or expired one. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined || !SESSION_ID_RE.test(id)) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.now().getTime()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  /** Seconds until a new session ends, for the cookie's Max-Age. */
  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }

  private prune(): void {
    const now = this.now().getTime();
    for (const [id, session] of this.sessions)
      if (session.expiresAt <= now) this.sessions.delete(id);
  }
}

/**
 * Failed logins from anyone: after `maxFailures` within `windowMs`, every login (right or wrong)
 * is refused until the oldest of them leaves the window. Counted globally rather than per client
 * address, since behind a reverse proxy every client has the proxy's address.
 */
export class LoginThrottle {
  private failures: number[] = [];

  constructor(
    private readonly now: () => Date,
    private readonly maxFailures = 5,
    private readonly windowMs = 15 * 60_000,
  ) {}

  /** Milliseconds until a login may be tried again; 0 when it may be tried now. */
  retryAfterMs(): number {
    const now = this.now().getTime();
    this.failures = this.failures.filter((at) => at > now - this.windowMs);
    if (this.failures.length < this.maxFailures) return 0;
    const oldest = this.failures[this.failures.length - this.maxFailures] ?? now;
    return Math.max(1000, oldest + this.windowMs - now);
  }

  recordFailure(): void {
    this.failures.push(this.now().getTime());
  }
}
