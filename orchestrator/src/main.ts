#!/usr/bin/env node
// Starts the orchestrator (`node orchestrator/dist/main.js`), or with `backup FILE` writes a
// consistent copy of its database. Model triage, approvals and execution arrive stage by stage
// (issue 5); today it records incidents from Alertmanager.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigLoadError, createLogger, errorFields, parseEnv, Redactor } from '@homelab/kit';
import { configShape } from './config.js';
import { startOrchestratorHttp } from './http/server.js';
import { backupDatabase, openDatabase } from './store/database.js';

let config;
let secrets: string[];
try {
  ({ data: config, secrets } = parseEnv(configShape, process.env));
} catch (error) {
  if (error instanceof ConfigLoadError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
const redactor = new Redactor();
redactor.add(...secrets);
const log = createLogger({
  level: config.ORCH_LOG_LEVEL,
  redactor,
  base: { component: 'orchestrator' },
});

mkdirSync(dirname(config.ORCH_DB_PATH), { recursive: true });
const db = openDatabase(config.ORCH_DB_PATH);
const [command, target] = process.argv.slice(2);
if (command === 'backup') {
  if (!target) {
    console.error('usage: main.js backup FILE');
    process.exit(2);
  }
  const { pages } = await backupDatabase(db, target);
  log.info('backup written', { file: target, pages });
  db.close();
} else if (command !== undefined) {
  console.error(`unknown command ${command} (known: backup FILE)`);
  process.exit(2);
} else {
  try {
    const http = await startOrchestratorHttp(
      db,
      {
        host: config.ORCH_HOST,
        port: config.ORCH_PORT,
        webhookToken: config.ORCH_WEBHOOK_TOKEN,
        maxBodyBytes: config.ORCH_WEBHOOK_MAX_BYTES,
      },
      log,
    );
    log.warn(
      'model triage, approvals and execution are not part of this build yet: incidents are recorded only',
    );
    const stop = () => {
      void http.close().finally(() => {
        db.close();
        process.exit(0);
      });
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  } catch (error) {
    if (error instanceof ConfigLoadError) {
      console.error(redactor.redactString(error.message));
      process.exit(2);
    }
    log.error('orchestrator failed to start', errorFields(error));
    process.exit(1);
  }
}
