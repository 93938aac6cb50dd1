#!/usr/bin/env node
// Starts the orchestrator (`node orchestrator/dist/main.js`), or with `backup FILE` writes a
// consistent copy of its database, or with `hash-password` turns a password read from stdin into
// the value of ORCH_CONSOLE_PASSWORD_HASH. A bad configuration (variables or the YAML files they
// name) exits 2 with one message naming every problem.
import {
  ConfigError,
  ConfigLoadError,
  createLogger,
  errorFields,
  parseEnv,
  Redactor,
} from '@homelab/kit';
import { startOrchestrator } from './app.js';
import { configShape } from './config.js';
import { hashPassword } from './console/auth.js';
import { backupDatabase, openDatabase } from './store/database.js';

if (process.argv[2] === 'hash-password') {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password.length < 8) {
    console.error('usage: printf %s "<password of at least 8 characters>" | main.js hash-password');
    process.exit(2);
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
  process.exit(0);
}

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

const [command, target] = process.argv.slice(2);
if (command === 'backup') {
  if (!target) {
    console.error('usage: main.js backup FILE');
    process.exit(2);
  }
  const db = openDatabase(config.ORCH_DB_PATH);
  const { pages } = await backupDatabase(db, target);
  log.info('backup written', { file: target, pages });
  db.close();
} else if (command !== undefined) {
  console.error(`unknown command ${command} (known: backup FILE, hash-password)`);
  process.exit(2);
} else {
  try {
    const running = await startOrchestrator(config, log, { secrets });
    const stop = () => void running.close().finally(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  } catch (error) {
    if (error instanceof ConfigLoadError || error instanceof ConfigError) {
      console.error(redactor.redactString(error.message));
      process.exit(2);
    }
    log.error('orchestrator failed to start', errorFields(error));
    process.exit(1);
  }
}
