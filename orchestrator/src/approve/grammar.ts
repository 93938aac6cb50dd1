// The one command grammar every approval channel (Signal, Mattermost, the web console) reads
// replies with, so "2", "#2" and "Option 2!" mean the same thing wherever they are typed. The
// seed's table (1/2/3, approve, ignore, snooze <duration>, details, custom: <text>, approve PR <n>,
// status, weekly) plus the answers to "Is this a problem?" (yes / "no, expected") and
// "next time: auto|ask|investigate".
//
// Replies are untrusted text from a phone keyboard, so parseCommand is pure and total: it never
// throws, folds case and Unicode compatibility forms (NFKC), and treats any run of punctuation or
// whitespace as one space. It never guesses towards acting: a whole message must match one row of
// GRAMMAR, so "yes please delete" or "1 2" are `unknown`, and only the words "approve" or a digit
// can ever produce `approve`, `approve_pr` or `choose`.
//
// Decisions:
// - A bare "no" (also "n", "nope", "deny", "reject") is `deny`, never a false-positive mark; only
//   "no, expected" (also "expected", "no, it's expected", "false positive") is `no_expected`.
// - A known command with a missing or unusable argument ("snooze", "snooze 30s", "approve PR",
//   "custom:", "next time: never") is `invalid` with a reason naming what is wrong; anything not
//   naming a command ("10", "1 2", "approve 2", "ok") is `unknown`. Neither kind acts; both get
//   helpFor's reply.
// - "approve 2" is `unknown`: it could mean solution 2 or PR 2, and approvals are never guessed.
// - Only "next time: <mode>" changes a runbook's mode; a bare "auto" is `unknown`.
// - `custom:` keeps the instruction's own case and punctuation (control and format characters
//   removed, whitespace runs collapsed); a proposal reference is only recognized before it, since
//   anything after "custom:" is the instruction.
// - `unknown.text` is the trimmed message, cut to 2000 characters.
//
// Proposal references: a message may name the proposal it answers as `p<number>` ("p17", "#p17",
// "[P17]") or "proposal <number>", at its start ("p17 approve") or its end ("2 for #p17"; a
// trailing reference may be preceded by "for", "on", "re" or "to"). It is returned as
// `proposalRef: 'p17'` (lower case, no leading zeros) on any kind of command.
import { z } from 'zod';
import { parseDuration } from '../runbooks/duration.js';

const MIN_SNOOZE_MS = 60_000;
const MAX_SNOOZE_MS = 30 * 86_400_000;
const MAX_INSTRUCTION = 2000;

const ref = {
  proposalRef: z
    .string()
    .regex(/^p(?:0|[1-9][0-9]{0,8})$/)
    .optional(),
};

export const CommandSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('choose'), solution: z.number().int().min(1).max(9), ...ref }),
  z.object({ kind: z.literal('approve'), ...ref }),
  z.object({ kind: z.literal('approve_pr'), pr: z.number().int().positive(), ...ref }),
  z.object({ kind: z.literal('ignore'), ...ref }),
  z.object({
    kind: z.literal('snooze'),
    ms: z.number().int().min(MIN_SNOOZE_MS).max(MAX_SNOOZE_MS),
    ...ref,
  }),
  z.object({ kind: z.literal('details'), ...ref }),
  z.object({
    kind: z.literal('custom'),
    instruction: z.string().min(1).max(MAX_INSTRUCTION),
    ...ref,
  }),
  z.object({ kind: z.literal('status'), ...ref }),
  z.object({ kind: z.literal('weekly'), ...ref }),
  z.object({ kind: z.literal('yes'), ...ref }),
  z.object({ kind: z.literal('no_expected'), ...ref }),
  z.object({ kind: z.literal('deny'), ...ref }),
  z.object({
    kind: z.literal('next_time'),
    mode: z.enum(['auto', 'ask', 'investigate']),
    ...ref,
  }),
  z.object({ kind: z.literal('unknown'), text: z.string().max(MAX_INSTRUCTION), ...ref }),
  z.object({ kind: z.literal('invalid'), reason: z.string().min(1), ...ref }),
]);

export type Command = z.infer<typeof CommandSchema>;
export type CommandKind = Command['kind'];

