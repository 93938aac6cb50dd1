// Finds files in the team handbook's specs folder (`../shared/specs` beside the repository).
// Why: the published upstream contracts live outside the repository (the handbook is not part of
// the checkout), and the checkout sits in different places on dev machines and in CI.

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function handbookSpecsDir(): string {
  const fromEnv = process.env.HOMELAB_SPECS_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
  const start = dirname(fileURLToPath(import.meta.url));
  const ancestors: string[] = [];
  for (let dir = start; ; dir = dirname(dir)) {
    ancestors.push(dir);
    if (dirname(dir) === dir) break;
  }
  const repoRoot = ancestors.find((dir) => existsSync(join(dir, 'pnpm-workspace.yaml')));
  const candidates = repoRoot === undefined ? ancestors : [repoRoot, ...ancestors];
  for (const dir of candidates) {
    const specs = join(dir, '..', 'shared', 'specs');
    if (existsSync(specs)) return specs;
  }
  throw new Error(
    `cannot find the handbook specs folder (../shared/specs beside the repository, searched upward from ${start}); set HOMELAB_SPECS_DIR`,
  );
}

/** Absolute path of `fileName` in the handbook specs folder; throws when the file is not there. */
export function specPath(fileName: string): string {
  const dir = handbookSpecsDir();
  const file = join(dir, fileName);
  if (!existsSync(file)) throw new Error(`spec file ${fileName} not found in ${dir}`);
  return file;
}
