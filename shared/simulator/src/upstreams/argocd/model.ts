// The state of the simulated Argo CD: applications, each with the git history of its source
// (commits with the manifests at that commit), the live manifests in the cluster and their health,
// and the deployment history. Sync status, resources, the resource tree and diffs are derived from
// these, as the application controller derives them by comparing git with the cluster.

import { createHash, randomUUID } from 'node:crypto';

export type JsonObject = Record<string, unknown>;

export type HealthStatus =
  'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';

export interface ArgoResourceHealth {
  status: HealthStatus;
  message?: string;
}

/** A commit of the application's source: its SHA, message and the manifests it renders to. */
export interface ArgoCommit {
  revision: string;
  message: string;
  author: string;
  date: string;
  manifests: JsonObject[];
}

export interface ArgoHistoryEntry {
  id: number;
  revision: string;
  deployedAt: string;
  deployStartedAt: string;
  source: JsonObject;
  initiatedBy: { username?: string; automated?: boolean };
}

export interface ArgoOperationState {
  operation: JsonObject;
  phase: 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Terminating';
  message: string;
  startedAt: string;
  finishedAt?: string;
  syncResult?: JsonObject;
}

export interface ArgoApplication {
  name: string;
  uid: string;
  project: string;
  labels: Record<string, string>;
  createdAt: string;
  source: { repoURL: string; path: string; targetRevision: string };
  destination: { server: string; namespace: string };
  syncPolicy?: JsonObject;
  /** The source's commits, oldest first; the last one is what `targetRevision` resolves to. */
  commits: ArgoCommit[];
  /** Live objects by resource key (`group/kind/namespace/name`). */
  live: Map<string, JsonObject>;
  /** Health per resource key; resources without an entry are Healthy. */
  health: Map<string, ArgoResourceHealth>;
  history: ArgoHistoryEntry[];
  operationState?: ArgoOperationState;
  reconciledAt: string;
  resourceVersion: number;
}

export interface ArgoCdState {
  /** Bearer token accepted by the API (ARGOCD_TOKEN). */
  token: string;
  /** The user the token belongs to (initiatedBy.username of syncs). */
  username: string;
  version: string;
  applications: Map<string, ArgoApplication>;
}

export const DEFAULT_ARGOCD_TOKEN = 'sim-argocd-token';
export const DEFAULT_ARGOCD_VERSION = 'v3.5.1+109ca7c';

export function resourceKey(manifest: JsonObject): string {
  const apiVersion = String(manifest.apiVersion ?? 'v1');
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const metadata = (manifest.metadata ?? {}) as JsonObject;
  return `${group}/${String(manifest.kind)}/${String(metadata.namespace ?? '')}/${String(metadata.name)}`;
}

export function refOf(manifest: JsonObject): {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
} {
  const apiVersion = String(manifest.apiVersion ?? 'v1');
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const metadata = (manifest.metadata ?? {}) as JsonObject;
  return {
    group: group ?? '',
    version: version ?? 'v1',
    kind: String(manifest.kind),
    namespace: String(metadata.namespace ?? ''),
    name: String(metadata.name),
  };
}

export function timestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function commitSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

export function newUid(): string {
  return randomUUID();
}
