// Preloaded into server processes by the bench (node --expose-gc --import bench/heap-probe.mjs).
// RSS cannot tell garbage V8 has not returned from memory a server really holds on to; this can:
// on SIGUSR2 it runs a full GC and writes the live heap to BENCH_HEAP_DIR/heap-<pid>-<n>.json.
// Without BENCH_HEAP_DIR or --expose-gc it installs nothing.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BENCH_HEAP_DIR;
const gc = globalThis.gc;

if (dir && typeof gc === 'function') {
  let n = 0;
  process.on('SIGUSR2', () => {
    gc();
    const { heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    writeFileSync(
      join(dir, `heap-${process.pid}-${++n}.json`),
      JSON.stringify({ heapUsed, heapTotal, external, arrayBuffers }),
    );
  });
}
