// What the controllers and the kubelet of a real cluster do after a write, done synchronously:
// the Deployment controller keeps one ReplicaSet per pod template (revision annotations, old ones
// scaled to 0, undo reuses a matching old ReplicaSet), ReplicaSets/StatefulSets/DaemonSets keep
// their pods (new names, restartCount 0, a recreated pod after a delete), the scheduler places
// pods on ready nodes that fit, the kubelet starts containers (status, logs, events), and workload
// status (observedGeneration, updated/ready/available replicas, conditions) follows.
// With `rolloutDelayMs` > 0 new pods start in ContainerCreating and become ready after the delay,
// when old ReplicaSets are scaled down, so `rollout status` can be seen waiting.

import { createHash, randomBytes } from 'node:crypto';
import {
  controllerOf,
  deepCopy,
  getObject,
  isPodReady,
  listObjects,
  logKey,
  nanoTimestamp,
  newUid,
  ownedBy,
  putObject,
  randomSuffix,
  removeObject,
  safeEncode,
  timestamp,
  type Condition,
  type ContainerSpec,
  type ContainerStatus,
  type EventObject,
  type KubeObject,
  type KubernetesState,
  type LogLine,
  type NodeObject,
  type Pod,
  type PodSpec,
  type PodStatus,
  type PodTemplateSpec,
  type Workload,
} from './model.js';
import { matchesLabels, selectorRequirements } from './selectors.js';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt';

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, child]) => child !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, child]) => `${JSON.stringify(key)}:${stableStringify(child)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Equal templates give equal hashes (labels the controllers add are left out). */
export function podTemplateHash(template: PodTemplateSpec): string {
  const labels = { ...template.metadata?.labels };
  delete labels['pod-template-hash'];
  delete labels['controller-revision-hash'];
  const normalized = { ...template, metadata: { ...template.metadata, labels } };
  const digest = createHash('sha256').update(stableStringify(normalized)).digest();
  return safeEncode(digest, 10);
}

export function sameJson(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

// ---------------------------------------------------------------------------------------------
// Events

/** Records an event as the event recorder does: a repeat (same object, reason, message) counts up. */
export function recordEvent(
  state: KubernetesState,
  involved: KubeObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  source: { component: string; host?: string },
  at: number = Date.now(),
): EventObject {
  const namespace = involved.metadata.namespace ?? 'default';
  const existing = listObjects<EventObject>(state, 'events', namespace).find(
    (event) =>
      event.involvedObject.uid === involved.metadata.uid &&
      event.reason === reason &&
      event.message === message &&
      event.type === type,
  );
  if (existing) {
    existing.count += 1;
    existing.lastTimestamp = timestamp(at);
    putObject(state, 'events', existing);
    return existing;
  }
  const event: EventObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${involved.metadata.name}.${randomBytes(8).toString('hex')}`,
      namespace,
      uid: newUid(),
      resourceVersion: '',
      creationTimestamp: timestamp(at),
    },
    involvedObject: {
      kind: involved.kind,
      ...(involved.metadata.namespace ? { namespace: involved.metadata.namespace } : {}),
      name: involved.metadata.name,
      uid: involved.metadata.uid,
      apiVersion: involved.apiVersion,
      resourceVersion: involved.metadata.resourceVersion,
    },
    reason,
    message,
    source,
    firstTimestamp: timestamp(at),
    lastTimestamp: timestamp(at),
    count: 1,
    type,
    reportingComponent: source.component,
    reportingInstance: source.host ?? '',
  };
  putObject(state, 'events', event);
  return event;
}

// ---------------------------------------------------------------------------------------------
// Logs

/** Appends a line to a container's current log. */
export function appendLog(
  state: KubernetesState,
  namespace: string,
  pod: string,
  container: string,
  text: string,
  at: number = Date.now(),
): void {
  const key = logKey(namespace, pod, container);
  const logs = state.logs.get(key) ?? { current: [] };
  logs.current.push({ time: nanoTimestamp(at), text });
  state.logs.set(key, logs);
}

function imageVersion(image: string | undefined): string {
  const tag = image?.split('/').pop()?.split(':')[1];
  return tag ?? 'latest';
}

/** What a container prints when it starts, by the kind of app its image is. */
export function startupLog(container: ContainerSpec, startedMs: number): LogLine[] {
  const image = container.image ?? '';
  const version = imageVersion(image);
  const lines = ((): string[] => {
    const arr = /(sonarr|radarr|prowlarr|lidarr|readarr)/.exec(image)?.[1];
    if (arr) {
      const app = arr.charAt(0).toUpperCase() + arr.slice(1);
      const port = { sonarr: 8989, radarr: 7878, prowlarr: 9696, lidarr: 8686, readarr: 8787 }[
        arr as 'sonarr'
      ];
      return [
        `[Info] Bootstrap: Starting ${app} - /app/${arr}/bin/${app} - Version ${version}`,
        `[Info] AppFolderInfo: Data directory is being overridden to [/config]`,
        `[Info] MigrationController: *** Migrating data source=/config/${arr}.db ***`,
        `[Info] Microsoft.Hosting.Lifetime: Now listening on: http://[::]:${port}`,
        `[Info] Microsoft.Hosting.Lifetime: Application started. Press Ctrl+C to shut down.`,
      ];
    }
    if (image.includes('pms-docker') || image.includes('plex')) {
      return [
        'Starting Plex Media Server. . . (you can ignore the libusb_init error)',
        'Critical: libusb_init failed',
        `Plex Media Server ${version} is now listening on port 32400`,
      ];
    }
    if (image.includes('home-assistant')) {
      return [
        's6-rc: info: service legacy-services successfully started',
        `INFO (MainThread) [homeassistant.bootstrap] Home Assistant ${version} starting`,
        'INFO (MainThread) [homeassistant.bootstrap] Home Assistant initialized in 14.52s',
        'INFO (MainThread) [homeassistant.core] Starting Home Assistant',
      ];
    }
    if (image.includes('prometheus') || image.includes('alertmanager')) {
      const app = image.includes('alertmanager') ? 'alertmanager' : 'prometheus';
      return [
        `time=${timestamp(startedMs)} level=INFO source=main.go:589 msg="Starting ${app}" version="(version=${version.replace(/^v/, '')}, branch=HEAD)"`,
        `time=${timestamp(startedMs)} level=INFO source=main.go:1391 msg="Server is ready to receive web requests."`,
      ];
    }
    return [`Starting ${container.name} (${image})`, `${container.name} is ready`];
  })();
  return lines.map((text, index) => ({ time: nanoTimestamp(startedMs + index * 150), text }));
}

