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
export {
  DEFAULT_HA_TOKEN,
  DEFAULT_HA_VERSION,
  LARGE_SEED_ENTITIES,
  addArea,
  addSystemLogEntry,
  callHomeAssistantService,
  createHomeAssistantState,
  finishTransitions,
  fireEvent,
  removeArea,
  removeEntityState,
  runAutomation,
  runScript,
  setEntityState,
  startHomeAssistantSim,
  updateArea,
  updateDevice,
  updateEntityRegistryEntry,
  type AreaEntry,
  type AutomationConfig,
  type ConfigCheckResult,
  type ConfigEntry,
  type CoreConfig,
  type DeviceEntry,
  type EntityRegistryEntry,
  type HaAction,
  type HaContext,
  type HaEvent,
  type HaStateObject,
  type HaWsFault,
  type HaWsFaultController,
  type HomeAssistantSim,
  type HomeAssistantState,
  type HomeAssistantStateOptions,
  type RecordedState,
  type SceneConfig,
  type ScriptConfig,
  type SystemLogEntry,
  type TraceRun,
} from './upstreams/home-assistant.js';
