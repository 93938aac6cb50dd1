// metrics.k8s.io as metrics-server serves it: PodMetrics per running pod (usage per container) and
// NodeMetrics per node (the sum of its pods plus the system's share), in metrics-server's units
// (CPU in nanocores `n`, memory in `Ki`). Usage comes from `state.usage`; a container without an
// entry uses its requests (or a small default), so every pod has plausible numbers.

import {
  listObjects,
  logKey,
  timestamp,
  type ContainerSpec,
  type KubernetesState,
  type NodeObject,
  type Pod,
  type ResourceUsage,
} from './model.js';

const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity (`250m`, `1Gi`, `1.5`, `2e3`) as a number of base units. */
export function parseQuantity(text: string): number {
  const found = /^([+-]?\d+(?:\.\d+)?)(?:[eE]([+-]?\d+))?([a-zA-Z]*)$/.exec(text.trim());
  if (!found) return 0;
  const value = Number(found[1]) * 10 ** Number(found[2] ?? 0);
  const suffix = found[3] ?? '';
  return value * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

function cpuQuantity(cores: number): string {
  return `${Math.round(cores * 1e9)}n`;
}

function memoryQuantity(bytes: number): string {
  return `${Math.round(bytes / 1024)}Ki`;
}

const WINDOW = '15.012s';

function containerUsage(
  state: KubernetesState,
  pod: Pod,
  container: ContainerSpec,
): { cpu: number; memory: number } {
  const stored: ResourceUsage | undefined = state.usage.get(
    logKey(pod.metadata.namespace ?? 'default', pod.metadata.name, container.name),
  );
  const requests = container.resources?.requests ?? {};
  return {
    cpu: parseQuantity(stored?.cpu ?? requests.cpu ?? '5m'),
    memory: parseQuantity(stored?.memory ?? requests.memory ?? '64Mi'),
  };
}

function running(pod: Pod): boolean {
  return pod.status.phase === 'Running';
}

export function podMetrics(state: KubernetesState, pod: Pod, now: number = Date.now()) {
  return {
    kind: 'PodMetrics' as const,
    apiVersion: 'metrics.k8s.io/v1beta1' as const,
    metadata: {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      creationTimestamp: timestamp(now),
      ...(pod.metadata.labels ? { labels: pod.metadata.labels } : {}),
    },
    timestamp: timestamp(now - 12_000),
    window: WINDOW,
    containers: pod.spec.containers.map((container) => {
      const usage = containerUsage(state, pod, container);
      return {
        name: container.name,
        usage: { cpu: cpuQuantity(usage.cpu), memory: memoryQuantity(usage.memory) },
      };
    }),
  };
}

export function metricsPods(state: KubernetesState, namespace?: string): Pod[] {
  return listObjects<Pod>(state, 'pods', namespace).filter(running);
}

/** Node usage: `state.usage` under `node/<name>` when set, else its pods plus 350m / 1.2Gi for the system. */
export function nodeMetrics(state: KubernetesState, node: NodeObject, now: number = Date.now()) {
  const explicit = state.usage.get(`node/${node.metadata.name}`);
  let cpu = 0.35;
  let memory = 1.2 * 2 ** 30;
  if (explicit) {
    cpu = parseQuantity(explicit.cpu);
    memory = parseQuantity(explicit.memory);
  } else {
    for (const pod of metricsPods(state).filter(
      (found) => found.spec.nodeName === node.metadata.name,
    )) {
      for (const container of pod.spec.containers) {
        const usage = containerUsage(state, pod, container);
        cpu += usage.cpu;
        memory += usage.memory;
      }
    }
  }
  return {
    kind: 'NodeMetrics' as const,
    apiVersion: 'metrics.k8s.io/v1beta1' as const,
    metadata: {
      name: node.metadata.name,
      creationTimestamp: timestamp(now),
      ...(node.metadata.labels ? { labels: node.metadata.labels } : {}),
    },
    timestamp: timestamp(now - 9_000),
    window: '20.05s',
    usage: { cpu: cpuQuantity(cpu), memory: memoryQuantity(memory) },
  };
}
