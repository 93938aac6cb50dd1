// The approval command grammar: a table of replies as people type them (spacing, punctuation and
// case variants, proposal references) and of near-misses that must not act, plus property tests
// that parseCommand is total, never approves or chooses without the words that say so, and is
// indifferent to surrounding noise.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CommandSchema,
  HELP_TEXT,
  helpFor,
  parseCommand,
  type Command,
} from '../src/approve/grammar.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const invalid = { kind: 'invalid' } as const;

const TABLE: Array<[string, Partial<Command>]> = [
  ['1', { kind: 'choose', solution: 1 }],
  ['2', { kind: 'choose', solution: 2 }],
  ['3', { kind: 'choose', solution: 3 }],
  ['9', { kind: 'choose', solution: 9 }],
  [' 1.', { kind: 'choose', solution: 1 }],
  ['#2', { kind: 'choose', solution: 2 }],
  ['(3)', { kind: 'choose', solution: 3 }],
  ['2️⃣', { kind: 'choose', solution: 2 }],
  ['２', { kind: 'choose', solution: 2 }],
  ['Option 2', { kind: 'choose', solution: 2 }],
  ['solution #3!', { kind: 'choose', solution: 3 }],
  ['2 for #p17', { kind: 'choose', solution: 2, proposalRef: 'p17' }],
  ['p17: 2', { kind: 'choose', solution: 2, proposalRef: 'p17' }],
  ['Solution 2 for proposal 12', { kind: 'choose', solution: 2, proposalRef: 'p12' }],
  ['approve', { kind: 'approve' }],
  ['Approve!', { kind: 'approve' }],
  ['APPROVE', { kind: 'approve' }],
  ['yes, approve', { kind: 'approve' }],
  ['yes-approve', { kind: 'approve' }],
  ['approved.', { kind: 'approve' }],
  ['p17 approve', { kind: 'approve', proposalRef: 'p17' }],
  ['[P017] approve', { kind: 'approve', proposalRef: 'p17' }],
  ['approve PR 47', { kind: 'approve_pr', pr: 47 }],
  ['approve pr #47', { kind: 'approve_pr', pr: 47 }],
  ['Approve PR47', { kind: 'approve_pr', pr: 47 }],
  ['approve pull request 1203', { kind: 'approve_pr', pr: 1203 }],
  ['ignore', { kind: 'ignore' }],
  ['Ignore it.', { kind: 'ignore' }],
  ['snooze 2h', { kind: 'snooze', ms: 2 * HOUR }],
  ['snooze   2 h', { kind: 'snooze', ms: 2 * HOUR }],
  ['SNOOZE 90m', { kind: 'snooze', ms: 90 * MIN }],
  ['snooze 30m', { kind: 'snooze', ms: 30 * MIN }],
  ['snooze 1d', { kind: 'snooze', ms: DAY }],
  ['Snooze 1h', { kind: 'snooze', ms: HOUR }],
  ['snooze 2 hours', { kind: 'snooze', ms: 2 * HOUR }],
  ['snooze 90 min', { kind: 'snooze', ms: 90 * MIN }],
  ['snooze for 1 hour and 30 minutes', { kind: 'snooze', ms: 90 * MIN }],
  ['snooze 1h30m', { kind: 'snooze', ms: 90 * MIN }],
  ['snooze 1m', { kind: 'snooze', ms: MIN }],
  ['snooze 30d', { kind: 'snooze', ms: 30 * DAY }],
  ['snooze 2w', { kind: 'snooze', ms: 14 * DAY }],
  ['snooze 2h for p9', { kind: 'snooze', ms: 2 * HOUR, proposalRef: 'p9' }],
  ['details', { kind: 'details' }],
  ['Details?', { kind: 'details' }],
  ['more details', { kind: 'details' }],
  ['custom: restart all arr', { kind: 'custom', instruction: 'restart all arr' }],
  ['custom:restart all arr', { kind: 'custom', instruction: 'restart all arr' }],
  [
    'CUSTOM:  Restart Sonarr, then Radarr! ',
    { kind: 'custom', instruction: 'Restart Sonarr, then Radarr!' },
  ],
  ['custom restart sonarr', { kind: 'custom', instruction: 'restart sonarr' }],
  ['custom: -n 3 flag', { kind: 'custom', instruction: '-n 3 flag' }],
  ['custom: line one\nline\u0007 two\u202e', { kind: 'custom', instruction: 'line one line two' }],
  ['p4 custom: scale to 2', { kind: 'custom', instruction: 'scale to 2', proposalRef: 'p4' }],
  ['custom: restart p17', { kind: 'custom', instruction: 'restart p17' }],
  ['status', { kind: 'status' }],
  ['Status?', { kind: 'status' }],
  ['weekly', { kind: 'weekly' }],
  ['weekly report!', { kind: 'weekly' }],
  ['yes', { kind: 'yes' }],
  ['Yes!', { kind: 'yes' }],
  ['y', { kind: 'yes' }],
  ['No, expected', { kind: 'no_expected' }],
  ['no expected', { kind: 'no_expected' }],
  ["No, it's expected.", { kind: 'no_expected' }],
  ['expected', { kind: 'no_expected' }],
  ['false positive', { kind: 'no_expected' }],
  ['no', { kind: 'deny' }],
  ['No.', { kind: 'deny' }],
  ['deny', { kind: 'deny' }],
  ['Reject', { kind: 'deny' }],
  ['next time: auto', { kind: 'next_time', mode: 'auto' }],
  ['Next time - investigate', { kind: 'next_time', mode: 'investigate' }],
  ['NEXT TIME ASK', { kind: 'next_time', mode: 'ask' }],
  ['nexttime: ask', { kind: 'next_time', mode: 'ask' }],
  // Near-misses that name nothing: unknown.
  ['10', { kind: 'unknown', text: '10' }],
  ['0', { kind: 'unknown', text: '0' }],
  ['1 2', { kind: 'unknown', text: '1 2' }],
  ['2.5', { kind: 'unknown', text: '2.5' }],
  ['option 10', { kind: 'unknown' }],
  ['approve 2', { kind: 'unknown' }],
  ['approval', { kind: 'unknown' }],
  ['aprove', { kind: 'unknown' }],
  ['approve everything', { kind: 'unknown' }],
  ['approve prometheus', { kind: 'unknown' }],
  ['please restart everything', { kind: 'unknown', text: 'please restart everything' }],
  ['yes please delete', { kind: 'unknown', text: 'yes please delete' }],
  ['no thanks', { kind: 'unknown' }],
  ['ok', { kind: 'unknown' }],
  ['lgtm', { kind: 'unknown' }],
  ['auto', { kind: 'unknown' }],
  ['customize the dashboard', { kind: 'unknown' }],
  ['help', { kind: 'unknown' }],
  ['', { kind: 'unknown', text: '' }],
  ['   ', { kind: 'unknown', text: '' }],
  ['!!!', { kind: 'unknown', text: '!!!' }],
  ['p17', { kind: 'unknown', proposalRef: 'p17' }],
  ['  hello there  ', { kind: 'unknown', text: 'hello there' }],
  // A known command with a missing or unusable argument: invalid.
  ['snooze', invalid],
  ['snooze 2', invalid],
  ['snooze later', invalid],
  ['snooze 30s', invalid],
  ['snooze 31d', invalid],
  ['snooze 1.5h', invalid],
  ['snooze 2 fortnights', invalid],
  ['approve PR', invalid],
  ['approve pr 0', invalid],
  ['approve PR forty', invalid],
  ['custom:', invalid],
  ['custom:   \n\t ', invalid],
  ['next time: never', invalid],
  ['next time', invalid],
];

