// What the infrastructure toolsets share: the typed tool factory, annotations, Kubernetes object
// schemas (only the fields the tools read), ages, and resource-name validation.
import { toolFactory } from '@homelab/kit';
import { z } from 'zod';
import type { ArgoCdClient } from '../clients/argocd.js';
import type { KubeClient } from '../clients/kube.js';
import type { S3Client } from '../clients/s3.js';
import type { InfrastructureConfig } from '../config.js';

export interface InfrastructureClients {
  kube: KubeClient;
  /** Created on first use; throws a ConfigError naming ARGOCD_URL when Argo CD is not configured. */
  argocd: () => ArgoCdClient;
  /** Created on first use; throws a ConfigError naming MINIO_URL when MinIO is not configured. */
  minio: () => S3Client;
}

export { READ_ANNOTATIONS as READ, CHANGE_ANNOTATIONS as CHANGE } from '@homelab/kit';

export const tool = toolFactory<InfrastructureClients, InfrastructureConfig>();

/** RFC 1123 names, as Kubernetes requires; checked before any request is built. */
export const nameField = (what: string) =>
  z
    .string()
    .min(1)
    .max(253)
    .regex(
      /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
      'must be a Kubernetes name (lowercase letters, digits, - and .)',
    )
    .describe(what);

export const namespaceField = nameField('Namespace, e.g. media');

export const metadataSchema = z
  .object({
    name: z.string(),
    namespace: z.string().optional(),
    creationTimestamp: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    generation: z.number().optional(),
    resourceVersion: z.string().optional(),
  })
  .loose();

export function age(timestamp: string | undefined, now = Date.now()): string {
  if (!timestamp) return 'unknown';
  const seconds = Math.max(0, Math.floor((now - Date.parse(timestamp)) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

export function listSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) }).loose();
}