/** The short reply to anything the grammar did not accept (plain text, under 600 characters). */
export const HELP_TEXT = [
  'Commands:',
  '1, 2, 3 - choose a solution',
  'approve - approve the current action',
  'approve PR 47 - merge that PR',
  'ignore - take no action',
  'snooze 2h - ask again later (1m to 30d)',
  'details - more context',
  'custom: <text> - plan your own fix (asks again)',
  'status - pending approvals',
  'weekly - weekly report now',
  'yes / no, expected - is this a problem?',
  'no - deny',
  'next time: auto|ask|investigate',
  'Name a proposal with p17, e.g. "2 for p17".',
].join('\n');

/** The reply for a command the grammar did not accept; undefined for a recognized command. */
export function helpFor(command: Command): string | undefined {
  if (command.kind === 'unknown') return HELP_TEXT;
  if (command.kind === 'invalid') return `${command.reason}\n\n${HELP_TEXT}`;
  return undefined;
}

/** A command without its proposal reference: what one row of the grammar builds. */
type Body = Command extends infer C ? (C extends unknown ? Omit<C, 'proposalRef'> : never) : never;

interface Rule {
  /** `words`: the message lower-cased, punctuation runs as single spaces, references removed.
   *  `raw`: the NFKC text after a leading reference, case and punctuation kept. */
  on: 'words' | 'raw';
  /** Anchored: the whole message must match. */
  pattern: RegExp;
  build: (groups: ReadonlyArray<string | undefined>) => Body;
}

/** The grammar: the first matching row wins, so argument-less near-misses follow the real row. */
const GRAMMAR: readonly Rule[] = [
  {
    on: 'raw',
    pattern: /^[^\p{L}\p{N}]*custom(?![\p{L}\p{N}])\s*(?:[:;,=\-–—]\s*)?([\s\S]*)$/iu,
    build: ([text]) => customCommand(text ?? ''),
  },
  {
    on: 'words',
    pattern: /^(?:(?:option|solution|choose|pick) )?([1-9])$/,
    build: ([n]) => ({ kind: 'choose', solution: Number(n) }),
  },
  {
    on: 'words',
    pattern: /^(?:yes )?approve (?:pr|pull request) ?([1-9][0-9]{0,8})$/,
    build: ([n]) => ({ kind: 'approve_pr', pr: Number(n) }),
  },
  {
    on: 'words',
    pattern: /^(?:yes )?approve (?:pr|pull request)(?:\b.*)?$/,
    build: () => invalid('approve PR needs a PR number, e.g. "approve PR 47"'),
  },
  {
    on: 'words',
    pattern: /^(?:yes )?approved?(?: it| this| that)?$/,
    build: () => ({ kind: 'approve' }),
  },
  { on: 'words', pattern: /^ignore(?: it| this| that)?$/, build: () => ({ kind: 'ignore' }) },
  {
    on: 'words',
    pattern: /^snooze(?: for)?(?: (.*))?$/,
    build: ([duration]) => snoozeCommand(duration),
  },
  {
    on: 'words',
    pattern: /^(?:details?|more details|more info|info)$/,
    build: () => ({ kind: 'details' }),
  },
  { on: 'words', pattern: /^status$/, build: () => ({ kind: 'status' }) },
  { on: 'words', pattern: /^weekly(?: report)?$/, build: () => ({ kind: 'weekly' }) },
  {
    on: 'words',
    pattern: /^(?:no )?(?:(?:it s|its|it is|that s|thats|this is) )?(?:expected|false positive)$/,
    build: () => ({ kind: 'no_expected' }),
  },
  { on: 'words', pattern: /^(?:yes|y|yeah|yep)$/, build: () => ({ kind: 'yes' }) },
  {
    on: 'words',
    pattern: /^(?:no|n|nope|deny|denied|reject|rejected|decline|declined)$/,
    build: () => ({ kind: 'deny' }),
  },
  {
    on: 'words',
    pattern: /^next ?time (auto|ask|investigate)$/,
    build: ([mode]) => ({ kind: 'next_time', mode: mode as 'auto' | 'ask' | 'investigate' }),
  },
  {
    on: 'words',
    pattern: /^next ?time\b.*$/,
    build: () => invalid('next time takes auto, ask or investigate, e.g. "next time: ask"'),
  },
];