describe('parseCommand table', () => {
  it('has at least 60 rows', () => expect(TABLE.length).toBeGreaterThanOrEqual(60));

  it.each(TABLE)('%j', (text, expected) => {
    const command = parseCommand(text);
    expect(command).toMatchObject(expected);
    expect(CommandSchema.parse(command)).toEqual(command);
    if (!('proposalRef' in expected)) expect(command.proposalRef).toBeUndefined();
  });

  it('keeps an instruction of exactly 2000 characters', () => {
    const instruction = 'y'.repeat(2000);
    expect(parseCommand(`custom: ${instruction}`)).toEqual({ kind: 'custom', instruction });
  });

  it('refuses an instruction of 2001 characters', () => {
    expect(parseCommand(`custom: ${'x'.repeat(2001)}`)).toEqual({
      kind: 'invalid',
      reason: expect.stringMatching(/at most 2000/),
    });
  });

  it('reads a megabyte of noise around a command', () => {
    const noise = '!? \n'.repeat(250_000);
    expect(parseCommand(`${noise}approve pr 47${noise}`)).toEqual({ kind: 'approve_pr', pr: 47 });
    expect(parseCommand(`custom: ${noise}`).kind).toBe('invalid');
  });

  it('says why an argument is unusable', () => {
    expect(parseCommand('snooze')).toEqual({
      kind: 'invalid',
      reason: expect.stringMatching(/duration/),
    });
    expect(parseCommand('snooze 30s')).toEqual({
      kind: 'invalid',
      reason: expect.stringMatching(/1 minute/),
    });
    expect(parseCommand('snooze 31d')).toEqual({
      kind: 'invalid',
      reason: expect.stringMatching(/30 days/),
    });
    expect(parseCommand('approve PR')).toEqual({
      kind: 'invalid',
      reason: expect.stringMatching(/PR number/),
    });
    expect(parseCommand('custom:')).toEqual({
      kind: 'invalid',
      reason: expect.stringMatching(/instruction/),
    });
  });

  it('cuts the echoed text of an unknown message to 2000 characters', () => {
    const command = parseCommand(`  ${'z '.repeat(5000)}`);
    expect(command.kind).toBe('unknown');
    expect(command.kind === 'unknown' && command.text.length).toBe(2000);
  });
});

