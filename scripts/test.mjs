// Runs a vitest suite and closes with one plain line "N passed, N failed[, N skipped]" so any
// CI reader can count the tests, whatever runner it knows. Exit code is vitest's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const config = process.argv[2] ?? 'vitest.config.ts';
const report = join(mkdtempSync(join(tmpdir(), 'homelab-vitest-')), 'report.json');
const run = spawnSync(
  'pnpm',
  [
    'exec',
    'vitest',
    'run',
    '--config',
    config,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(3),
  ],
  { stdio: 'inherit' },
);
let summary;
try {
  const result = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = result.numPendingTests + result.numTodoTests;
  summary = `${result.numPassedTests} passed, ${result.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`;
} catch {
  summary = '0 passed, 1 failed';
}
console.log(`\ntests: ${summary}`);
process.exit(run.status ?? 1);
