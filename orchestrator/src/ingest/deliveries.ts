// Every webhook delivery is recorded as received (after validation), keyed by a hash of its body,
// or by the delivery id a source sends (GitHub's X-GitHub-Delivery), so a retried or redelivered
// notification is recognised and acted on once. Shared by every webhook source.
import { createHash } from 'node:crypto';
import type { Db } from '../store/database.js';

export function bodyHash(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Records a delivery; false when it was recorded before (a retry): the same body, or the same
 * delivery id from a source that sends one.
 */
export function recordDelivery(
  db: Db,
  source: string,
  body: string,
  at: string,
  deliveryId?: string,
): boolean {
  return (
    db
      .prepare(
        'INSERT INTO deliveries (source, body_sha256, received_at, body, delivery_id) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      )
      .run(source, bodyHash(body), at, body, deliveryId ?? null).changes > 0
  );
}
