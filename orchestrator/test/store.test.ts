// The store: WAL and busy timeout on, migrations applied once and in order, a newer database
// refused, and an online backup that is a usable copy.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { backupDatabase, migrate, openDatabase } from '../src/store/database.js';
import { MIGRATIONS } from '../src/store/migrations.js';

const dir = () => mkdtempSync(join(tmpdir(), 'orchestrator-store-'));

describe('store', () => {
  it('opens with WAL, a busy timeout and foreign keys, at the newest schema', () => {
    const db = openDatabase(join(dir(), 'homelab.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });

  it('applies each migration once, in order, and refuses a database from a newer orchestrator', () => {
    const path = join(dir(), 'homelab.sqlite');
    const extra = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, name: 'test', sql: 'CREATE TABLE later (x INTEGER);' },
    ];
    const db = openDatabase(path);
    expect(migrate(db, MIGRATIONS)).toEqual([]);
    expect(migrate(db, extra)).toEqual([MIGRATIONS.length + 1]);
    db.close();
    const newer = MIGRATIONS.length + 1;
    expect(() => openDatabase(path)).toThrow(
      `the database is at schema version ${newer}, newer than this orchestrator knows (${MIGRATIONS.length})`,
    );
    const raw = new Database(':memory:');
    expect(() => migrate(raw, [{ version: 2, name: 'gap', sql: '' }])).toThrow(/numbered 1, 2, 3/);
  });

  it('rolls a failing migration back whole', () => {
    const db = new Database(':memory:');
    const broken = [
      {
        version: 1,
        name: 'broken',
        sql: 'CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);',
      },
    ];
    expect(() => migrate(db, broken)).toThrow(/already exists/);
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'a'").all()).toEqual([]);
  });

  it('backs up a live database to a usable copy', async () => {
    const folder = dir();
    const db = openDatabase(join(folder, 'homelab.sqlite'));
    db.prepare(
      "INSERT INTO deliveries (source, body_sha256, received_at, body) VALUES ('test', 'abc', '2026-01-01', '{}')",
    ).run();
    const { pages } = await backupDatabase(db, join(folder, 'backup.sqlite'));
    expect(pages).toBeGreaterThan(0);
    const copy = new Database(join(folder, 'backup.sqlite'), { readonly: true });
    expect(copy.prepare('SELECT body_sha256 FROM deliveries').all()).toEqual([
      { body_sha256: 'abc' },
    ]);
    copy.close();
    db.close();
  });
});
