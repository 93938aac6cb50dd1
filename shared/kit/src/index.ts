// Public surface of the server kit; servers import only from here.
export * from './config.js';
export * from './diff.js';
export * from './errors.js';
export * from './homelab-server.js';
export * from './http-server.js';
export * from './log.js';
export * from './metrics.js';
export * from './redact.js';
export * from './run.js';
export * from './surface.js';
export * from './tool.js';
export * from './upstream.js';
