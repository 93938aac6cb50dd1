// Renovate pull requests as "update" records (table `updates`): one row per PR with what it
// updates and whether it is still open. They are not incidents: later stages turn the open ones
// into proposals ("approve PR <n>"). GitHub may deliver events out of order, so a PR snapshot
// older than the one stored (by the PR's updated_at) is ignored.
import type { Db } from '../store/database.js';
import type { RenovatePackage } from './renovate.js';

export type UpdateState = 'open' | 'closed' | 'merged';

export interface PullRequestSnapshot {
  repo: string;
  number: number;
  title: string;
  url: string | undefined;
  headRef: string;
  headSha: string;
  baseRef: string | undefined;
  packages: RenovatePackage[];
  state: UpdateState;
  /** The PR's own updated_at, to order out-of-order deliveries. */
  updatedAt: string | undefined;
}

export interface UpdateRecord {
  id: number;
  repo: string;
  prNumber: number;
  title: string;
  url: string | null;
  headRef: string;
  headSha: string;
  baseRef: string | null;
  packages: RenovatePackage[];
  state: UpdateState;
  firstSeenAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface RecordUpdateOutcome {
  id: number;
  created: boolean;
  /** True when the stored PR was newer and this snapshot changed nothing. */
  stale: boolean;
  state: UpdateState;
}

interface UpdateRow {
  id: number;
  repo: string;
  pr_number: number;
  title: string;
  url: string | null;
  head_ref: string;
  head_sha: string;
  base_ref: string | null;
  packages: string;
  state: UpdateState;
  first_seen_at: string;
  updated_at: string;
  pr_updated_at: string | null;
  closed_at: string | null;
}

function toRecord(row: UpdateRow): UpdateRecord {
  return {
    id: row.id,
    repo: row.repo,
    prNumber: row.pr_number,
    title: row.title,
    url: row.url,
    headRef: row.head_ref,
    headSha: row.head_sha,
    baseRef: row.base_ref,
    packages: JSON.parse(row.packages) as RenovatePackage[],
    state: row.state,
    firstSeenAt: row.first_seen_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
  };
}

/** Inserts or updates the record of one PR (call inside the delivery's transaction). */
export function recordPullRequest(
  db: Db,
  pr: PullRequestSnapshot,
  now: Date = new Date(),
): RecordUpdateOutcome {
  const at = now.toISOString();
  const existing = db
    .prepare('SELECT * FROM updates WHERE repo = ? AND pr_number = ?')
    .get(pr.repo, pr.number) as UpdateRow | undefined;
  const closedAt = pr.state === 'open' ? null : at;
  if (!existing) {
    const id = Number(
      db
        .prepare(
          `INSERT INTO updates (repo, pr_number, title, url, head_ref, head_sha, base_ref, packages, state, first_seen_at, updated_at, pr_updated_at, closed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          pr.repo,
          pr.number,
          pr.title,
          pr.url ?? null,
          pr.headRef,
          pr.headSha,
          pr.baseRef ?? null,
          JSON.stringify(pr.packages),
          pr.state,
          at,
          at,
          pr.updatedAt ?? null,
          closedAt,
        ).lastInsertRowid,
    );
    return { id, created: true, stale: false, state: pr.state };
  }
  const older =
    pr.updatedAt !== undefined &&
    existing.pr_updated_at !== null &&
    Date.parse(pr.updatedAt) < Date.parse(existing.pr_updated_at);
  if (older) return { id: existing.id, created: false, stale: true, state: existing.state };
  db.prepare(
    `UPDATE updates SET title = ?, url = COALESCE(?, url), head_ref = ?, head_sha = ?, base_ref = COALESCE(?, base_ref),
     packages = ?, state = ?, updated_at = ?, pr_updated_at = COALESCE(?, pr_updated_at),
     closed_at = CASE WHEN ? = 'open' THEN NULL ELSE COALESCE(closed_at, ?) END WHERE id = ?`,
  ).run(
    pr.title,
    pr.url ?? null,
    pr.headRef,
    pr.headSha,
    pr.baseRef ?? null,
    JSON.stringify(pr.packages),
    pr.state,
    at,
    pr.updatedAt ?? null,
    pr.state,
    at,
    existing.id,
  );
  return { id: existing.id, created: false, stale: false, state: pr.state };
}

/** Open Renovate PRs, oldest first: the updates waiting for a decision. */
export function pendingUpdates(db: Db): UpdateRecord[] {
  return (
    db
      .prepare("SELECT * FROM updates WHERE state = 'open' ORDER BY first_seen_at, id")
      .all() as UpdateRow[]
  ).map(toRecord);
}

/** One PR's record, whatever its state (for "approve PR <n>"). */
export function updateByPullRequest(
  db: Db,
  repo: string,
  number: number,
): UpdateRecord | undefined {
  const row = db
    .prepare('SELECT * FROM updates WHERE repo = ? AND pr_number = ?')
    .get(repo, number) as UpdateRow | undefined;
  return row ? toRecord(row) : undefined;
}
