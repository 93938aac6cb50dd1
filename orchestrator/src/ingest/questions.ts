// Questions asked in a chat channel ("why is Plex slow?"), the pipeline's fourth source beside
// alerts, updates and schedules. The chat channels (Signal, Mattermost, the console) call
// ingestQuestion with what a sender typed; it is cleaned (control and direction-override
// characters stripped), bounded, and stored as a pending question the planner picks up.
import { z } from 'zod';
import type { Db } from '../store/database.js';

export const MAX_QUESTION_LENGTH = 4000;

/** C0/C1 controls except tab and newline, DEL, and bidirectional overrides (text spoofing). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
}

const questionSchema = z.object({
  from: z.string().transform(cleanText).pipe(z.string().min(1, 'the sender is required').max(200)),
  channel: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, 'a channel name such as signal, mattermost or console'),
  text: z
    .string()
    .transform(cleanText)
    .pipe(
      z
        .string()
        .min(1, 'the question is empty')
        .max(MAX_QUESTION_LENGTH, `the question is longer than ${MAX_QUESTION_LENGTH} characters`),
    ),
  messageId: z.string().min(1).max(200).optional(),
});

export interface QuestionInput {
  /** Who asked (a phone number, a user name); the approvals allow-list decides what it may do. */
  from: string;
  channel: string;
  text: string;
  /** The channel's id for the message, when it has one: a re-delivered message is stored once. */
  messageId?: string;
}

export type QuestionResult =
  { ok: true; id: number; duplicate: boolean } | { ok: false; problems: string[] };

export interface StoredQuestion {
  id: number;
  from: string;
  channel: string;
  text: string;
  status: 'pending' | 'answering' | 'answered' | 'failed';
  receivedAt: string;
}

/** Validates and stores a question; problems are worded for the sender. */
export function ingestQuestion(
  db: Db,
  input: QuestionInput,
  now: Date = new Date(),
): QuestionResult {
  const parsed = questionSchema.safeParse(input);
  if (!parsed.success)
    return {
      ok: false,
      problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`),
    };
  const { from, channel, text, messageId } = parsed.data;
  const at = now.toISOString();
  const inserted = db
    .prepare(
      `INSERT INTO questions (sender, channel, message_id, text, status, received_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING`,
    )
    .run(from, channel, messageId ?? null, text, at, at);
  if (inserted.changes === 0) {
    const existing = db
      .prepare('SELECT id FROM questions WHERE channel = ? AND message_id = ?')
      .get(channel, messageId) as { id: number };
    return { ok: true, id: existing.id, duplicate: true };
  }
  return { ok: true, id: Number(inserted.lastInsertRowid), duplicate: false };
}

/** Questions not yet picked up, oldest first. */
export function pendingQuestions(db: Db, limit = 100): StoredQuestion[] {
  return db
    .prepare(
      `SELECT id, sender AS "from", channel, text, status, received_at AS receivedAt
       FROM questions WHERE status = 'pending' ORDER BY id LIMIT ?`,
    )
    .all(limit) as StoredQuestion[];
}
