// Test helpers for homelab MCP servers (never imported by production code).
export * from './clients.js';
export * from './contract.js';
export * from './eventually.js';
export * from './fake-kubelet.js';
export * from './fixtures.js';
export * from './readme.js';
export * from './real-home-assistant.js';
export * from './real-kubernetes.js';
export * from './real-minio.js';
export * from './real-upstreams.js';
export * from './s3-sign.js';
export * from './snapshot.js';
