// Runbooks: known problems and their fixes as YAML in runbooks/, loaded, validated and matched
// against incidents without a model. The plan stage imports from here.
export * from './duration.js';
export * from './load.js';
export * from './match.js';
export * from './render.js';
export * from './schema.js';