// ---------------------------------------------------------------------------------------------
// Pods

function qosClass(spec: PodSpec): string {
  const containers = spec.containers;
  const none = containers.every(
    (container) =>
      Object.keys(container.resources?.limits ?? {}).length === 0 &&
      Object.keys(container.resources?.requests ?? {}).length === 0,
  );
  if (none) return 'BestEffort';
  const guaranteed = containers.every((container) => {
    const limits = container.resources?.limits ?? {};
    const requests = { ...limits, ...container.resources?.requests };
    return (
      limits.cpu !== undefined &&
      limits.memory !== undefined &&
      requests.cpu === limits.cpu &&
      requests.memory === limits.memory
    );
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function imageId(image: string): string {
  const repository = image.split(':')[0] ?? image;
  const qualified = repository.includes('/') ? repository : `docker.io/library/${repository}`;
  return `${qualified}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

function containerId(): string {
  return `containerd://${randomBytes(32).toString('hex')}`;
}

function nodeAddress(node: NodeObject | undefined): string | undefined {
  return node?.status.addresses.find((address) => address.type === 'InternalIP')?.address;
}

function condition(
  type: string,
  status: boolean,
  at: string,
  reason?: string,
  message?: string,
): Condition {
  return {
    type,
    status: status ? 'True' : 'False',
    lastTransitionTime: at,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

/** The status of a pod whose containers run (`ready`), are being created, or that fits no node. */
export function podStatus(
  state: KubernetesState,
  pod: Pod,
  phase: 'running' | 'creating' | 'unschedulable',
  startedMs: number,
  message?: string,
): PodStatus {
  const at = timestamp(startedMs);
  if (phase === 'unschedulable') {
    return {
      phase: 'Pending',
      conditions: [condition('PodScheduled', false, at, 'Unschedulable', message)],
      qosClass: qosClass(pod.spec),
    };
  }
  const node = pod.spec.nodeName
    ? getObject<NodeObject>(state, 'nodes', undefined, pod.spec.nodeName)
    : undefined;
  const hostIP = nodeAddress(node);
  const running = phase === 'running';
  const names = pod.spec.containers.map((container) => container.name).join(' ');
  const cidr = typeof node?.spec.podCIDR === 'string' ? node.spec.podCIDR : '10.42.0.0/24';
  const podIP = running
    ? `${cidr.split('.').slice(0, 3).join('.')}.${(state.nextPodIp % 250) + 2}`
    : undefined;
  if (running) state.nextPodIp += 1;
  const containerStatuses: ContainerStatus[] = pod.spec.containers.map((container) => ({
    name: container.name,
    image: container.image ?? '',
    imageID: running ? imageId(container.image ?? '') : '',
    ...(running ? { containerID: containerId() } : {}),
    ready: running,
    started: running,
    restartCount: 0,
    state: running ? { running: { startedAt: at } } : { waiting: { reason: 'ContainerCreating' } },
    lastState: {},
  }));
  return {
    phase: running ? 'Running' : 'Pending',
    conditions: [
      condition('PodReadyToStartContainers', running, at),
      condition('Initialized', true, at),
      running
        ? condition('Ready', true, at)
        : condition(
            'Ready',
            false,
            at,
            'ContainersNotReady',
            `containers with unready status: [${names}]`,
          ),
      running
        ? condition('ContainersReady', true, at)
        : condition(
            'ContainersReady',
            false,
            at,
            'ContainersNotReady',
            `containers with unready status: [${names}]`,
          ),
      condition('PodScheduled', true, at),
    ],
    ...(hostIP ? { hostIP, hostIPs: [{ ip: hostIP }] } : {}),
    ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}),
    startTime: at,
    containerStatuses,
    qosClass: qosClass(pod.spec),
  };
}

function tolerates(spec: PodSpec, taint: { key: string; effect: string; value?: string }): boolean {
  return (spec.tolerations ?? []).some(
    (toleration) =>
      (toleration.operator === 'Exists' &&
        (toleration.key === undefined || toleration.key === taint.key)) ||
      (toleration.key === taint.key &&
        (toleration.value ?? '') === (taint.value ?? '') &&
        (toleration.effect === undefined || toleration.effect === taint.effect)),
  );
}

function nodeReady(node: NodeObject): boolean {
  return (node.status.conditions ?? []).some(
    (found) => found.type === 'Ready' && found.status === 'True',
  );
}

/** Nodes a pod may run on: ready, schedulable, its nodeSelector matching, every NoSchedule taint tolerated. */
export function feasibleNodes(state: KubernetesState, spec: PodSpec): NodeObject[] {
  return listObjects<NodeObject>(state, 'nodes').filter(
    (node) =>
      nodeReady(node) &&
      !node.spec.unschedulable &&
      Object.entries(spec.nodeSelector ?? {}).every(
        ([key, value]) => node.metadata.labels?.[key] === value,
      ) &&
      (node.spec.taints ?? [])
        .filter((taint) => taint.effect === 'NoSchedule' || taint.effect === 'NoExecute')
        .every((taint) => tolerates(spec, taint)),
  );
}

/** The feasible node with the fewest pods (the scheduler's spreading, roughly). */
function pickNode(state: KubernetesState, spec: PodSpec): NodeObject | undefined {
  const counts = new Map<string, number>();
  for (const pod of listObjects<Pod>(state, 'pods')) {
    if (pod.spec.nodeName) counts.set(pod.spec.nodeName, (counts.get(pod.spec.nodeName) ?? 0) + 1);
  }
  return feasibleNodes(state, spec).sort(
    (a, b) => (counts.get(a.metadata.name) ?? 0) - (counts.get(b.metadata.name) ?? 0),
  )[0];
}

/** Defaults the API server fills into a pod spec (and pod templates). */
export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  for (const container of [...spec.containers, ...(spec.initContainers ?? [])]) {
    container.imagePullPolicy ??= (container.image ?? '').endsWith(':latest')
      ? 'Always'
      : 'IfNotPresent';
    container.terminationMessagePath ??= '/dev/termination-log';
    container.terminationMessagePolicy ??= 'File';
    container.resources ??= {};
    if (Array.isArray(container.ports)) {
      for (const port of container.ports as Array<Record<string, unknown>>) port.protocol ??= 'TCP';
    }
  }
}

/**
 * Schedules a new pod and starts it: running at once, or in ContainerCreating when
 * `rolloutDelayMs` > 0 (see markPodsReady). Records the scheduler's and kubelet's events and
 * the containers' startup logs.
 */
export function startPod(state: KubernetesState, pod: Pod, now: number = Date.now()): void {
  defaultPodSpec(pod.spec);
  pod.spec.serviceAccountName ??= 'default';
  if (!pod.spec.nodeName) {
    const node = pickNode(state, pod.spec);
    if (!node) {
      const total = listObjects(state, 'nodes').length;
      const message = `0/${total} nodes are available: ${total} node(s) didn't match Pod's node affinity/selector or had untolerated taints. preemption: 0/${total} nodes are available.`;
      pod.status = podStatus(state, pod, 'unschedulable', now, message);
      recordEvent(
        state,
        pod,
        'Warning',
        'FailedScheduling',
        message,
        { component: 'default-scheduler' },
        now,
      );
      return;
    }
    pod.spec.nodeName = node.metadata.name;
  }
  const creating = state.rolloutDelayMs > 0;
  pod.status = podStatus(state, pod, creating ? 'creating' : 'running', now);
  const namespace = pod.metadata.namespace ?? 'default';
  recordEvent(
    state,
    pod,
    'Normal',
    'Scheduled',
    `Successfully assigned ${namespace}/${pod.metadata.name} to ${pod.spec.nodeName}`,
    { component: 'default-scheduler' },
    now,
  );
  if (!creating) containersStarted(state, pod, now);
}

function containersStarted(state: KubernetesState, pod: Pod, now: number): void {
  const namespace = pod.metadata.namespace ?? 'default';
  const kubelet = { component: 'kubelet', host: pod.spec.nodeName ?? '' };
  for (const container of pod.spec.containers) {
    recordEvent(
      state,
      pod,
      'Normal',
      'Pulled',
      `Container image "${container.image ?? ''}" already present on machine`,
      kubelet,
      now,
    );
    recordEvent(
      state,
      pod,
      'Normal',
      'Created',
      `Created container: ${container.name}`,
      kubelet,
      now,
    );
    recordEvent(
      state,
      pod,
      'Normal',
      'Started',
      `Started container ${container.name}`,
      kubelet,
      now,
    );
    state.logs.set(logKey(namespace, pod.metadata.name, container.name), {
      current: startupLog(container, now),
    });
  }
}

/** Containers that were being created are now running and ready. */
function markPodReady(state: KubernetesState, pod: Pod, now: number = Date.now()): void {
  if (pod.status.phase !== 'Pending' || !pod.spec.nodeName) return;
  pod.status = podStatus(state, pod, 'running', now);
  containersStarted(state, pod, now);
  putObject(state, 'pods', pod);
}

export function podsOf(state: KubernetesState, owner: KubeObject): Pod[] {
  return listObjects<Pod>(state, 'pods', owner.metadata.namespace).filter((pod) =>
    ownedBy(pod, owner),
  );
}

function ownerReference(
  owner: KubeObject,
): NonNullable<KubeObject['metadata']['ownerReferences']>[number] {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function newPod(
  state: KubernetesState,
  owner: KubeObject,
  template: PodTemplateSpec,
  name: string,
  extraLabels: Record<string, string>,
  generateName: string | undefined,
  nodeName?: string,
): Pod {
  const now = Date.now();
  const spec = deepCopy(template.spec);
  if (nodeName) spec.nodeName = nodeName;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      ...(generateName ? { generateName } : {}),
      namespace: owner.metadata.namespace,
      uid: newUid(),
      resourceVersion: '',
      creationTimestamp: timestamp(now),
      labels: { ...template.metadata?.labels, ...extraLabels },
      ...(template.metadata?.annotations
        ? { annotations: { ...template.metadata.annotations } }
        : {}),
      ownerReferences: [ownerReference(owner)],
    },
    spec,
    status: { phase: 'Pending' },
  };
  startPod(state, pod, now);
  putObject(state, 'pods', pod);
  return pod;
}

/** Deletes a pod as the kubelet would stop it: a Killing event per container, its logs and metrics gone. */
export function removePod(state: KubernetesState, pod: Pod): void {
  const namespace = pod.metadata.namespace ?? 'default';
  for (const container of pod.spec.containers) {
    if (pod.status.phase === 'Running') {
      recordEvent(state, pod, 'Normal', 'Killing', `Stopping container ${container.name}`, {
        component: 'kubelet',
        host: pod.spec.nodeName ?? '',
      });
    }
    state.logs.delete(logKey(namespace, pod.metadata.name, container.name));
    state.usage.delete(logKey(namespace, pod.metadata.name, container.name));
  }
  removeObject(state, 'pods', namespace, pod.metadata.name);
}

/**
 * A container crashes and the kubelet restarts it: restartCount + 1, lastState terminated with
 * `reason` (e.g. OOMKilled, exit code 137), the log so far becomes the previous log.
 */
export function restartContainer(
  state: KubernetesState,
  namespace: string,
  podName: string,
  containerName: string,
  options: { reason?: string; exitCode?: number; lastLines?: string[] } = {},
): Pod {
  const pod = getObject<Pod>(state, 'pods', namespace, podName);
  if (!pod) throw new Error(`pod ${namespace}/${podName} not found`);
  const status = pod.status.containerStatuses?.find((found) => found.name === containerName);
  if (!status) throw new Error(`pod ${namespace}/${podName} has no container ${containerName}`);
  const now = Date.now();
  const key = logKey(namespace, podName, containerName);
  const logs = state.logs.get(key) ?? { current: [] };
  for (const line of options.lastLines ?? [])
    logs.current.push({ time: nanoTimestamp(now - 1000), text: line });
  const container = pod.spec.containers.find((found) => found.name === containerName);
  state.logs.set(key, {
    previous: logs.current,
    current: container ? startupLog(container, now) : [],
  });
  status.lastState = {
    terminated: {
      exitCode: options.exitCode ?? 137,
      reason: options.reason ?? 'OOMKilled',
      startedAt: status.state.running?.startedAt ?? timestamp(now - 60_000),
      finishedAt: timestamp(now - 1000),
      containerID: status.containerID,
    },
  };
  status.restartCount += 1;
  status.containerID = containerId();
  status.state = { running: { startedAt: timestamp(now) } };
  recordEvent(
    state,
    pod,
    'Warning',
    'BackOff',
    `Back-off restarting failed container ${containerName} in pod ${podName}_${namespace}(${pod.metadata.uid})`,
    { component: 'kubelet', host: pod.spec.nodeName ?? '' },
    now,
  );
  putObject(state, 'pods', pod);
  const owner = controllerOf(pod);
  if (owner) refreshOwnerChain(state, namespace, owner.kind, owner.name);
  return pod;
}

// ---------------------------------------------------------------------------------------------
// Workloads

function revisionOf(object: KubeObject): number {
  return Number(object.metadata.annotations?.[REVISION_ANNOTATION] ?? '0') || 0;
}

export function replicaSetsOf(state: KubernetesState, deployment: Workload): Workload[] {
  return listObjects<Workload>(state, 'replicasets', deployment.metadata.namespace).filter((rs) =>
    ownedBy(rs, deployment),
  );
}

function workloadSelectorMatches(workload: Workload, pod: Pod): boolean {
  return matchesLabels(pod.metadata.labels, selectorRequirements(workload.spec.selector));
}

/** Scales a ReplicaSet's pods to `spec.replicas` (new pods get new names; surplus pods go newest first). */
function syncReplicaSetPods(state: KubernetesState, rs: Workload): void {
  const desired = rs.spec.replicas ?? 1;
  const pods = podsOf(state, rs).filter((pod) => workloadSelectorMatches(rs, pod));
  const hash = rs.metadata.labels?.['pod-template-hash'];
  for (let count = pods.length; count < desired; count++) {
    const name = `${rs.metadata.name}-${randomSuffix()}`;
    const pod = newPod(
      state,
      rs,
      rs.spec.template,
      name,
      hash ? { 'pod-template-hash': hash } : {},
      `${rs.metadata.name}-`,
    );
    recordEvent(state, rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, {
      component: 'replicaset-controller',
    });
  }
  const surplus = pods
    .sort((a, b) => (a.metadata.creationTimestamp < b.metadata.creationTimestamp ? 1 : -1))
    .slice(0, Math.max(0, pods.length - desired));
  for (const pod of surplus) {
    removePod(state, pod);
    recordEvent(state, rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, {
      component: 'replicaset-controller',
    });
  }
}

function omitZero(status: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(status).filter(([, value]) => value !== 0));
}

