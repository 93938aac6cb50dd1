// What the Argo CD API server and application controller compute for an application: the
// Application object (sync status from comparing the target commit with the live objects, health
// as the worst resource health, resources, history, the last operation), the resource tree (live
// objects with their ReplicaSets and Pods), managed resources with live/target/normalized/
// predicted states for a diff, and the effects of sync and rollback.

import { createHash } from 'node:crypto';
import {
  newUid,
  refOf,
  resourceKey,
  timestamp,
  type ArgoApplication,
  type ArgoCdState,
  type ArgoCommit,
  type ArgoHistoryEntry,
  type ArgoResourceHealth,
  type HealthStatus,
  type JsonObject,
} from './model.js';

/** An error in Argo CD's shape: `{error, code, message}` with a gRPC code and its HTTP status. */
export class ArgoError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
  }

  toBody(): { error: string; code: number; message: string } {
    return { error: this.message, code: this.grpcCode, message: this.message };
  }
}

export function appNotFound(name: string): ArgoError {
  return new ArgoError(404, 5, `applications.argoproj.io "${name}" not found`);
}

export function invalidArgument(message: string): ArgoError {
  return new ArgoError(400, 3, message);
}

export function failedPrecondition(message: string): ArgoError {
  return new ArgoError(400, 9, message);
}

const INSTANCE_LABEL = 'app.kubernetes.io/instance';
const HEALTH_ORDER: HealthStatus[] = [
  'Healthy',
  'Suspended',
  'Progressing',
  'Missing',
  'Degraded',
  'Unknown',
];
const HEALTH_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Pod',
  'Service',
  'PersistentVolumeClaim',
  'Ingress',
  'Job',
]);

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stable(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function shortHash(text: string, length: number): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...createHash('sha256').update(text).digest()]
    .slice(0, length)
    .map((byte) => alphabet[byte % alphabet.length])
    .join('');
}

/** The target manifest as Argo CD applies it: with its tracking label. */
export function tracked(app: ArgoApplication, manifest: JsonObject): JsonObject {
  const copy = structuredClone(manifest);
  const metadata = (isObject(copy.metadata) ? copy.metadata : {}) as JsonObject;
  metadata.namespace ??= app.destination.namespace;
  metadata.labels = {
    ...(metadata.labels as Record<string, string> | undefined),
    [INSTANCE_LABEL]: app.name,
  };
  copy.metadata = metadata;
  return copy;
}

/** The part of an object git describes (no server-set metadata, no status). */
function desiredPart(object: JsonObject): JsonObject {
  const metadata = (object.metadata ?? {}) as JsonObject;
  const { status: _status, metadata: _metadata, ...rest } = object;
  return {
    ...rest,
    metadata: {
      name: metadata.name,
      namespace: metadata.namespace,
      ...(metadata.labels ? { labels: metadata.labels } : {}),
      ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
    },
  };
}

function containersOf(object: JsonObject): JsonObject[] {
  const spec = object.spec as JsonObject | undefined;
  const template = spec?.template as JsonObject | undefined;
  const podSpec = (template?.spec ?? (object.kind === 'Pod' ? spec : undefined)) as
    JsonObject | undefined;
  return Array.isArray(podSpec?.containers) ? (podSpec.containers as JsonObject[]) : [];
}

function imagesOf(object: JsonObject): string[] {
  return containersOf(object)
    .map((container) => container.image)
    .filter((image): image is string => typeof image === 'string');
}

