// Chat questions: cleaned (control and direction-override characters stripped, line breaks
// kept), bounded, stored as pending, a re-delivered message stored once, bad input refused
// with a reason the sender can read.
import { describe, expect, it } from 'vitest';
import {
  ingestQuestion,
  MAX_QUESTION_LENGTH,
  pendingQuestions,
  type QuestionInput,
} from '../src/ingest/questions.js';
import { openDatabase } from '../src/store/database.js';

const at = new Date('2026-01-15T08:00:00Z');

describe('ingestQuestion', () => {
  it('stores a cleaned question as pending and returns its id', () => {
    const db = openDatabase(':memory:');
    const result = ingestQuestion(
      db,
      {
        from: '+491701234567',
        channel: 'signal',
        text: '  why is\u0007 Plex\u202e slow?\r\nsince \u001b[31mtoday\t(2x)  ',
      },
      at,
    );
    expect(result).toEqual({ ok: true, id: 1, duplicate: false });
    expect(pendingQuestions(db)).toEqual([
      {
        id: 1,
        from: '+491701234567',
        channel: 'signal',
        text: 'why is Plex slow?\nsince [31mtoday\t(2x)',
        status: 'pending',
        receivedAt: '2026-01-15T08:00:00.000Z',
      },
    ]);
  });

  it('stores a re-delivered message once', () => {
    const db = openDatabase(':memory:');
    const input = { from: 'owner', channel: 'mattermost', text: 'status?', messageId: 'p-1' };
    const first = ingestQuestion(db, input, at);
    expect(ingestQuestion(db, input, at)).toEqual({
      ok: true,
      id: first.ok ? first.id : -1,
      duplicate: true,
    });
    expect(ingestQuestion(db, { ...input, messageId: 'p-2' }, at)).toMatchObject({ id: 2 });
    expect(pendingQuestions(db)).toHaveLength(2);
  });

  it('refuses empty, oversized and malformed input, storing nothing', () => {
    const db = openDatabase(':memory:');
    expect(
      ingestQuestion(db, { from: 'owner', channel: 'signal', text: ' \u0000\u0007 ' }),
    ).toEqual({
      ok: false,
      problems: ['text: the question is empty'],
    });
    expect(
      ingestQuestion(db, {
        from: 'owner',
        channel: 'signal',
        text: 'x'.repeat(MAX_QUESTION_LENGTH + 1),
      }),
    ).toEqual({ ok: false, problems: ['text: the question is longer than 4000 characters'] });
    expect(
      ingestQuestion(db, {
        from: 'owner',
        channel: 'signal',
        text: 'x'.repeat(MAX_QUESTION_LENGTH),
      }),
    ).toMatchObject({ ok: true });
    const hostile = { from: '', channel: 'Signal; DROP', text: 42 } as unknown as QuestionInput;
    const refused = ingestQuestion(db, hostile);
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(refused.problems).toEqual([
        'from: the sender is required',
        expect.stringMatching(/^channel: a channel name/),
        expect.stringMatching(/^text: /),
      ]);
    expect(pendingQuestions(db)).toHaveLength(1);
  });
});