function refreshReplicaSetStatus(state: KubernetesState, rs: Workload): void {
  const pods = podsOf(state, rs);
  const ready = pods.filter(isPodReady).length;
  rs.status = {
    replicas: pods.length,
    ...omitZero({
      fullyLabeledReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
    }),
    observedGeneration: rs.metadata.generation ?? 1,
  };
  putObject(state, 'replicasets', rs);
}

function keepTransition(previous: unknown, next: Condition): Condition {
  const before = (Array.isArray(previous) ? (previous as Condition[]) : []).find(
    (found) => found.type === next.type,
  );
  if (before && before.status === next.status && before.lastTransitionTime)
    return { ...next, lastTransitionTime: before.lastTransitionTime };
  return next;
}

function refreshDeploymentStatus(state: KubernetesState, deployment: Workload): void {
  const desired = deployment.spec.replicas ?? 1;
  const hash = podTemplateHash(deployment.spec.template);
  const replicaSets = replicaSetsOf(state, deployment);
  const current = replicaSets.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
  const pods = replicaSets.flatMap((rs) => podsOf(state, rs));
  const updated = current ? podsOf(state, current) : [];
  const ready = pods.filter(isPodReady).length;
  const maxUnavailable = Math.floor(desired * 0.25);
  const complete =
    updated.length === desired &&
    pods.length === desired &&
    updated.filter(isPodReady).length === desired;
  const now = timestamp();
  const previous = deployment.status?.conditions;
  const available = ready >= desired - maxUnavailable;
  const rsName = current?.metadata.name ?? deployment.metadata.name;
  deployment.status = {
    observedGeneration: deployment.metadata.generation ?? 1,
    ...omitZero({
      replicas: pods.length,
      updatedReplicas: updated.length,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(0, Math.max(desired, pods.length) - ready),
    }),
    conditions: [
      keepTransition(previous, {
        type: 'Available',
        status: available ? 'True' : 'False',
        lastUpdateTime: now,
        lastTransitionTime: now,
        reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
        message: available
          ? 'Deployment has minimum availability.'
          : 'Deployment does not have minimum availability.',
      }),
      keepTransition(previous, {
        type: 'Progressing',
        status: 'True',
        lastUpdateTime: now,
        lastTransitionTime: now,
        reason: complete ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated',
        message: complete
          ? `ReplicaSet "${rsName}" has successfully progressed.`
          : `ReplicaSet "${rsName}" is progressing.`,
      }),
    ],
  };
  putObject(state, 'deployments', deployment);
}

