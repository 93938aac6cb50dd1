// The orchestrator's SQLite store: one file, WAL journal (readers never block the writer), a busy
// timeout instead of "database is locked" errors, foreign keys on, and the numbered migrations
// applied at open. Everything the orchestrator decides is recorded here.
import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Milliseconds to wait for a lock before failing. */
  busyTimeoutMs?: number;
  migrations?: readonly Migration[];
}

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  migrate(db, options.migrations ?? MIGRATIONS);
  return db;
}

/** Applies the migrations newer than the database's user_version, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[]): number[] {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  ordered.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(
        `migrations must be numbered 1, 2, 3...; found ${m.version} at position ${i + 1}`,
      );
  });
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > ordered.length) {
    throw new Error(
      `the database is at schema version ${current}, newer than this orchestrator knows (${ordered.length}); upgrade the orchestrator`,
    );
  }
  const applied: number[] = [];
  for (const migration of ordered.slice(current)) {
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
    applied.push(migration.version);
  }
  return applied;
}

/** A consistent copy of the live database (SQLite's online backup), safe while it is in use. */
export async function backupDatabase(db: Db, destination: string): Promise<{ pages: number }> {
  const result = await db.backup(destination);
  return { pages: result.totalPages };
}
