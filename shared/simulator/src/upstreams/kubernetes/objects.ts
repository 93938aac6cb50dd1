// The API server's write path for the simulated resources: create, replace, patch and delete
// (and the scale subresource), with what the registry strategies do on the way: system metadata,
// defaults, generation bumps on spec changes, status kept on main-resource writes, resourceVersion
// preconditions (Conflict), validation (Invalid, with the apiserver's wording), dry run (`All`:
// everything but storing), and the controllers run after a stored write.

import {
  afterPodCreated,
  afterPodDeleted,
  afterPodUpdated,
  afterReplicaSetDeleted,
  defaultPodSpec,
  deleteDependents,
  reconcile,
  removePod,
  sameJson,
  startPod,
} from './controllers.js';
import {
  apiVersionOf,
  deepCopy,
  getObject,
  listObjects,
  newUid,
  putObject,
  randomSuffix,
  removeObject,
  timestamp,
  type ContainerSpec,
  type JsonObject,
  type KubeObject,
  type KubernetesState,
  type Pod,
  type PodSpec,
  type ResourceType,
  type Workload,
} from './model.js';
import {
  jsonPatch,
  mergePatch,
  PatchError,
  strategicMerge,
  type JsonPatchOperation,
} from './patch.js';
import { formatSelector, matchesLabels, selectorRequirements } from './selectors.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  invalid,
  KubeError,
  namespaceNotFound,
  notFound,
  successStatus,
  type FieldError,
  type StatusObject,
} from './status.js';

export interface ApiContext {
  state: KubernetesState;
  /** Problems of an object against its schema in the contract ([] when it fits). */
  checkSchema(resource: ResourceType, object: unknown): string[];
}

export type PatchType = 'merge' | 'strategic' | 'json';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object as clients see it: a copy, so later changes to the store do not leak into answers. */
export function view<T>(object: T): T {
  return deepCopy(object);
}

function checkDryRun(dryRun: string | null): boolean {
  if (dryRun === null) return false;
  if (dryRun === 'All') return true;
  throw badRequest(`Invalid dry run value: ${dryRun}; only 'All' is supported`);
}

export function dryRunOf(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  let dry = false;
  for (const value of values) dry = checkDryRun(value) || dry;
  return dry;
}

function nameErrors(resource: ResourceType, name: string): FieldError[] {
  const pattern =
    resource.plural === 'namespaces' || resource.plural === 'services' ? DNS_LABEL : DNS_SUBDOMAIN;
  if (pattern.test(name) && name.length <= 253) return [];
  const kind = pattern === DNS_LABEL ? 'RFC 1123 label' : 'RFC 1123 subdomain';
  return [
    {
      field: 'metadata.name',
      type: 'FieldValueInvalid',
      detail: `Invalid value: "${name}": a lowercase ${kind} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    },
  ];
}

function podSpecErrors(spec: PodSpec | undefined, prefix: string): FieldError[] {
  const errors: FieldError[] = [];
  const containers: ContainerSpec[] = Array.isArray(spec?.containers) ? spec.containers : [];
  if (containers.length === 0) {
    errors.push({
      field: `${prefix}.containers`,
      type: 'FieldValueRequired',
      detail: 'Required value',
    });
  }
  const seen = new Set<string>();
  containers.forEach((container, index) => {
    const field = `${prefix}.containers[${index}]`;
    if (!container.name) {
      errors.push({ field: `${field}.name`, type: 'FieldValueRequired', detail: 'Required value' });
    } else if (seen.has(container.name)) {
      errors.push({
        field: `${field}.name`,
        type: 'FieldValueInvalid',
        detail: `Duplicate value: "${container.name}"`,
      });
    }
    seen.add(container.name);
    if (!container.image) {
      errors.push({
        field: `${field}.image`,
        type: 'FieldValueRequired',
        detail: 'Required value',
      });
    }
  });
  return errors;
}

function describeMap(map: Record<string, string> | undefined): string {
  const entries = Object.entries(map ?? {})
    .map(([key, value]) => `"${key}":"${value}"`)
    .join(', ');
  return `map[string]string{${entries}}`;
}

function workloadErrors(
  resource: ResourceType,
  object: Workload,
  previous: Workload | undefined,
): FieldError[] {
  const errors: FieldError[] = [];
  const spec = object.spec;
  if (resource.scale && spec.replicas !== undefined && spec.replicas < 0) {
    errors.push({
      field: 'spec.replicas',
      type: 'FieldValueInvalid',
      detail: `Invalid value: ${spec.replicas}: must be greater than or equal to 0`,
    });
  }
  const requirements = selectorRequirements(spec.selector);
  if (requirements.length === 0) {
    errors.push({ field: 'spec.selector', type: 'FieldValueRequired', detail: 'Required value' });
  } else if (!matchesLabels(spec.template?.metadata?.labels, requirements)) {
    errors.push({
      field: 'spec.template.metadata.labels',
      type: 'FieldValueInvalid',
      detail: `Invalid value: ${describeMap(spec.template?.metadata?.labels)}: \`selector\` does not match template \`labels\``,
    });
  }
  if (previous && !sameJson(previous.spec.selector, spec.selector)) {
    errors.push({
      field: 'spec.selector',
      type: 'FieldValueInvalid',
      detail: `Invalid value: v1.LabelSelector{${formatSelector(spec.selector)}}: field is immutable`,
    });
  }
  errors.push(...podSpecErrors(spec.template?.spec, 'spec.template.spec'));
  return errors;
}