function scaleReplicaSet(
  state: KubernetesState,
  deployment: Workload,
  rs: Workload,
  replicas: number,
): void {
  const before = rs.spec.replicas ?? 0;
  if (before === replicas && podsOf(state, rs).length === replicas) return;
  rs.spec.replicas = replicas;
  rs.metadata.annotations = {
    ...rs.metadata.annotations,
    'deployment.kubernetes.io/desired-replicas': String(deployment.spec.replicas ?? 1),
    'deployment.kubernetes.io/max-replicas': String(
      (deployment.spec.replicas ?? 1) + Math.ceil((deployment.spec.replicas ?? 1) * 0.25),
    ),
  };
  putObject(state, 'replicasets', rs);
  if (before !== replicas) {
    recordEvent(
      state,
      deployment,
      'Normal',
      'ScalingReplicaSet',
      `Scaled ${replicas > before ? 'up' : 'down'} replica set ${rs.metadata.name} from ${before} to ${replicas}`,
      { component: 'deployment-controller' },
    );
  }
  syncReplicaSetPods(state, rs);
  refreshReplicaSetStatus(state, rs);
}

function newReplicaSet(
  state: KubernetesState,
  deployment: Workload,
  hash: string,
  revision: number,
): Workload {
  const template = deepCopy(deployment.spec.template);
  template.metadata = {
    ...template.metadata,
    labels: { ...template.metadata?.labels, 'pod-template-hash': hash },
  };
  const rs: Workload = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${deployment.metadata.name}-${hash}`,
      namespace: deployment.metadata.namespace,
      uid: newUid(),
      resourceVersion: '',
      generation: 1,
      creationTimestamp: timestamp(),
      labels: { ...deployment.spec.template.metadata?.labels, 'pod-template-hash': hash },
      annotations: { [REVISION_ANNOTATION]: String(revision) },
      ownerReferences: [ownerReference(deployment)],
    },
    spec: {
      replicas: 0,
      minReadySeconds: 0,
      selector: {
        ...deployment.spec.selector,
        matchLabels: { ...deployment.spec.selector.matchLabels, 'pod-template-hash': hash },
      },
      template,
    },
    status: { replicas: 0, observedGeneration: 1 },
  };
  putObject(state, 'replicasets', rs);
  return rs;
}

function rolloutKey(kind: string, object: KubeObject): string {
  return `${kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/** Runs `finish` after rolloutDelayMs (replacing a pending one for the same workload). */
function scheduleFinish(state: KubernetesState, key: string, finish: () => void): void {
  const pending = state.pendingRollouts.get(key);
  if (pending) clearTimeout(pending.timer);
  const run = (): void => {
    state.pendingRollouts.delete(key);
    finish();
  };
  const timer = setTimeout(run, state.rolloutDelayMs);
  timer.unref();
  state.pendingRollouts.set(key, { timer, finish: run });
}

/** Completes every pending rollout now (as if rolloutDelayMs had passed). */
export function settleRollouts(state: KubernetesState): void {
  for (const pending of [...state.pendingRollouts.values()]) {
    clearTimeout(pending.timer);
    pending.finish();
  }
}

function finishDeployment(
  state: KubernetesState,
  namespace: string | undefined,
  name: string,
): void {
  const deployment = getObject<Workload>(state, 'deployments', namespace, name);
  if (!deployment) return;
  const hash = podTemplateHash(deployment.spec.template);
  for (const rs of replicaSetsOf(state, deployment)) {
    if (rs.metadata.labels?.['pod-template-hash'] === hash) {
      for (const pod of podsOf(state, rs)) markPodReady(state, pod);
      refreshReplicaSetStatus(state, rs);
    } else {
      scaleReplicaSet(state, deployment, rs, 0);
    }
  }
  pruneReplicaSets(state, deployment);
  refreshDeploymentStatus(state, deployment);
}

function pruneReplicaSets(state: KubernetesState, deployment: Workload): void {
  const limit = Number(deployment.spec.revisionHistoryLimit ?? 10);
  const hash = podTemplateHash(deployment.spec.template);
  const old = replicaSetsOf(state, deployment)
    .filter(
      (rs) => rs.metadata.labels?.['pod-template-hash'] !== hash && (rs.spec.replicas ?? 0) === 0,
    )
    .sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const rs of old.slice(0, Math.max(0, old.length - limit))) {
    removeObject(state, 'replicasets', rs.metadata.namespace, rs.metadata.name);
  }
}

/**
 * The Deployment controller: the ReplicaSet of the current template (a new revision, or an old
 * one reused on undo and given the next revision number) gets every replica; the others go to 0,
 * at once or after rolloutDelayMs.
 */
export function syncDeployment(state: KubernetesState, deployment: Workload): void {
  const hash = podTemplateHash(deployment.spec.template);
  const replicaSets = replicaSetsOf(state, deployment);
  const maxRevision = Math.max(0, ...replicaSets.map(revisionOf));
  let current = replicaSets.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash);
  if (!current) {
    current = newReplicaSet(state, deployment, hash, maxRevision + 1);
  } else if (revisionOf(current) < maxRevision) {
    const history = [
      ...(current.metadata.annotations?.[REVISION_HISTORY_ANNOTATION]?.split(',') ?? []),
      String(revisionOf(current)),
    ];
    current.metadata.annotations = {
      ...current.metadata.annotations,
      [REVISION_ANNOTATION]: String(maxRevision + 1),
      [REVISION_HISTORY_ANNOTATION]: history.join(','),
    };
    putObject(state, 'replicasets', current);
  }
  const revision = String(revisionOf(current));
  if (deployment.metadata.annotations?.[REVISION_ANNOTATION] !== revision) {
    deployment.metadata.annotations = {
      ...deployment.metadata.annotations,
      [REVISION_ANNOTATION]: revision,
    };
  }
  const desired = deployment.spec.replicas ?? 1;
  scaleReplicaSet(state, deployment, current, desired);
  const others = replicaSets.filter((rs) => rs !== current);
  if (state.rolloutDelayMs > 0) {
    refreshDeploymentStatus(state, deployment);
    const { namespace, name } = deployment.metadata;
    scheduleFinish(state, rolloutKey('deployments', deployment), () =>
      finishDeployment(state, namespace, name),
    );
    return;
  }
  for (const rs of others) scaleReplicaSet(state, deployment, rs, 0);
  pruneReplicaSets(state, deployment);
  refreshDeploymentStatus(state, deployment);
}

