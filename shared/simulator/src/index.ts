// Public entry of @homelab/simulator: the simulated homelab framework (contracts, upstreams,
// faults, WebSockets). The vitest helper lives in `@homelab/simulator/vitest` so production
// code that imports this entry never loads vitest.

export {
  Contract,
  loadContract,
  type ContractIssue,
  type ContractOperation,
  type ContractRequest,
  type ContractResponse,
  type SpecVersion,
} from './contract.js';
export { specPath } from './spec-path.js';
export type { Fault, FaultController, FaultKind, FaultMatch, FaultStatus } from './faults.js';
export { MAX_REQUEST_BODY_BYTES, startUpstream } from './upstream.js';
export type { ContractViolation } from './violations.js';
export type {
  RequestLogEntry,
  RouteDefinition,
  RouteHandler,
  SimRequest,
  SimResponse,
  SimSocket,
  Upstream,
  UpstreamOptions,
  WebSocketRoute,
} from './types.js';
export { startSimulatedHomelab, type SimulatedHomelab } from './homelab.js';
export {
  addAlert,
  createAlertmanagerState,
  demoAlerts,
  parseFilter,
  startAlertmanagerSim,
  type AlertmanagerState,
  type NewSimAlert,
  type SimAlert,
  type SimMatcher,
  type SimSilence,
} from './upstreams/alertmanager.js';