/** Pod updates may change only images (and a few fields the simulator does not model). */
function podUpdateErrors(previous: Pod, next: Pod): FieldError[] {
  const strip = (spec: PodSpec): unknown => ({
    ...spec,
    containers: spec.containers.map((container) => ({ ...container, image: undefined })),
    initContainers: spec.initContainers?.map((container) => ({ ...container, image: undefined })),
    activeDeadlineSeconds: undefined,
    tolerations: undefined,
  });
  if (sameJson(strip(previous.spec), strip(next.spec))) return [];
  return [
    {
      field: 'spec',
      type: 'FieldValueForbidden',
      detail:
        'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    },
  ];
}

function serviceErrors(object: KubeObject, previous: KubeObject | undefined): FieldError[] {
  const spec = (object.spec ?? {}) as JsonObject;
  const errors: FieldError[] = [];
  const type = spec.type ?? 'ClusterIP';
  if (type !== 'ExternalName' && (!Array.isArray(spec.ports) || spec.ports.length === 0)) {
    errors.push({ field: 'spec.ports', type: 'FieldValueRequired', detail: 'Required value' });
  }
  const before = (previous?.spec as JsonObject | undefined)?.clusterIP;
  if (before !== undefined && spec.clusterIP !== undefined && spec.clusterIP !== before) {
    errors.push({
      field: 'spec.clusterIPs[0]',
      type: 'FieldValueInvalid',
      detail: `Invalid value: []string{"${String(spec.clusterIP)}"}: may not change once set`,
    });
  }
  return errors;
}

/** Checks the object against the contract's schema (a 400, as a decode error is), then semantics (422). */
function validate(
  context: ApiContext,
  resource: ResourceType,
  object: KubeObject,
  previous: KubeObject | undefined,
): void {
  const problems = context.checkSchema(resource, object);
  if (problems.length > 0) {
    throw badRequest(
      `${resource.kind} in version "v1" cannot be handled as a ${resource.kind}: ${problems.join('; ')}`,
    );
  }
  const errors: FieldError[] = previous ? [] : nameErrors(resource, object.metadata.name);
  switch (resource.plural) {
    case 'pods':
      errors.push(...podSpecErrors((object as Pod).spec, 'spec'));
      if (previous && errors.length === 0)
        errors.push(...podUpdateErrors(previous as Pod, object as Pod));
      break;
    case 'deployments':
    case 'statefulsets':
    case 'daemonsets':
    case 'replicasets':
      errors.push(
        ...workloadErrors(resource, object as Workload, previous as Workload | undefined),
      );
      break;
    case 'services':
      errors.push(...serviceErrors(object, previous));
      break;
    case 'events':
      if (!isObject(object.involvedObject)) {
        errors.push({
          field: 'involvedObject',
          type: 'FieldValueRequired',
          detail: 'Required value',
        });
      }
      break;
  }
  if (errors.length > 0) {
    throw invalid(resource.kind, resource.group, object.metadata.name, errors);
  }
}

function nextClusterIp(state: KubernetesState): string {
  const used = new Set(
    listObjects(state, 'services').map(
      (service) => (service.spec as JsonObject | undefined)?.clusterIP,
    ),
  );
  for (let index = 10; ; index++) {
    const ip = `10.43.${Math.floor(index / 250)}.${(index % 250) + 1}`;
    if (!used.has(ip)) return ip;
  }
}

/** What the registry strategies default on create. */
function applyCreateDefaults(
  state: KubernetesState,
  resource: ResourceType,
  object: KubeObject,
): void {
  switch (resource.plural) {
    case 'namespaces':
      object.metadata.labels = {
        ...object.metadata.labels,
        'kubernetes.io/metadata.name': object.metadata.name,
      };
      object.spec = { finalizers: ['kubernetes'] };
      object.status = { phase: 'Active' };
      break;
    case 'secrets':
      object.type ??= 'Opaque';
      break;
    case 'services': {
      const spec = (object.spec ??= {}) as JsonObject;
      spec.type ??= 'ClusterIP';
      if (spec.type !== 'ExternalName') {
        spec.clusterIP ??= nextClusterIp(state);
        spec.clusterIPs ??= [spec.clusterIP];
        spec.ipFamilies ??= ['IPv4'];
        spec.ipFamilyPolicy ??= 'SingleStack';
      }
      spec.sessionAffinity ??= 'None';
      spec.internalTrafficPolicy ??= 'Cluster';
      if (Array.isArray(spec.ports)) {
        for (const port of spec.ports as JsonObject[]) {
          port.protocol ??= 'TCP';
          port.targetPort ??= port.port;
        }
      }
      object.status = { loadBalancer: {} };
      break;
    }
    case 'events': {
      const now = timestamp();
      object.count ??= 1;
      object.firstTimestamp ??= now;
      object.lastTimestamp ??= now;
      object.type ??= 'Normal';
      object.source ??= {};
      break;
    }
    case 'nodes':
      object.spec ??= {};
      object.status ??= {
        conditions: [],
        capacity: {},
        allocatable: {},
        addresses: [],
        nodeInfo: {},
      };
      break;
    case 'pods':
      object.status = { phase: 'Pending' };
      break;
    default:
      break;
  }
  applyWorkloadDefaults(resource, object);
}

function applyWorkloadDefaults(resource: ResourceType, object: KubeObject): void {
  if (!['deployments', 'statefulsets', 'daemonsets', 'replicasets'].includes(resource.plural))
    return;
  const workload = object as Workload;
  const spec = workload.spec;
  if (!isObject(spec)) return;
  if (resource.scale) spec.replicas ??= 1;
  if (resource.plural !== 'replicasets') spec.revisionHistoryLimit ??= 10;
  if (resource.plural === 'deployments') {
    spec.progressDeadlineSeconds ??= 600;
    spec.strategy ??= {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    };
  }
  if (resource.plural === 'statefulsets') {
    spec.podManagementPolicy ??= 'OrderedReady';
    spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
    spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' };
  }
  if (resource.plural === 'daemonsets') {
    spec.updateStrategy ??= {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
    };
  }
  if (
    isObject(spec.template) &&
    isObject(spec.template.spec) &&
    Array.isArray(spec.template.spec.containers)
  ) {
    spec.template.metadata ??= {};
    defaultPodSpec(spec.template.spec);
  }
}

function checkTypeMeta(resource: ResourceType, object: KubeObject): void {
  const expected = apiVersionOf(resource);
  if (object.apiVersion !== undefined && object.apiVersion !== expected) {
    throw badRequest(
      `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${expected})`,
    );
  }
  if (object.kind !== undefined && object.kind !== resource.kind) {
    throw badRequest(
      `the kind in the data (${String(object.kind)}) does not match the expected kind (${resource.kind})`,
    );
  }
  object.apiVersion = expected;
  object.kind = resource.kind;
}

function checkNamespace(
  state: KubernetesState,
  resource: ResourceType,
  namespace: string | undefined,
  object: KubeObject,
): void {
  if (!resource.namespaced) {
    delete object.metadata.namespace;
    return;
  }
  if (object.metadata.namespace !== undefined && object.metadata.namespace !== namespace) {
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  object.metadata.namespace = namespace;
}

function runControllers(context: ApiContext, resource: ResourceType, object: KubeObject): void {
  reconcile(context.state, resource.plural, object);
}

/** POST: the created object (dry run: what would have been created). */
export function createObject(
  context: ApiContext,
  resource: ResourceType,
  namespace: string | undefined,
  body: unknown,
  dryRun: boolean,
): KubeObject {
  const { state } = context;
  if (!isObject(body)) throw badRequest('the body of the request was in an unknown format');
  const object = deepCopy(body) as KubeObject;
  object.metadata = (isObject(object.metadata) ? object.metadata : {}) as KubeObject['metadata'];
  checkTypeMeta(resource, object);
  checkNamespace(state, resource, namespace, object);
  if (resource.namespaced && !getObject(state, 'namespaces', undefined, namespace ?? '')) {
    throw namespaceNotFound(namespace ?? '');
  }
  if (!object.metadata.name && object.metadata.generateName) {
    object.metadata.name = `${object.metadata.generateName}${randomSuffix()}`;
  }
  if (!object.metadata.name) {
    throw invalid(resource.kind, resource.group, '', [
      {
        field: 'metadata.name',
        type: 'FieldValueRequired',
        detail: 'Required value: name or generateName is required',
      },
    ]);
  }
  if (getObject(state, resource.plural, namespace, object.metadata.name)) {
    throw alreadyExists(resource, object.metadata.name);
  }
  const now = timestamp();
  object.metadata.uid = newUid();
  object.metadata.creationTimestamp = now;
  object.metadata.resourceVersion = '';
  if (resource.generation) object.metadata.generation = 1;
  applyCreateDefaults(state, resource, object);
  validate(context, resource, object, undefined);
  if (resource.plural === 'pods') {
    if (dryRun) return view(object);
    startPod(state, object as Pod);
  }
  if (dryRun) return view(object);
  putObject(state, resource.plural, object);
  const answer = view(object);
  if (resource.plural === 'pods') afterPodCreated(state, object as Pod);
  runControllers(context, resource, object);
  return answer;
}

/**
 * The update strategy: system metadata from the stored object, status kept when the resource has
 * a status subresource, generation + 1 when the spec changed.
 */
function prepareUpdate(
  resource: ResourceType,
  existing: KubeObject,
  incoming: KubeObject,
): KubeObject {
  const next = deepCopy(incoming);
  next.metadata = {
    ...next.metadata,
    name: existing.metadata.name,
    uid: existing.metadata.uid,
    creationTimestamp: existing.metadata.creationTimestamp,
    resourceVersion: existing.metadata.resourceVersion,
  };
  if (resource.namespaced) next.metadata.namespace = existing.metadata.namespace;
  else delete next.metadata.namespace;
  if (resource.generation) {
    const generation = existing.metadata.generation ?? 1;
    next.metadata.generation = sameJson(existing.spec, next.spec) ? generation : generation + 1;
  } else {
    delete next.metadata.generation;
  }
  if (resource.statusSubresource) {
    if (existing.status === undefined) delete next.status;
    else next.status = deepCopy(existing.status);
  }
  if (resource.plural === 'pods') {
    // The scheduler's binding and the defaults stay as they are.
    const spec = (next as Pod).spec;
    if (isObject(spec)) spec.nodeName = (existing as Pod).spec.nodeName;
  }
  return next;
}

function checkPrecondition(
  resource: ResourceType,
  existing: KubeObject,
  incoming: KubeObject,
): void {
  const wanted = incoming.metadata?.resourceVersion;
  if (wanted !== undefined && wanted !== '' && wanted !== existing.metadata.resourceVersion) {
    throw conflict(resource, existing.metadata.name);
  }
}

function commitUpdate(
  context: ApiContext,
  resource: ResourceType,
  existing: KubeObject,
  incoming: KubeObject,
  dryRun: boolean,
): KubeObject {
  const next = prepareUpdate(resource, existing, incoming);
  applyWorkloadDefaults(resource, next);
  validate(context, resource, next, existing);
  if (dryRun) return view(next);
  putObject(context.state, resource.plural, next);
  const answer = view(next);
  if (resource.plural === 'pods') afterPodUpdated(context.state, existing as Pod, next as Pod);
  if (!sameJson(existing.spec, next.spec) || resource.plural === 'replicasets') {
    runControllers(context, resource, next);
  }
  return answer;
}

function existingOrThrow(
  state: KubernetesState,
  resource: ResourceType,
  namespace: string | undefined,
  name: string,
): KubeObject {
  const existing = getObject(state, resource.plural, namespace, name);
  if (!existing) throw notFound(resource, name);
  return existing;
}

/** PUT. */
export function replaceObject(
  context: ApiContext,
  resource: ResourceType,
  namespace: string | undefined,
  name: string,
  body: unknown,
  dryRun: boolean,
): KubeObject {
  if (!isObject(body)) throw badRequest('the body of the request was in an unknown format');
  const incoming = deepCopy(body) as KubeObject;
  incoming.metadata = (
    isObject(incoming.metadata) ? incoming.metadata : {}
  ) as KubeObject['metadata'];
  checkTypeMeta(resource, incoming);
  if (incoming.metadata.name !== undefined && incoming.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${String(incoming.metadata.name)}) does not match the name on the URL (${name})`,
    );
  }
  if (
    resource.namespaced &&
    incoming.metadata.namespace !== undefined &&
    incoming.metadata.namespace !== namespace
  ) {
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  const existing = existingOrThrow(context.state, resource, namespace, name);
  checkPrecondition(resource, existing, incoming);
  return commitUpdate(context, resource, existing, incoming, dryRun);
}

export function applyPatch(
  target: KubeObject | JsonObject,
  type: PatchType,
  patch: unknown,
): JsonObject {
  try {
    let result: unknown;
    if (type === 'json') {
      if (!Array.isArray(patch))
        throw new PatchError('a JSON patch must be an array of operations');
      result = jsonPatch(target, patch as JsonPatchOperation[]);
    } else {
      if (!isObject(patch)) throw new PatchError('a merge patch must be a JSON object');
      result = type === 'merge' ? mergePatch(target, patch) : strategicMerge(target, patch);
    }
    if (!isObject(result)) throw new PatchError('the patched document is not an object');
    return result;
  } catch (error) {
    if (error instanceof PatchError) {
      throw new KubeError(
        422,
        'Invalid',
        `the server rejected our request due to an error in our request: ${error.message}`,
      );
    }
    throw error;
  }
}

/** PATCH (merge, strategic merge or JSON patch). */
export function patchObject(
  context: ApiContext,
  resource: ResourceType,
  namespace: string | undefined,
  name: string,
  type: PatchType,
  patch: unknown,
  dryRun: boolean,
): KubeObject {
  const existing = existingOrThrow(context.state, resource, namespace, name);
  const patched = applyPatch(existing, type, patch) as KubeObject;
  if (!isObject(patched.metadata)) throw badRequest('metadata must be an object');
  if (patched.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${String(patched.metadata.name)}) does not match the name on the URL (${name})`,
    );
  }
  checkTypeMeta(resource, patched);
  checkPrecondition(resource, existing, patched);
  return commitUpdate(context, resource, existing, patched, dryRun);
}