/** A ReplicaSet written directly (not through its Deployment). */
export function syncReplicaSet(state: KubernetesState, rs: Workload): void {
  syncReplicaSetPods(state, rs);
  refreshReplicaSetStatus(state, rs);
  const owner = controllerOf(rs);
  if (owner?.kind === 'Deployment') {
    const deployment = getObject<Workload>(state, 'deployments', rs.metadata.namespace, owner.name);
    if (deployment) refreshDeploymentStatus(state, deployment);
  }
}

function statefulSetRevision(sts: Workload): string {
  return `${sts.metadata.name}-${podTemplateHash(sts.spec.template)}`;
}

function refreshStatefulSetStatus(state: KubernetesState, sts: Workload): void {
  const pods = podsOf(state, sts);
  const revision = statefulSetRevision(sts);
  const updated = pods.filter(
    (pod) => pod.metadata.labels?.['controller-revision-hash'] === revision,
  );
  const ready = pods.filter(isPodReady).length;
  const desired = sts.spec.replicas ?? 1;
  const done = updated.length === desired && updated.every(isPodReady);
  const previousCurrent = sts.status?.currentRevision as string | undefined;
  sts.status = {
    observedGeneration: sts.metadata.generation ?? 1,
    replicas: pods.length,
    ...omitZero({
      readyReplicas: ready,
      currentReplicas: done ? pods.length : pods.length - updated.length,
      updatedReplicas: updated.length,
      availableReplicas: ready,
    }),
    currentRevision: done ? revision : (previousCurrent ?? revision),
    updateRevision: revision,
    collisionCount: 0,
  };
  putObject(state, 'statefulsets', sts);
}

