// Durations as people write them in runbooks and chat ("90s", "30m", "1h", "1h30m", "2d"): one
// parser so a runbook's approval_ttl, a verify window and a "snooze 2h" all mean the same thing.
// Input is untrusted text: anything that is not exactly this grammar is refused, never guessed.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
type Unit = keyof typeof UNIT_MS;

/** One or more `<integer><unit>` parts, largest unit first by convention: 90s, 30m, 1h30m, 2d. */
export const DURATION_PATTERN = '^(?:[0-9]{1,6}(?:ms|s|m|h|d|w)){1,5}$';
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /([0-9]+)(ms|s|m|h|d|w)/g;

/** Milliseconds of a duration such as `30m`, `1h`, `90s` or `1h30m`; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string' || !DURATION_RE.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART_RE))
    total += Number(amount) * UNIT_MS[unit as Unit];
  return total;
}
