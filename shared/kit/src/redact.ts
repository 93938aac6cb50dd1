// Keeps secrets out of logs and tool output. Secrets from config are registered once; every
// log line and every tool result passes through `redact` before it leaves the process.

const REDACTED = '[REDACTED]';
const SECRET_KEY =
  /(authorization|password|passwd|secret|token|api[-_]?key|apikey|cookie|credential|private[-_]?key)/i;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;

export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  /** Registers secret values; values shorter than 4 characters are ignored (too many false hits). */
  add(...values: Array<string | undefined>): void {
    for (const value of values) {
      if (value && value.length >= 4) this.secrets.add(value);
    }
    const escaped = [...this.secrets]
      .sort((a, b) => b.length - a.length)
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.pattern = escaped.length > 0 ? new RegExp(escaped.join('|'), 'g') : undefined;
  }

  get size(): number {
    return this.secrets.size;
  }

  redactString(text: string): string {
    let out = this.pattern ? text.replace(this.pattern, REDACTED) : text;
    if (out.includes('Bearer') || out.includes('Basic'))
      out = out.replace(BEARER, `$1 ${REDACTED}`);
    return out;
  }

  /** Deep copy with secret values replaced and values under secret-looking keys masked. */
  redact<T>(value: T): T {
    return this.walk(value, 0) as T;
  }

  private walk(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return this.redactString(value);
    if (value === null || typeof value !== 'object' || depth > 32) return value;
    if (Array.isArray(value)) return value.map((item) => this.walk(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] =
        SECRET_KEY.test(key) && typeof item === 'string' && item.length > 0
          ? REDACTED
          : this.walk(item, depth + 1);
    }
    return out;
  }
}