/** The StatefulSet controller: pods `<name>-0..n-1`, recreated under the same name when the template changed. */
export function syncStatefulSet(state: KubernetesState, sts: Workload): void {
  const desired = sts.spec.replicas ?? 1;
  const revision = statefulSetRevision(sts);
  for (const pod of podsOf(state, sts)) {
    const ordinal = Number(pod.metadata.name.slice(sts.metadata.name.length + 1));
    if (ordinal >= desired || pod.metadata.labels?.['controller-revision-hash'] !== revision) {
      removePod(state, pod);
      recordEvent(
        state,
        sts,
        'Normal',
        'SuccessfulDelete',
        `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`,
        { component: 'statefulset-controller' },
      );
    }
  }
  for (let ordinal = 0; ordinal < desired; ordinal++) {
    const name = `${sts.metadata.name}-${ordinal}`;
    if (getObject(state, 'pods', sts.metadata.namespace, name)) continue;
    newPod(
      state,
      sts,
      sts.spec.template,
      name,
      {
        'controller-revision-hash': revision,
        'statefulset.kubernetes.io/pod-name': name,
        'apps.kubernetes.io/pod-index': String(ordinal),
      },
      undefined,
    );
    recordEvent(
      state,
      sts,
      'Normal',
      'SuccessfulCreate',
      `create Pod ${name} in StatefulSet ${sts.metadata.name} successful`,
      { component: 'statefulset-controller' },
    );
  }
  refreshStatefulSetStatus(state, sts);
  if (state.rolloutDelayMs > 0) {
    const { namespace, name } = sts.metadata;
    scheduleFinish(state, rolloutKey('statefulsets', sts), () => {
      const found = getObject<Workload>(state, 'statefulsets', namespace, name);
      if (!found) return;
      for (const pod of podsOf(state, found)) markPodReady(state, pod);
      refreshStatefulSetStatus(state, found);
    });
  }
}