/** A live object for a manifest: server metadata kept from the object it replaces, status from its health. */
export function liveFrom(
  app: ArgoApplication,
  manifest: JsonObject,
  before: JsonObject | undefined,
  at: number,
): JsonObject {
  const target = tracked(app, manifest);
  const metadata = target.metadata as JsonObject;
  const previous = (before?.metadata ?? {}) as JsonObject;
  const changed = !before || stable(desiredPart(before)) !== stable(desiredPart(target));
  const generation =
    typeof previous.generation === 'number' ? previous.generation + (changed ? 1 : 0) : 1;
  target.metadata = {
    ...metadata,
    uid: previous.uid ?? newUid(),
    resourceVersion: String(Math.floor(at / 1000) % 10_000_000),
    creationTimestamp: previous.creationTimestamp ?? timestamp(at),
    ...(['Deployment', 'StatefulSet', 'DaemonSet'].includes(String(target.kind))
      ? { generation }
      : {}),
  };
  if (['Deployment', 'StatefulSet'].includes(String(target.kind))) {
    const replicas = Number((target.spec as JsonObject | undefined)?.replicas ?? 1);
    target.status = {
      observedGeneration: generation,
      replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      updatedReplicas: replicas,
    };
  }
  return target;
}

function healthOf(app: ArgoApplication, key: string, kind: string): ArgoResourceHealth | undefined {
  if (!HEALTH_KINDS.has(kind)) return undefined;
  return app.health.get(key) ?? { status: 'Healthy' };
}

export function headCommit(app: ArgoApplication): ArgoCommit {
  const head = app.commits[app.commits.length - 1];
  if (!head) throw new Error(`application ${app.name} has no commits`);
  return head;
}

function resolveRevision(app: ArgoApplication, revision: string | undefined): ArgoCommit {
  if (!revision || revision === 'HEAD' || revision === app.source.targetRevision)
    return headCommit(app);
  const found = app.commits.find(
    (commit) => commit.revision === revision || commit.revision.startsWith(revision),
  );
  if (!found) {
    throw new ArgoError(
      500,
      2,
      `rpc error: code = Unknown desc = unable to resolve '${revision}' to a commit SHA`,
    );
  }
  return found;
}

interface ResourceStatus {
  key: string;
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  target: JsonObject | undefined;
  live: JsonObject | undefined;
  synced: boolean;
  health: ArgoResourceHealth | undefined;
}

function compare(app: ArgoApplication): ResourceStatus[] {
  const targets = new Map(
    headCommit(app).manifests.map((manifest) => {
      const target = tracked(app, manifest);
      return [resourceKey(target), target] as const;
    }),
  );
  const keys = [...new Set([...targets.keys(), ...app.live.keys()])].sort();
  return keys.map((key) => {
    const target = targets.get(key);
    const live = app.live.get(key);
    const ref = refOf((target ?? live) as JsonObject);
    const synced =
      target !== undefined &&
      live !== undefined &&
      stable(desiredPart(target)) === stable(desiredPart(live));
    const health = live
      ? healthOf(app, key, ref.kind)
      : HEALTH_KINDS.has(ref.kind)
        ? { status: 'Missing' as const }
        : undefined;
    return { key, ...ref, target, live, synced, health };
  });
}

function worst(statuses: Array<ArgoResourceHealth | undefined>): HealthStatus {
  let result: HealthStatus = 'Healthy';
  for (const status of statuses) {
    if (status && HEALTH_ORDER.indexOf(status.status) > HEALTH_ORDER.indexOf(result))
      result = status.status;
  }
  return result;
}

function sourceOf(app: ArgoApplication): JsonObject {
  return { ...app.source };
}

