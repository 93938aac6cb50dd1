// Flapping damping. An alert group that resolves and fires again `threshold` times within
// `windowMs` is flapping: the owner is told once ("flapping"), and its further reopenings are
// recorded without a notification until the group has stayed resolved for a whole window.
// Why its own module: the rule is pure (history in, decision out) and shared by every source.
import type { Db } from '../store/database.js';

export interface FlapSettings {
  /** Reopenings within the window that make a group flapping. */
  threshold: number;
  windowMs: number;
}

export const DEFAULT_FLAP_SETTINGS: FlapSettings = { threshold: 3, windowMs: 60 * 60_000 };

export interface GroupHistory {
  /** The group's latest incident before the one being opened. */
  previous: { resolvedAt: string | null; flapping: boolean } | undefined;
  /** When the group's earlier reopenings (incidents after its first) opened, within the window. */
  reopenedAt: string[];
}

export type FlapDecision =
  | { flapping: false }
  /** `announce`: the group became flapping with this reopening (tell the owner once). */
  | { flapping: true; announce: boolean };

/** Decides about a group opening a new incident at `now`. */
export function decideFlap(history: GroupHistory, now: Date, settings: FlapSettings): FlapDecision {
  const { previous } = history;
  if (!previous) return { flapping: false };
  const since = now.getTime() - settings.windowMs;
  const quietSince = previous.resolvedAt ? Date.parse(previous.resolvedAt) : Number.NaN;
  if (previous.flapping && !(quietSince <= since)) return { flapping: true, announce: false };
  const reopenings = history.reopenedAt.filter((at) => Date.parse(at) > since).length + 1;
  return reopenings >= settings.threshold
    ? { flapping: true, announce: true }
    : { flapping: false };
}

/** The history decideFlap needs, read from the incidents of one group. */
export function groupHistory(
  db: Db,
  source: string,
  groupKey: string,
  now: Date,
  settings: FlapSettings,
): GroupHistory {
  const previous = db
    .prepare(
      'SELECT resolved_at, flapping FROM incidents WHERE source = ? AND group_key = ? ORDER BY id DESC LIMIT 1',
    )
    .get(source, groupKey) as { resolved_at: string | null; flapping: number } | undefined;
  const reopenedAt = (
    db
      .prepare(
        'SELECT opened_at FROM incidents WHERE source = ? AND group_key = ? AND reopen_count > 0 AND opened_at > ?',
      )
      .all(source, groupKey, new Date(now.getTime() - settings.windowMs).toISOString()) as Array<{
      opened_at: string;
    }>
  ).map((r) => r.opened_at);
  return {
    previous: previous
      ? { resolvedAt: previous.resolved_at, flapping: previous.flapping === 1 }
      : undefined,
    reopenedAt,
  };
}
