// The model gateway the end-to-end tests use: either one Gemini alias on the simulated model API
// (through the real SDK), or none at all (model triage off). Shared so every test builds it the
// same way, with prices left unknown.
import type { Logger } from '@homelab/kit';
import { DEFAULT_MODEL_API_KEY } from '@homelab/simulator';
import { ModelGateway } from '../../src/llm/gateway.js';
import { createProvider } from '../../src/llm/providers/index.js';
import { DEFAULT_QUOTAS } from '../../src/llm/quota.js';
import type { Db } from '../../src/store/database.js';

export function testGateway(db: Db, log: Logger, geminiUrl?: string): ModelGateway {
  const routes = geminiUrl
    ? [
        {
          alias: 'gemini-flash' as const,
          model: 'gemini-2.5-flash',
          provider: createProvider('gemini', { apiKey: DEFAULT_MODEL_API_KEY, baseUrl: geminiUrl }),
        },
      ]
    : [];
  return new ModelGateway(db, routes, {
    quotas: DEFAULT_QUOTAS,
    price: () => ({ usd: 0, priced: false }),
    log,
  });
}
