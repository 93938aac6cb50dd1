// The orchestrator's README documents every variable it reads, and the alias table matches the
// defaults in code, so the page cannot drift from the configuration.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configShape } from '../src/config.js';
import { DEFAULT_MODEL_IDS } from '../src/llm/models.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('orchestrator README', () => {
  it.each(Object.keys(configShape))('documents %s', (variable) => {
    expect(readme).toContain(`| \`${variable}\` |`);
  });

  it.each(Object.entries(DEFAULT_MODEL_IDS))('names the default model of %s', (alias, model) => {
    expect(readme).toMatch(
      new RegExp(`\\| [^|]*${alias}[^|]* \\| ${model.replaceAll('.', '\\.')} \\|`),
    );
  });
});
