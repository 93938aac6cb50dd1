// "Next time: [Auto] [Ask] [Investigate]": the owner's answer after a runbook's fix overrides the
// automation_level its file gives, so autonomy is granted (or taken back) from chat without
// editing YAML. Kept in the store (runbook_autonomy) with who set it and when; the pipeline reads
// it each time a runbook matches.
import type { Db } from '../store/database.js';

export type AutonomyLevel = 'auto' | 'ask_human' | 'investigate';

/** The grammar's words for the levels. */
export const AUTONOMY_BY_WORD: Record<'auto' | 'ask' | 'investigate', AutonomyLevel> = {
  auto: 'auto',
  ask: 'ask_human',
  investigate: 'investigate',
};

/** The override if the owner set one, else the level in the runbook's file. */
export function effectiveAutonomy(db: Db, runbookId: string, fileLevel: string): AutonomyLevel {
  const row = db
    .prepare('SELECT level FROM runbook_autonomy WHERE runbook_id = ?')
    .get(runbookId) as { level: AutonomyLevel } | undefined;
  if (row) return row.level;
  return fileLevel === 'auto' ? 'auto' : 'ask_human';
}

export function setAutonomy(
  db: Db,
  input: { runbookId: string; level: AutonomyLevel; setBy: string },
  now = new Date(),
): void {
  db.prepare(
    `INSERT INTO runbook_autonomy (runbook_id, level, set_by, set_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (runbook_id) DO UPDATE SET level = excluded.level, set_by = excluded.set_by, set_at = excluded.set_at`,
  ).run(input.runbookId, input.level, input.setBy, now.toISOString());
}
