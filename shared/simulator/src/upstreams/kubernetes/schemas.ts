// Schemas for what the two Kubernetes specs (core v1, apps/v1) do not describe: discovery (/api,
// /apis, /version, the group-version resource lists without the trailing slash), meta.k8s.io
// Tables, metrics.k8s.io PodMetrics/NodeMetrics, and JSON Patch bodies (the specs declare every
// PATCH body an object). Written from the apimachinery and metrics-server Go types.

import { z } from 'zod';

const typeMeta = <K extends string>(kind: K) => ({
  kind: z.literal(kind),
  apiVersion: z.string().optional(),
});

export const apiVersionsSchema = z.object({
  ...typeMeta('APIVersions'),
  versions: z.array(z.string()).min(1),
  serverAddressByClientCIDRs: z.array(
    z.object({ clientCIDR: z.string(), serverAddress: z.string() }),
  ),
});

const groupVersion = z.object({ groupVersion: z.string(), version: z.string() });

export const apiGroupSchema = z.object({
  kind: z.literal('APIGroup').optional(),
  apiVersion: z.string().optional(),
  name: z.string(),
  versions: z.array(groupVersion).min(1),
  preferredVersion: groupVersion,
});

export const apiGroupListSchema = z.object({
  ...typeMeta('APIGroupList'),
  groups: z.array(apiGroupSchema),
});

export const apiResourceSchema = z.object({
  name: z.string(),
  singularName: z.string(),
  namespaced: z.boolean(),
  group: z.string().optional(),
  version: z.string().optional(),
  kind: z.string(),
  verbs: z.array(z.string()),
  shortNames: z.array(z.string()).optional(),
  categories: z.array(z.string()).optional(),
});

export const apiResourceListSchema = z.object({
  ...typeMeta('APIResourceList'),
  groupVersion: z.string(),
  resources: z.array(apiResourceSchema),
});

export const versionInfoSchema = z.object({
  major: z.string(),
  minor: z.string(),
  emulationMajor: z.string().optional(),
  emulationMinor: z.string().optional(),
  minCompatibilityMajor: z.string().optional(),
  minCompatibilityMinor: z.string().optional(),
  gitVersion: z.string(),
  gitCommit: z.string(),
  gitTreeState: z.string(),
  buildDate: z.string(),
  goVersion: z.string(),
  compiler: z.string(),
  platform: z.string(),
});

const listMeta = z.object({
  resourceVersion: z.string().optional(),
  continue: z.string().optional(),
  remainingItemCount: z.number().int().optional(),
});

export const tableSchema = z.object({
  kind: z.literal('Table'),
  apiVersion: z.enum(['meta.k8s.io/v1', 'meta.k8s.io/v1beta1']),
  metadata: listMeta,
  columnDefinitions: z.array(
    z.object({
      name: z.string(),
      type: z.enum(['integer', 'number', 'string', 'boolean', 'date']),
      format: z.string(),
      description: z.string(),
      priority: z.number().int(),
    }),
  ),
  rows: z.array(
    z.object({
      cells: z.array(z.unknown()),
      conditions: z.array(z.unknown()).optional(),
      object: z
        .looseObject({ kind: z.string().optional(), metadata: z.looseObject({}) })
        .optional(),
    }),
  ),
});

const quantity = z.string().regex(/^[+-]?\d+(\.\d+)?([eE][+-]?\d+|[numkMGTPE]|[KMGTPE]i)?$/);
const usage = z.object({ cpu: quantity, memory: quantity });
const metricsMeta = z.looseObject({
  name: z.string(),
  namespace: z.string().optional(),
  creationTimestamp: z.string(),
  labels: z.record(z.string(), z.string()).optional(),
});

export const podMetricsSchema = z.object({
  kind: z.literal('PodMetrics').optional(),
  apiVersion: z.literal('metrics.k8s.io/v1beta1').optional(),
  metadata: metricsMeta,
  timestamp: z.iso.datetime(),
  window: z.string(),
  containers: z.array(z.object({ name: z.string(), usage })),
});

export const nodeMetricsSchema = z.object({
  kind: z.literal('NodeMetrics').optional(),
  apiVersion: z.literal('metrics.k8s.io/v1beta1').optional(),
  metadata: metricsMeta,
  timestamp: z.iso.datetime(),
  window: z.string(),
  usage,
});

export const podMetricsListSchema = z.object({
  kind: z.literal('PodMetricsList'),
  apiVersion: z.literal('metrics.k8s.io/v1beta1'),
  metadata: listMeta,
  items: z.array(podMetricsSchema),
});

export const nodeMetricsListSchema = z.object({
  kind: z.literal('NodeMetricsList'),
  apiVersion: z.literal('metrics.k8s.io/v1beta1'),
  metadata: listMeta,
  items: z.array(nodeMetricsSchema),
});

const pointer = z.string().regex(/^(\/([^~/]|~[01])*)*$/, 'must be a JSON pointer');

/** RFC 6902. */
export const jsonPatchSchema = z.array(
  z.discriminatedUnion('op', [
    z.object({ op: z.literal('add'), path: pointer, value: z.unknown() }),
    z.object({ op: z.literal('replace'), path: pointer, value: z.unknown() }),
    z.object({ op: z.literal('test'), path: pointer, value: z.unknown() }),
    z.object({ op: z.literal('remove'), path: pointer }),
    z.object({ op: z.literal('move'), path: pointer, from: pointer }),
    z.object({ op: z.literal('copy'), path: pointer, from: pointer }),
  ]),
);
