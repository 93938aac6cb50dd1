// Public surface of the orchestrator package (the pipeline grows stage by stage; see DESIGN.md §4).
export * from './incidents/incidents.js';
export * from './ingest/alertmanager.js';
export * from './store/database.js';
export * from './store/migrations.js';
export * from './http/server.js';
export * from './config.js';
export * from './privacy/anonymizer.js';
export * from './execute/executor.js';
export * from './mcp/hub.js';
export * from './plan/route.js';
export * from './llm/quota.js';