const UNIT_WORDS: Record<string, 's' | 'm' | 'h' | 'd' | 'w'> = {
  s: 's',
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  m: 'm',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  h: 'h',
  hr: 'h',
  hrs: 'h',
  hour: 'h',
  hours: 'h',
  d: 'd',
  day: 'd',
  days: 'd',
  w: 'w',
  wk: 'w',
  wks: 'w',
  week: 'w',
  weeks: 'w',
};

function invalid(reason: string): Body {
  return { kind: 'invalid', reason };
}

/** "2h", "2 h", "1h30m", "90 min", "2 hours", "1 hour and 30 minutes" → milliseconds. */
function snoozeCommand(duration: string | undefined): Body {
  if (!duration) return invalid('snooze needs a duration, e.g. "snooze 2h"');
  const text = duration.replace(/ and /g, ' ');
  const unreadable = invalid(`could not read "${text.slice(0, 40)}" as a duration; try "2h"`);
  if (text.length > 100 || !/^(?:[0-9]{1,6} ?[a-z]+ ?)+$/.test(text)) return unreadable;
  let compact = '';
  for (const [, amount, word] of text.matchAll(/([0-9]+) ?([a-z]+)/g)) {
    const unit = word === undefined ? undefined : UNIT_WORDS[word];
    if (unit === undefined) return unreadable;
    compact += `${amount}${unit}`;
  }
  const ms = parseDuration(compact);
  if (ms === undefined) return unreadable;
  if (ms < MIN_SNOOZE_MS) return invalid('snooze must be at least 1 minute');
  if (ms > MAX_SNOOZE_MS) return invalid('snooze can be at most 30 days');
  return { kind: 'snooze', ms };
}

function customCommand(text: string): Body {
  const instruction = text
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\p{Cf}+/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (instruction.length === 0)
    return invalid('custom: needs an instruction, e.g. "custom: restart sonarr"');
  if (instruction.length > MAX_INSTRUCTION)
    return invalid(`a custom instruction can be at most ${MAX_INSTRUCTION} characters`);
  return { kind: 'custom', instruction };
}

const LEADING_REF = /^[^\p{L}\p{N}]*(?:p|proposal[^\p{L}\p{N}]*)([0-9]{1,9})(?![\p{L}\p{N}])/iu;
const TRAILING_REF = /^(.*?)(?: (?:for|on|re|to))? (?:p|proposal )([0-9]{1,9})$/;

function refOf(digits: string): string {
  return `p${Number(digits)}`;
}

function cut(text: string): string {
  return text
    .trim()
    .slice(0, MAX_INSTRUCTION)
    .replace(/[\uD800-\uDBFF]$/, '');
}

/** Reads one chat reply as a command. Pure and total: any string gives a Command. */
export function parseCommand(text: string): Command {
  if (typeof text !== 'string') return { kind: 'unknown', text: '' };
  const nfkc = text.normalize('NFKC');
  let leadingRef: string | undefined;
  let raw = nfkc;
  const leading = LEADING_REF.exec(nfkc);
  if (leading?.[1] !== undefined) {
    leadingRef = refOf(leading[1]);
    raw = nfkc.slice(leading[0].length);
  }
  let words = raw
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  let wordsRef = leadingRef;
  if (leadingRef === undefined) {
    const trailing = TRAILING_REF.exec(` ${words}`);
    if (trailing?.[2] !== undefined) {
      wordsRef = refOf(trailing[2]);
      words = (trailing[1] ?? '').trim();
    }
  }
  const withRef = (body: Body, proposalRef: string | undefined): Command =>
    (proposalRef === undefined ? body : { ...body, proposalRef }) as Command;
  for (const rule of GRAMMAR) {
    const match = rule.pattern.exec(rule.on === 'raw' ? raw : words);
    if (match)
      return withRef(rule.build(match.slice(1)), rule.on === 'raw' ? leadingRef : wordsRef);
  }
  return withRef({ kind: 'unknown', text: cut(text) }, wordsRef);
}
