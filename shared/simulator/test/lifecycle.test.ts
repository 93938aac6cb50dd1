// Lifecycle: close() ends hung requests and open WebSockets promptly; request bodies over the
// limit are refused; failOnViolations accepts upstreams started later.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_REQUEST_BODY_BYTES,
  startAlertmanagerSim,
  startUpstream,
  type Upstream,
} from '../src/index.js';
import { failOnViolations } from '../src/vitest.js';
import { withUpstream } from './helpers.js';

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('close()', () => {
  it('ends hung requests, a pending latency and open WebSockets, and frees the port', async () => {
    const upstream = await startUpstream({
      name: 'closable',
      state: {},
      routes: [{ method: 'GET', path: '/slow', handler: () => ({ status: 200, body: {} }) }],
      websocket: [{ path: '/ws', onConnection: () => undefined }],
    });
    upstream.faults.inject({ kind: 'hang', match: { path: '/hang' } });
    upstream.faults.inject({ kind: 'latency', ms: 60_000, match: { path: '/slow' } });
    const hung = fetch(`${upstream.url}/hang`).then(
      () => 'answered',
      () => 'failed',
    );
    const slow = fetch(`${upstream.url}/slow`).then(
      () => 'answered',
      () => 'failed',
    );
    const socket = new WebSocket(`${upstream.wsUrl}/ws`);
    await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
    const socketClosed = new Promise((resolve) =>
      socket.addEventListener('close', resolve, { once: true }),
    );
    await waitFor(() => upstream.requests.length === 3);

    const started = performance.now();
    await upstream.close();
    expect(await hung).toBe('failed');
    expect(await slow).toBe('failed');
    await socketClosed;
    expect(performance.now() - started).toBeLessThan(2000);
    await expect(fetch(`${upstream.url}/slow`)).rejects.toThrow(TypeError);
    await upstream.close();
  });
});

describe('request bodies', () => {
  it(`refuses bodies over ${MAX_REQUEST_BODY_BYTES} bytes with 413`, async () => {
    await withUpstream(
      {
        name: 'sink',
        state: {},
        routes: [
          {
            method: 'POST',
            path: '/upload',
            handler: (req) => ({ status: 200, body: { size: String(req.body).length } }),
          },
        ],
      },
      async (upstream) => {
        const small = await fetch(`${upstream.url}/upload`, {
          method: 'POST',
          body: 'x'.repeat(1000),
        });
        expect(await small.json()).toEqual({ size: 1000 });
        const big = await fetch(`${upstream.url}/upload`, {
          method: 'POST',
          body: 'x'.repeat(MAX_REQUEST_BODY_BYTES + 1),
        });
        expect(big.status).toBe(413);
        upstream.assertNoViolations();
      },
    );
  });
});

describe('failOnViolations with an upstream started in beforeAll', () => {
  let am: Upstream<unknown> | undefined;
  beforeAll(async () => {
    am = await startAlertmanagerSim();
  });
  afterAll(() => am?.close());
  failOnViolations(() => am);

  it('passes when the client follows the contract', async () => {
    expect((await fetch(`${am?.url}/api/v2/status`)).status).toBe(200);
  });
});