/** The Application as the API serves it. */
export function applicationView(app: ArgoApplication): JsonObject {
  const resources = compare(app);
  const head = headCommit(app);
  const synced = resources.every((resource) => resource.synced);
  const images = [...new Set([...app.live.values()].flatMap(imagesOf))].sort();
  return {
    metadata: {
      name: app.name,
      namespace: 'argocd',
      uid: app.uid,
      resourceVersion: String(app.resourceVersion),
      generation: app.history.length + 1,
      creationTimestamp: app.createdAt,
      labels: app.labels,
      finalizers: ['resources-finalizer.argocd.argoproj.io'],
    },
    spec: {
      project: app.project,
      source: sourceOf(app),
      destination: app.destination,
      ...(app.syncPolicy ? { syncPolicy: app.syncPolicy } : {}),
    },
    status: {
      resources: resources.map((resource) => ({
        group: resource.group || undefined,
        version: resource.version,
        kind: resource.kind,
        namespace: resource.namespace,
        name: resource.name,
        status: resource.synced ? 'Synced' : 'OutOfSync',
        ...(resource.health
          ? {
              health: {
                status: resource.health.status,
                ...(resource.health.message ? { message: resource.health.message } : {}),
              },
            }
          : {}),
        ...(resource.target === undefined ? { requiresPruning: true } : {}),
      })),
      sync: {
        status: synced ? 'Synced' : 'OutOfSync',
        comparedTo: { source: sourceOf(app), destination: app.destination },
        revision: head.revision,
      },
      health: {
        status: worst(resources.map((resource) => resource.health)),
        lastTransitionTime: app.reconciledAt,
      },
      history: app.history,
      reconciledAt: app.reconciledAt,
      ...(app.operationState ? { operationState: app.operationState } : {}),
      sourceType: 'Kustomize',
      summary: { images },
      controllerNamespace: 'argocd',
    },
  };
}

function childNodes(app: ArgoApplication, resource: ResourceStatus): JsonObject[] {
  const live = resource.live;
  if (!live || !['Deployment', 'StatefulSet'].includes(resource.kind)) return [];
  const metadata = live.metadata as JsonObject;
  const parent = {
    group: resource.group,
    kind: resource.kind,
    namespace: resource.namespace,
    name: resource.name,
    uid: metadata.uid,
  };
  const images = imagesOf(live);
  const health = resource.health ?? { status: 'Healthy' as const };
  const replicas = Number((live.spec as JsonObject | undefined)?.replicas ?? 1);
  const created = String(metadata.creationTimestamp);
  const podHealth: ArgoResourceHealth =
    health.status === 'Degraded'
      ? { status: 'Degraded', message: health.message ?? 'back-off restarting failed container' }
      : { status: health.status };
  const podNode = (name: string, parentRef: JsonObject): JsonObject => ({
    version: 'v1',
    kind: 'Pod',
    namespace: resource.namespace,
    name,
    uid: newUidFor(`${app.name}/${name}`),
    resourceVersion: String(metadata.resourceVersion),
    createdAt: created,
    parentRefs: [parentRef],
    health: podHealth,
    images,
    info: [
      {
        name: 'Status Reason',
        value: health.status === 'Degraded' ? 'CrashLoopBackOff' : 'Running',
      },
      { name: 'Node', value: 'kube-worker-1' },
      { name: 'Containers', value: `${health.status === 'Degraded' ? 0 : 1}/1` },
      ...(health.status === 'Degraded' ? [{ name: 'Restart Count', value: '5' }] : []),
    ],
    networkingInfo: {
      labels:
        (
          ((live.spec as JsonObject).template as JsonObject | undefined)?.metadata as
            JsonObject | undefined
        )?.labels ?? {},
    },
  });
  if (resource.kind === 'StatefulSet') {
    return Array.from({ length: replicas }, (_unused, index) =>
      podNode(`${resource.name}-${index}`, parent),
    );
  }
  const hash = shortHash(stable((live.spec as JsonObject).template), 10);
  const rsName = `${resource.name}-${hash}`;
  const rsUid = newUidFor(`${app.name}/${rsName}`);
  const rs: JsonObject = {
    group: 'apps',
    version: 'v1',
    kind: 'ReplicaSet',
    namespace: resource.namespace,
    name: rsName,
    uid: rsUid,
    resourceVersion: String(metadata.resourceVersion),
    createdAt: created,
    parentRefs: [parent],
    health: { status: health.status },
    info: [{ name: 'Revision', value: `Rev:${app.history.length}` }],
  };
  const rsRef = {
    group: 'apps',
    kind: 'ReplicaSet',
    namespace: resource.namespace,
    name: rsName,
    uid: rsUid,
  };
  return [
    rs,
    ...Array.from({ length: replicas }, (_unused, index) =>
      podNode(`${rsName}-${shortHash(`${rsName}/${index}`, 5)}`, rsRef),
    ),
  ];
}