function daemonSetRevision(ds: Workload): string {
  return podTemplateHash(ds.spec.template);
}

/** DaemonSet pods tolerate the node-condition taints, as the DaemonSet controller adds. */
const DAEMON_TOLERATIONS = [
  'node.kubernetes.io/not-ready',
  'node.kubernetes.io/unreachable',
  'node.kubernetes.io/disk-pressure',
  'node.kubernetes.io/memory-pressure',
  'node.kubernetes.io/pid-pressure',
  'node.kubernetes.io/unschedulable',
].map((key) => ({
  key,
  operator: 'Exists',
  effect: key.endsWith('reachable') || key.endsWith('ready') ? 'NoExecute' : 'NoSchedule',
}));

function daemonNodes(state: KubernetesState, ds: Workload): NodeObject[] {
  const spec: PodSpec = {
    ...ds.spec.template.spec,
    tolerations: [...(ds.spec.template.spec.tolerations ?? []), ...DAEMON_TOLERATIONS],
  };
  return listObjects<NodeObject>(state, 'nodes').filter(
    (node) =>
      Object.entries(spec.nodeSelector ?? {}).every(
        ([key, value]) => node.metadata.labels?.[key] === value,
      ) &&
      (node.spec.taints ?? [])
        .filter((taint) => taint.effect !== 'PreferNoSchedule')
        .every((taint) => tolerates(spec, taint)),
  );
}

function refreshDaemonSetStatus(state: KubernetesState, ds: Workload): void {
  const pods = podsOf(state, ds);
  const revision = daemonSetRevision(ds);
  const ready = pods.filter(isPodReady).length;
  ds.status = {
    currentNumberScheduled: pods.length,
    desiredNumberScheduled: daemonNodes(state, ds).length,
    numberMisscheduled: 0,
    numberReady: ready,
    observedGeneration: ds.metadata.generation ?? 1,
    updatedNumberScheduled: pods.filter(
      (pod) => pod.metadata.labels?.['controller-revision-hash'] === revision,
    ).length,
    numberAvailable: ready,
  };
  putObject(state, 'daemonsets', ds);
}

/** The DaemonSet controller: one pod per eligible node, replaced when the template changed. */
export function syncDaemonSet(state: KubernetesState, ds: Workload): void {
  const revision = daemonSetRevision(ds);
  const nodes = new Set(daemonNodes(state, ds).map((node) => node.metadata.name));
  const covered = new Set<string>();
  for (const pod of podsOf(state, ds)) {
    const node = pod.spec.nodeName ?? '';
    if (
      !nodes.has(node) ||
      covered.has(node) ||
      pod.metadata.labels?.['controller-revision-hash'] !== revision
    ) {
      removePod(state, pod);
      continue;
    }
    covered.add(node);
  }
  const template: PodTemplateSpec = {
    ...ds.spec.template,
    spec: {
      ...ds.spec.template.spec,
      tolerations: [...(ds.spec.template.spec.tolerations ?? []), ...DAEMON_TOLERATIONS],
    },
  };
  for (const node of nodes) {
    if (covered.has(node)) continue;
    const pod = newPod(
      state,
      ds,
      template,
      `${ds.metadata.name}-${randomSuffix()}`,
      {
        'controller-revision-hash': revision,
        'pod-template-generation': String(ds.metadata.generation ?? 1),
      },
      `${ds.metadata.name}-`,
      node,
    );
    recordEvent(state, ds, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, {
      component: 'daemonset-controller',
    });
  }
  refreshDaemonSetStatus(state, ds);
  if (state.rolloutDelayMs > 0) {
    const { namespace, name } = ds.metadata;
    scheduleFinish(state, rolloutKey('daemonsets', ds), () => {
      const found = getObject<Workload>(state, 'daemonsets', namespace, name);
      if (!found) return;
      for (const pod of podsOf(state, found)) markPodReady(state, pod);
      refreshDaemonSetStatus(state, found);
    });
  }
}

/** Runs the controller of a workload after it was written. */
export function reconcile(state: KubernetesState, plural: string, object: KubeObject): void {
  const current = getObject<Workload>(
    state,
    plural,
    object.metadata.namespace,
    object.metadata.name,
  );
  if (!current) return;
  if (plural === 'deployments') syncDeployment(state, current);
  else if (plural === 'replicasets') syncReplicaSet(state, current);
  else if (plural === 'statefulsets') syncStatefulSet(state, current);
  else if (plural === 'daemonsets') syncDaemonSet(state, current);
}