describe('help', () => {
  it('is short plain text naming every command', () => {
    expect(HELP_TEXT.length).toBeLessThan(600);
    for (const word of [
      '1, 2, 3',
      'approve',
      'approve PR',
      'ignore',
      'snooze',
      'details',
      'custom:',
      'status',
      'weekly',
      'yes',
      'no, expected',
      'next time',
      'p17',
    ])
      expect(HELP_TEXT).toContain(word);
    expect(HELP_TEXT).not.toMatch(/\*\*|__|`/);
  });

  it('answers unknown with the help, invalid with its reason first, and nothing else', () => {
    expect(helpFor(parseCommand('please restart everything'))).toBe(HELP_TEXT);
    const reply = helpFor(parseCommand('snooze 31d'));
    expect(reply).toMatch(/^snooze can be at most 30 days\n\n/);
    expect(reply).toContain(HELP_TEXT);
    for (const text of ['1', 'approve', 'snooze 2h', 'custom: x', 'no', 'next time: ask'])
      expect(helpFor(parseCommand(text))).toBeUndefined();
  });
});

const ACTING = new Set(['choose', 'approve', 'approve_pr']);
const NOISE = [
  ' ',
  '  ',
  '\t',
  '\n',
  '\u00a0',
  '.',
  ',',
  '!',
  '?',
  ':',
  ';',
  '#',
  '*',
  '(',
  ')',
  '[',
  ']',
  '"',
  "'",
  '-',
  '_',
  '~',
  '…',
  '—',
  '¡',
];
const noise = (min: number) =>
  fc.array(fc.constantFrom(...NOISE), { minLength: min, maxLength: 6 }).map((a) => a.join(''));

/** Valid commands written canonically, single spaces between words. */
const VALID: Array<[string, Command]> = [
  ['1', { kind: 'choose', solution: 1 }],
  ['option 7', { kind: 'choose', solution: 7 }],
  ['approve', { kind: 'approve' }],
  ['yes approve', { kind: 'approve' }],
  ['approve pr 47', { kind: 'approve_pr', pr: 47 }],
  ['ignore', { kind: 'ignore' }],
  ['snooze 2h', { kind: 'snooze', ms: 2 * HOUR }],
  ['snooze 90 min', { kind: 'snooze', ms: 90 * MIN }],
  ['snooze 1h30m', { kind: 'snooze', ms: 90 * MIN }],
  ['details', { kind: 'details' }],
  ['status', { kind: 'status' }],
  ['weekly', { kind: 'weekly' }],
  ['yes', { kind: 'yes' }],
  ['no expected', { kind: 'no_expected' }],
  ['no', { kind: 'deny' }],
  ['reject', { kind: 'deny' }],
  ['next time auto', { kind: 'next_time', mode: 'auto' }],
  ['next time investigate', { kind: 'next_time', mode: 'investigate' }],
  ['2 for p17', { kind: 'choose', solution: 2, proposalRef: 'p17' }],
  ['p5 approve', { kind: 'approve', proposalRef: 'p5' }],
];

const flipCase = (text: string, flips: boolean[]) =>
  [...text].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c)).join('');

describe('parseCommand properties', () => {
  it('never throws and always returns a well-formed command', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.string({ unit: 'grapheme' }),
          fc.string({ unit: 'binary', maxLength: 3000 }),
        ),
        (text) => {
          const command = parseCommand(text);
          expect(CommandSchema.safeParse(command).success).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never chooses or approves without a digit or the word approve', () => {
    const nearWords = fc.constantFrom(
      'approv',
      'aprove',
      'approval',
      'APPROV',
      'pr',
      'p',
      'yes',
      'ok',
      'option',
      'solution',
      'pick',
      'snooze',
      'custom',
      'no',
      'expected',
      'next time',
      'auto',
      ' ',
      '.',
      '#',
      '!',
      ':',
      '\n',
      'e',
      've',
    );
    const text = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.array(nearWords, { maxLength: 8 }).map((a) => a.join('')),
      fc.array(nearWords, { maxLength: 8 }).map((a) => a.join(' ')),
    );
    fc.assert(
      fc.property(text, (s) => {
        const folded = s.normalize('NFKC').toLowerCase();
        fc.pre(!/\p{N}/u.test(folded) && !folded.includes('approve'));
        expect(ACTING.has(parseCommand(s).kind)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('ignores surrounding whitespace and punctuation, separators and case', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...VALID),
        noise(0),
        noise(0),
        fc.array(noise(1), { minLength: 8, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
        ([canonical, expected], before, after, separators, flips) => {
          let i = 0;
          const spaced = canonical.replace(/ /g, () => separators[i++ % separators.length] ?? ' ');
          expect(parseCommand(before + flipCase(spaced, flips) + after)).toEqual(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('keeps a custom instruction whatever the noise before it and the case of the keyword', () => {
    const instruction = fc
      .string({ minLength: 1, maxLength: 80 })
      .map((s) => s.replace(/\s+/g, ' ').trim())
      .filter(
        (s) =>
          s.length > 0 && s === s.normalize('NFKC') && !/^[:;,=\-–—]/.test(s) && !/\p{C}/u.test(s),
      );
    fc.assert(
      fc.property(
        fc
          .array(fc.constantFrom(' ', '\t', '>', '*', '.', '"'), { maxLength: 4 })
          .map((a) => a.join('')),
        fc.constantFrom('custom', 'Custom', 'CUSTOM', 'cUsToM'),
        fc.constantFrom(':', ': ', ' : ', ' ', ' - ', '—'),
        instruction,
        fc.constantFrom('', ' ', '\n', '  \t'),
        (before, keyword, separator, text, after) => {
          expect(parseCommand(before + keyword + separator + text + after)).toEqual({
            kind: 'custom',
            instruction: text,
          });
        },
      ),
      { numRuns: 1000 },
    );
  });
});
