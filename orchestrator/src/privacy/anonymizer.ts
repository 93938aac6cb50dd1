// The one exit point to any cloud model (DESIGN.md §4). Everything sent out passes through an
// Anonymizer: secrets, tokens, keys, passwords, private IP addresses, e-mail addresses and phone
// numbers become stable placeholders (<IP_1> is the same address every time in one triage), and
// placeholders in what the model sends back (tool arguments) are mapped back locally before a
// tool runs. Never-send patterns stop the call outright, so the event goes to a human without a
// model. Each call reports what it replaced, by kind and count, never the values.

export const PRIVATE_KINDS = ['SECRET', 'IP', 'EMAIL', 'PHONE'] as const;
export type PrivateKind = (typeof PRIVATE_KINDS)[number];

export function emptyRedactionReport(): RedactionReport {
  return { replaced: { SECRET: 0, IP: 0, EMAIL: 0, PHONE: 0 } };
}

export class NeverSendError extends Error {
  constructor(readonly pattern: string) {
    super(
      `the text matches a never-send pattern (${pattern}); it must not leave the house, so no cloud model is asked`,
    );
    this.name = 'NeverSendError';
  }
}

interface Detector {
  kind: PrivateKind;
  pattern: RegExp;
  /** Which capture group holds the private part (0 = the whole match). */
  group?: number;
  /** Further check of a candidate (e.g. a phone number is not a date). */
  accept?: (value: string) => boolean;
}

function looksLikePhone(value: string): boolean {
  const digits = value.replace(/\D/g, '').length;
  return digits >= 8 && digits <= 15 && !/^\d{4}-\d{2}-\d{2}/.test(value);
}

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const DETECTORS: Detector[] = [
  {
    kind: 'SECRET',
    pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  },
  { kind: 'SECRET', pattern: /\b(?:Bearer|Basic)\s+([A-Za-z0-9._~+/=-]{8,})/g, group: 1 },
  {
    kind: 'SECRET',
    pattern:
      /\b(sk-(?:ant-)?[A-Za-z0-9_-]{16,}|AIza[0-9A-Za-z_-]{30,}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abp]-[A-Za-z0-9-]{10,}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})\b/g,
    group: 1,
  },
  {
    kind: 'SECRET',
    pattern:
      /\b(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth)\b["']?\s*[:=]\s*["']?([^\s"',;&]{4,})/gi,
    group: 1,
  },
  {
    kind: 'IP',
    pattern: new RegExp(
      `\\b(?:10\\.${OCTET}\\.${OCTET}\\.${OCTET}|172\\.(?:1[6-9]|2\\d|3[01])\\.${OCTET}\\.${OCTET}|192\\.168\\.${OCTET}\\.${OCTET}|100\\.(?:6[4-9]|[7-9]\\d|1[01]\\d|12[0-7])\\.${OCTET}\\.${OCTET})\\b`,
      'g',
    ),
  },
  { kind: 'IP', pattern: /\b(?:f[cd][0-9a-f]{2}|fe80):[0-9a-f:]{2,}\b/gi },
  { kind: 'EMAIL', pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g },
  {
    kind: 'PHONE',
    pattern: /(?<![\w.:/-])\+?\d{1,4}(?:[ .-]\(?\d{1,4}\)?){2,5}(?![\w.:/-])/g,
    accept: looksLikePhone,
  },
];

export interface RedactionReport {
  /** Replacements made in this call, by kind (counts only). */
  replaced: Record<PrivateKind, number>;
}

export interface AnonymizerOptions {
  /** Exact secret values from configuration (tokens of the servers, passwords...). */
  secrets?: readonly string[];
  /** Regular expressions that must never leave the house (the seed's Option C). */
  neverSend?: readonly string[];
}

export class Anonymizer {
  private readonly toPlaceholder = new Map<string, string>();
  private readonly toValue = new Map<string, string>();
  private readonly counters: Record<PrivateKind, number> = emptyRedactionReport().replaced;
  private readonly secrets: string[];
  private readonly neverSend: RegExp[];

  constructor(options: AnonymizerOptions = {}) {
    this.secrets = [...(options.secrets ?? [])]
      .filter((s) => s.length >= 4)
      .sort((a, b) => b.length - a.length);
    this.neverSend = (options.neverSend ?? []).map((p) => new RegExp(p, 'i'));
  }

  private placeholder(kind: PrivateKind, value: string): string {
    const known = this.toPlaceholder.get(value);
    if (known) return known;
    this.counters[kind] += 1;
    const placeholder = `<${kind}_${this.counters[kind]}>`;
    this.toPlaceholder.set(value, placeholder);
    this.toValue.set(placeholder, value);
    return placeholder;
  }

  /** Text fit to send to a cloud model, and what was replaced. Throws NeverSendError. */
  anonymize(text: string): { text: string; report: RedactionReport } {
    for (const pattern of this.neverSend)
      if (pattern.test(text)) throw new NeverSendError(pattern.source);
    const { replaced } = emptyRedactionReport();
    let out = text;
    for (const secret of this.secrets) {
      if (!out.includes(secret)) continue;
      const parts = out.split(secret);
      replaced.SECRET += parts.length - 1;
      out = parts.join(this.placeholder('SECRET', secret));
    }
    for (const detector of DETECTORS) {
      out = out.replace(detector.pattern, (match: string, ...groups: unknown[]) => {
        const value = detector.group ? String(groups[detector.group - 1] ?? '') : match;
        if (!value || /^<(SECRET|IP|EMAIL|PHONE)_\d+>$/.test(value)) return match;
        if (detector.accept && !detector.accept(value)) return match;
        replaced[detector.kind] += 1;
        return match.replace(value, this.placeholder(detector.kind, value));
      });
    }
    return { text: out, report: { replaced } };
  }

  /** Anonymizes every string of a JSON value (keys kept), adding what it replaced to `into`. */
  anonymizeValue<T>(value: T, into: RedactionReport): T {
    if (typeof value === 'string') {
      const { text, report } = this.anonymize(value);
      for (const kind of PRIVATE_KINDS) into.replaced[kind] += report.replaced[kind];
      return text as T;
    }
    if (Array.isArray(value)) return value.map((v) => this.anonymizeValue(v, into)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, this.anonymizeValue(v, into)]),
      ) as T;
    }
    return value;
  }

  /** Puts the real values back into what the model returned (strings at any depth). */
  restore<T>(value: T): T {
    if (typeof value === 'string')
      return value.replace(
        /<(?:SECRET|IP|EMAIL|PHONE)_\d+>/g,
        (p) => this.toValue.get(p) ?? p,
      ) as T;
    if (Array.isArray(value)) return value.map((v) => this.restore(v)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.restore(v)])) as T;
    }
    return value;
  }
}