/** Re-derives the status of a pod's owners (after a pod changed without a controller write). */
function refreshOwnerChain(
  state: KubernetesState,
  namespace: string,
  kind: string,
  name: string,
): void {
  if (kind === 'ReplicaSet') {
    const rs = getObject<Workload>(state, 'replicasets', namespace, name);
    if (!rs) return;
    refreshReplicaSetStatus(state, rs);
    const owner = controllerOf(rs);
    const deployment = owner
      ? getObject<Workload>(state, 'deployments', namespace, owner.name)
      : undefined;
    if (deployment) refreshDeploymentStatus(state, deployment);
  } else if (kind === 'StatefulSet') {
    const sts = getObject<Workload>(state, 'statefulsets', namespace, name);
    if (sts) refreshStatefulSetStatus(state, sts);
  } else if (kind === 'DaemonSet') {
    const ds = getObject<Workload>(state, 'daemonsets', namespace, name);
    if (ds) refreshDaemonSetStatus(state, ds);
  }
}

/** After a pod was deleted: its controller replaces it (a ReplicaSet under a new name, a StatefulSet under the same). */
export function afterPodDeleted(state: KubernetesState, pod: Pod): void {
  const owner = controllerOf(pod);
  const namespace = pod.metadata.namespace ?? 'default';
  if (!owner) return;
  const plural = {
    ReplicaSet: 'replicasets',
    StatefulSet: 'statefulsets',
    DaemonSet: 'daemonsets',
  }[owner.kind];
  if (!plural) return;
  const workload = getObject<Workload>(state, plural, namespace, owner.name);
  if (!workload || workload.metadata.uid !== owner.uid) return;
  if (plural === 'replicasets') syncReplicaSet(state, workload);
  else if (plural === 'statefulsets') syncStatefulSet(state, workload);
  else syncDaemonSet(state, workload);
}

/** Cascading delete (background propagation, done at once): the workload's ReplicaSets and pods go too. */
export function deleteDependents(state: KubernetesState, plural: string, object: KubeObject): void {
  if (plural === 'deployments') {
    for (const rs of replicaSetsOf(state, object as Workload)) {
      for (const pod of podsOf(state, rs)) removePod(state, pod);
      removeObject(state, 'replicasets', rs.metadata.namespace, rs.metadata.name);
    }
  } else if (plural === 'replicasets' || plural === 'statefulsets' || plural === 'daemonsets') {
    for (const pod of podsOf(state, object)) removePod(state, pod);
  }
  const key = rolloutKey(plural, object);
  const pending = state.pendingRollouts.get(key);
  if (pending) {
    clearTimeout(pending.timer);
    state.pendingRollouts.delete(key);
  }
}

/** A ReplicaSet deleted by hand is recreated by its Deployment. */
export function afterReplicaSetDeleted(state: KubernetesState, rs: KubeObject): void {
  const owner = controllerOf(rs);
  if (owner?.kind !== 'Deployment') return;
  const deployment = getObject<Workload>(state, 'deployments', rs.metadata.namespace, owner.name);
  if (deployment) syncDeployment(state, deployment);
}

/** A pod created directly (no controller) becomes ready after rolloutDelayMs, like a rollout's pods. */
export function afterPodCreated(state: KubernetesState, pod: Pod): void {
  if (state.rolloutDelayMs <= 0 || pod.status.phase !== 'Pending') return;
  const namespace = pod.metadata.namespace;
  const name = pod.metadata.name;
  scheduleFinish(state, rolloutKey('pods', pod), () => {
    const found = getObject<Pod>(state, 'pods', namespace, name);
    if (found) markPodReady(state, found);
  });
}

/**
 * The kubelet after a pod's container images were updated: each changed container is restarted
 * with its new image (restartCount + 1, the old instance's log becomes the previous log).
 */
export function afterPodUpdated(state: KubernetesState, previous: Pod, pod: Pod): void {
  const now = Date.now();
  const namespace = pod.metadata.namespace ?? 'default';
  let changed = false;
  for (const container of pod.spec.containers) {
    const before = previous.spec.containers.find((found) => found.name === container.name);
    const status = pod.status.containerStatuses?.find((found) => found.name === container.name);
    if (!before || before.image === container.image || !status || !status.state.running) continue;
    changed = true;
    status.lastState = {
      terminated: {
        exitCode: 0,
        reason: 'Completed',
        startedAt: status.state.running.startedAt,
        finishedAt: timestamp(now),
        containerID: status.containerID,
      },
    };
    status.restartCount += 1;
    status.image = container.image ?? '';
    status.imageID = imageId(container.image ?? '');
    status.containerID = containerId();
    status.state = { running: { startedAt: timestamp(now) } };
    const key = logKey(namespace, pod.metadata.name, container.name);
    state.logs.set(key, {
      previous: state.logs.get(key)?.current ?? [],
      current: startupLog(container, now),
    });
    const kubelet = { component: 'kubelet', host: pod.spec.nodeName ?? '' };
    recordEvent(
      state,
      pod,
      'Normal',
      'Killing',
      `Container ${container.name} definition changed, will be restarted`,
      kubelet,
      now,
    );
    recordEvent(
      state,
      pod,
      'Normal',
      'Pulled',
      `Container image "${container.image ?? ''}" already present on machine`,
      kubelet,
      now,
    );
    recordEvent(
      state,
      pod,
      'Normal',
      'Started',
      `Started container ${container.name}`,
      kubelet,
      now,
    );
  }
  if (!changed) return;
  putObject(state, 'pods', pod);
  const owner = controllerOf(pod);
  if (owner) refreshOwnerChain(state, namespace, owner.kind, owner.name);
}
