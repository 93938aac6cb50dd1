// Vitest glue for simulated upstreams: fail the test that caused a contract violation.
// Why a separate entry (`@homelab/simulator/vitest`): it imports vitest, which production code
// must never load.

import { afterEach } from 'vitest';
import type { Upstream } from './types.js';

/** An upstream, or a function returning it (for upstreams started later, in `beforeAll`). */
export type UpstreamSource = Upstream<unknown> | (() => Upstream<unknown> | undefined);

/**
 * Registers `afterEach(() => upstream.assertNoViolations())` for each upstream, so a violation
 * fails the test that caused it. Call it at collection time (top level or in `describe`).
 */
export function failOnViolations(...upstreams: UpstreamSource[]): void {
  afterEach(() => {
    const failures: string[] = [];
    for (const source of upstreams) {
      const upstream = typeof source === 'function' ? source() : source;
      if (!upstream) continue;
      try {
        upstream.assertNoViolations();
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    if (failures.length > 0) throw new Error(failures.join('\n'));
  });
}