/** DELETE: the deleted object or a Success Status (as the contract declares for the resource). */
export function deleteObject(
  context: ApiContext,
  resource: ResourceType,
  namespace: string | undefined,
  name: string,
  dryRun: boolean,
): KubeObject | StatusObject {
  const { state } = context;
  const existing = existingOrThrow(state, resource, namespace, name);
  const answer = resource.deleteAnswersObject
    ? view(existing)
    : successStatus(resource, name, existing.metadata.uid);
  if (dryRun) return answer;
  switch (resource.plural) {
    case 'pods':
      removePod(state, existing as Pod);
      afterPodDeleted(state, existing as Pod);
      break;
    case 'namespaces':
      for (const [plural, objects] of state.objects) {
        if (plural === 'namespaces') continue;
        for (const object of [...objects.values()]) {
          if (object.metadata.namespace !== name) continue;
          if (plural === 'pods') removePod(state, object as Pod);
          else removeObject(state, plural, name, object.metadata.name);
        }
      }
      removeObject(state, 'namespaces', undefined, name);
      break;
    default:
      deleteDependents(state, resource.plural, existing);
      removeObject(state, resource.plural, namespace, name);
      if (resource.plural === 'replicasets') afterReplicaSetDeleted(state, existing);
  }
  return answer;
}

