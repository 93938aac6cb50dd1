// The GitHub webhook, for Renovate pull requests. A delivery counts only with a valid
// X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the shared secret, compared in constant
// time). `pull_request` events of Renovate PRs become update records (updates.ts); `ping` is
// answered; everything else is acknowledged and ignored. A redelivery (same X-GitHub-Delivery)
// changes nothing.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../store/database.js';
import { recordDelivery } from './deliveries.js';
import { isRenovatePullRequest, parseRenovateBody } from './renovate.js';
import { recordPullRequest, type UpdateState } from './updates.js';

/** True when `header` is `sha256=<hex>` of the HMAC of `body` with `secret`. */
export function verifyGithubSignature(
  secret: string,
  body: string | Buffer,
  header: string | undefined,
): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '');
  if (!match?.[1]) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  return timingSafeEqual(Buffer.from(match[1], 'hex'), expected);
}

/** Actions that change what a Renovate PR updates or whether it is open. */
export const HANDLED_PR_ACTIONS: readonly string[] = [
  'opened',
  'reopened',
  'synchronize',
  'edited',
  'closed',
];

const pullRequestSchema = z
  .object({
    number: z.number().int().positive(),
    title: z.string().max(2000),
    body: z.string().nullish(),
    state: z.enum(['open', 'closed']),
    merged: z.boolean().nullish(),
    merged_at: z.string().nullish(),
    html_url: z.string().max(2048).nullish(),
    updated_at: z.iso.datetime({ offset: true }).nullish(),
    head: z
      .object({
        ref: z.string().min(1).max(1024),
        sha: z.string().regex(/^[0-9a-f]{7,64}$/i, 'must be a commit sha'),
      })
      .loose(),
    base: z
      .object({ ref: z.string().max(1024) })
      .loose()
      .nullish(),
  })
  .loose();

const pullRequestEventSchema = z
  .object({
    action: z.string().min(1).max(64),
    pull_request: pullRequestSchema,
    repository: z
      .object({
        full_name: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/, 'must be owner/name'),
      })
      .loose(),
  })
  .loose();

export type GithubOutcome =
  | { kind: 'pong' }
  | { kind: 'duplicate'; deliveryId: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'invalid'; problems: string[] }
  | {
      kind: 'update';
      updateId: number;
      repo: string;
      number: number;
      state: UpdateState;
      created: boolean;
      stale: boolean;
      packages: number;
    };

export interface GithubDelivery {
  /** X-GitHub-Event. */
  event: string;
  /** X-GitHub-Delivery. */
  deliveryId: string;
  /** The verified raw body. */
  body: string;
  /** The request's content type: GitHub can send JSON or a form with a `payload` field. */
  contentType?: string;
}

function payloadText(delivery: GithubDelivery): string {
  if (/^application\/x-www-form-urlencoded/i.test(delivery.contentType ?? ''))
    return new URLSearchParams(delivery.body).get('payload') ?? '';
  return delivery.body;
}

function problemsOf(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
}

/** Handles one signature-verified delivery; the caller maps the outcome to an HTTP status. */
export function ingestGithubDelivery(
  db: Db,
  delivery: GithubDelivery,
  now: Date = new Date(),
): GithubOutcome {
  if (delivery.event === 'ping') return { kind: 'pong' };
  if (delivery.event !== 'pull_request')
    return { kind: 'ignored', reason: `event ${delivery.event} is not handled` };
  let json: unknown;
  try {
    json = JSON.parse(payloadText(delivery));
  } catch {
    return { kind: 'invalid', problems: ['the body is not JSON (set the content type to JSON)'] };
  }
  const parsed = pullRequestEventSchema.safeParse(json);
  if (!parsed.success) return { kind: 'invalid', problems: problemsOf(parsed.error) };
  const { action, pull_request: pr, repository } = parsed.data;
  if (!isRenovatePullRequest({ headRef: pr.head.ref, body: pr.body }))
    return { kind: 'ignored', reason: 'not a Renovate pull request' };
  if (!HANDLED_PR_ACTIONS.includes(action))
    return { kind: 'ignored', reason: `pull_request action ${action} is not handled` };

  const state: UpdateState =
    pr.state === 'open' ? 'open' : pr.merged === true || pr.merged_at ? 'merged' : 'closed';
  return db.transaction((): GithubOutcome => {
    if (!recordDelivery(db, 'github', delivery.body, now.toISOString(), delivery.deliveryId))
      return { kind: 'duplicate', deliveryId: delivery.deliveryId };
    const packages = parseRenovateBody(pr.body ?? '');
    const outcome = recordPullRequest(
      db,
      {
        repo: repository.full_name,
        number: pr.number,
        title: pr.title,
        url: pr.html_url ?? undefined,
        headRef: pr.head.ref,
        headSha: pr.head.sha,
        baseRef: pr.base?.ref,
        packages,
        state,
        updatedAt: pr.updated_at ?? undefined,
      },
      now,
    );
    return {
      kind: 'update',
      updateId: outcome.id,
      repo: repository.full_name,
      number: pr.number,
      state: outcome.state,
      created: outcome.created,
      stale: outcome.stale,
      packages: packages.length,
    };
  })();
}