function newUidFor(seed: string): string {
  const hex = createHash('sha1').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface ResourceFilter {
  namespace?: string | null;
  name?: string | null;
  version?: string | null;
  group?: string | null;
  kind?: string | null;
}

function matchesFilter(resource: ResourceStatus, filter: ResourceFilter): boolean {
  return (
    (!filter.namespace || filter.namespace === resource.namespace) &&
    (!filter.name || filter.name === resource.name) &&
    (!filter.version || filter.version === resource.version) &&
    (!filter.group || filter.group === resource.group) &&
    (!filter.kind || filter.kind === resource.kind)
  );
}

/** GET resource-tree: live resources and their children (ReplicaSets, Pods). */
export function resourceTree(app: ArgoApplication, filter: ResourceFilter): JsonObject {
  const nodes: JsonObject[] = [];
  for (const resource of compare(app)) {
    if (!resource.live) continue;
    const metadata = resource.live.metadata as JsonObject;
    const spec = (resource.live.spec ?? {}) as JsonObject;
    const node: JsonObject = {
      ...(resource.group ? { group: resource.group } : {}),
      version: resource.version,
      kind: resource.kind,
      namespace: resource.namespace,
      name: resource.name,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      createdAt: metadata.creationTimestamp,
      ...(resource.health ? { health: resource.health } : {}),
    };
    const images = imagesOf(resource.live);
    if (images.length > 0) node.images = images;
    if (resource.kind === 'Service') node.networkingInfo = { targetLabels: spec.selector ?? {} };
    if (resource.kind === 'Deployment')
      node.info = [{ name: 'Revision', value: `Rev:${app.history.length}` }];
    nodes.push(node, ...childNodes(app, resource));
  }
  const wanted = nodes.filter((node) =>
    matchesFilter(
      {
        group: String(node.group ?? ''),
        version: String(node.version),
        kind: String(node.kind),
        namespace: String(node.namespace),
        name: String(node.name),
      } as ResourceStatus,
      filter,
    ),
  );
  return { nodes: wanted, orphanedNodes: [], hosts: [] };
}

/** GET managed-resources: per resource its live, target, normalized and predicted states (JSON strings). */
export function managedResources(app: ArgoApplication, filter: ResourceFilter): JsonObject {
  const items = compare(app)
    .filter((resource) => matchesFilter(resource, filter))
    .map((resource) => {
      const normalized = resource.live ? desiredPart(resource.live) : undefined;
      const predicted = resource.target ? desiredPart(resource.target) : undefined;
      return {
        ...(resource.group ? { group: resource.group } : {}),
        kind: resource.kind,
        namespace: resource.namespace,
        name: resource.name,
        targetState: JSON.stringify(resource.target ?? null),
        liveState: JSON.stringify(resource.live ?? null),
        normalizedLiveState: JSON.stringify(normalized ?? null),
        predictedLiveState: JSON.stringify(predicted ?? null),
        diff: '',
        hook: false,
        modified: !resource.synced,
        ...(resource.live
          ? { resourceVersion: String((resource.live.metadata as JsonObject).resourceVersion) }
          : {}),
      };
    });
  return { items };
}

export interface SyncOptions {
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
  resources?: Array<{ group?: string; kind?: string; name?: string; namespace?: string }>;
  /** Set for rollbacks: the history entry whose source is deployed. */
  rollbackOf?: ArgoHistoryEntry;
}

function selected(resource: ResourceStatus, filter: SyncOptions['resources']): boolean {
  if (!filter || filter.length === 0) return true;
  return filter.some(
    (wanted) =>
      (wanted.group ?? '') === resource.group &&
      wanted.kind === resource.kind &&
      wanted.name === resource.name &&
      (!wanted.namespace || wanted.namespace === resource.namespace),
  );
}

/**
 * A sync (or rollback) run to completion: live objects become the commit's manifests (the
 * selected ones), pruned objects go when `prune`, a history entry and the operation state are
 * recorded. A dry run checks the request and changes nothing.
 */
export function runSync(state: ArgoCdState, app: ArgoApplication, options: SyncOptions): void {
  const commit = resolveRevision(app, options.rollbackOf?.revision ?? options.revision);
  if (options.dryRun) return;
  const now = Date.now();
  const targets = new Map(
    commit.manifests.map((manifest) => {
      const target = tracked(app, manifest);
      return [resourceKey(target), manifest] as const;
    }),
  );
  const results: JsonObject[] = [];
  const keys = [...new Set([...targets.keys(), ...app.live.keys()])].sort();
  for (const key of keys) {
    const manifest = targets.get(key);
    const before = app.live.get(key);
    const ref = refOf(tracked(app, (manifest ?? before) as JsonObject));
    const resource = {
      key,
      ...ref,
      target: manifest,
      live: before,
      synced: false,
      health: undefined,
    };
    if (!selected(resource, options.resources)) continue;
    const kindName = `${ref.kind.toLowerCase()}${ref.group ? `.${ref.group}` : ''}/${ref.name}`;
    if (!manifest) {
      if (options.prune) {
        app.live.delete(key);
        app.health.delete(key);
        results.push({
          ...ref,
          status: 'Pruned',
          message: 'pruned',
          hookPhase: 'Running',
          syncPhase: 'Sync',
        });
      } else {
        results.push({
          ...ref,
          status: 'PruneSkipped',
          message: 'ignored (requires pruning)',
          hookPhase: 'Running',
          syncPhase: 'Sync',
        });
      }
      continue;
    }
    const live = liveFrom(app, manifest, before, now);
    const unchanged =
      before !== undefined && stable(desiredPart(before)) === stable(desiredPart(live));
    app.live.set(key, live);
    if (!unchanged && app.health.get(key)?.status === 'Missing') app.health.delete(key);
    results.push({
      ...ref,
      status: 'Synced',
      message:
        before === undefined
          ? `${kindName} created`
          : unchanged
            ? `${kindName} unchanged`
            : `${kindName} configured`,
      hookPhase: 'Running',
      syncPhase: 'Sync',
      images: imagesOf(manifest),
    });
  }
  const source = options.rollbackOf?.source ?? sourceOf(app);
  const entry: ArgoHistoryEntry = {
    id: Math.max(0, ...app.history.map((found) => found.id)) + 1,
    revision: commit.revision,
    deployedAt: timestamp(now),
    deployStartedAt: timestamp(now - 2000),
    source,
    initiatedBy: { username: state.username },
  };
  app.history.push(entry);
  if (app.history.length > 10) app.history.splice(0, app.history.length - 10);
  app.operationState = {
    operation: {
      sync: {
        revision: commit.revision,
        ...(options.prune ? { prune: true } : {}),
        ...(options.resources && options.resources.length > 0
          ? { resources: options.resources }
          : {}),
        ...(options.rollbackOf ? { source } : {}),
      },
      initiatedBy: { username: state.username },
      retry: {},
    },
    phase: 'Succeeded',
    message: 'successfully synced (all tasks run)',
    startedAt: timestamp(now - 2000),
    finishedAt: timestamp(now),
    syncResult: { resources: results, revision: commit.revision, source },
  };
  app.reconciledAt = timestamp(now);
  app.resourceVersion += 1;
}

/** POST rollback: redeploys the history entry `id` (refused while auto-sync is on). */
export function runRollback(
  state: ArgoCdState,
  app: ArgoApplication,
  options: { id: number; prune?: boolean; dryRun?: boolean },
): void {
  if (app.syncPolicy && isObject(app.syncPolicy.automated)) {
    throw failedPrecondition('rollback cannot be initiated when auto-sync is enabled');
  }
  const entry = app.history.find((found) => found.id === options.id);
  if (!entry)
    throw invalidArgument(`application ${app.name} does not have deployment with id ${options.id}`);
  runSync(state, app, { prune: options.prune, dryRun: options.dryRun, rollbackOf: entry });
}