export interface ScaleObject {
  apiVersion: 'autoscaling/v1';
  kind: 'Scale';
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
  };
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

export function scaleOf(workload: Workload): ScaleObject {
  const status = workload.status ?? {};
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'Scale',
    metadata: {
      name: workload.metadata.name,
      namespace: workload.metadata.namespace,
      uid: workload.metadata.uid,
      resourceVersion: workload.metadata.resourceVersion,
      creationTimestamp: workload.metadata.creationTimestamp,
    },
    spec: { replicas: workload.spec.replicas ?? 1 },
    status: {
      replicas: typeof status.replicas === 'number' ? status.replicas : 0,
      selector: formatSelector(workload.spec.selector),
    },
  };
}

/** PUT or PATCH of the scale subresource: the workload's spec.replicas, then its controller. */
export function writeScale(
  context: ApiContext,
  resource: ResourceType,
  namespace: string,
  name: string,
  change: { replace: unknown } | { patch: unknown; type: PatchType },
  dryRun: boolean,
): ScaleObject {
  const existing = existingOrThrow(context.state, resource, namespace, name) as Workload;
  const current = scaleOf(existing);
  const next =
    'replace' in change
      ? (deepCopy(change.replace) as ScaleObject)
      : (applyPatch(
          current as unknown as JsonObject,
          change.type,
          change.patch,
        ) as unknown as ScaleObject);
  if (!isObject(next) || !isObject(next.spec))
    throw badRequest('the body of the request was in an unknown format');
  const wanted = isObject(next.metadata) ? next.metadata.resourceVersion : undefined;
  if (wanted !== undefined && wanted !== '' && wanted !== existing.metadata.resourceVersion) {
    throw conflict(resource, name);
  }
  const replicas = next.spec.replicas ?? 0;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw invalid('Scale', 'autoscaling', name, [
      {
        field: 'spec.replicas',
        type: 'FieldValueInvalid',
        detail: `Invalid value: ${String(replicas)}: must be greater than or equal to 0`,
      },
    ]);
  }
  const updated = deepCopy(existing);
  updated.spec.replicas = replicas;
  const stored = commitUpdate(context, resource, existing, updated, dryRun) as Workload;
  if (dryRun) return scaleOf(stored);
  return scaleOf(getObject<Workload>(context.state, resource.plural, namespace, name) ?? stored);
}
