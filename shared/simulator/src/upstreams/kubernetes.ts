// The simulated Kubernetes API server (specs/kubernetes-v1.35-api__v1_openapi.json and
// kubernetes-v1.35-apis__apps__v1_openapi.json, both contracts at once): a stateful homelab
// cluster (kubernetes/demo.ts) with the operations a Kubernetes client uses — list (namespaced
// and across namespaces, label/field selectors, limit/continue), get, create, replace, patch
// (merge, strategic merge, JSON patch), delete, dry run, the scale and status subresources, pod
// logs, server-side Tables, metrics.k8s.io, discovery — bearer-token auth with a read-only
// viewer, and errors as `Status` objects. Controllers run on every write (kubernetes/controllers.ts),
// so a rollout restart makes a new ReplicaSet revision and new pods, and undo brings one back.
// Why: the Kubernetes MCP server must be proven against real API semantics without a cluster.

import { loadContract } from '../contract.js';
import type { Contract } from '../contract.js';
import { baseMediaType } from '../media-types.js';
import { specPath } from '../spec-path.js';
import { startUpstream } from '../upstream.js';
import type { RouteDefinition, RouteHandler, SimRequest, SimResponse, Upstream } from '../types.js';
import { createKubernetesState } from './kubernetes/demo.js';
import {
  apiGroup,
  apiGroupList,
  apiVersions,
  metricsResourceList,
  resourceList,
  versionInfo,
} from './kubernetes/discovery.js';
import { metricsPods, nodeMetrics, podMetrics } from './kubernetes/metrics.js';
import {
  apiVersionOf,
  getObject,
  listObjects,
  logKey,
  objectKey,
  RESOURCES,
  resourceType,
  type KubeObject,
  type KubernetesState,
  type KubeUser,
  type KubeVerb,
  type NodeObject,
  type Pod,
  type ResourceType,
  type Workload,
} from './kubernetes/model.js';
import {
  createObject,
  deleteObject,
  dryRunOf,
  patchObject,
  replaceObject,
  scaleOf,
  view,
  writeScale,
  type ApiContext,
  type PatchType,
} from './kubernetes/objects.js';
import {
  apiGroupListSchema,
  apiGroupSchema,
  apiResourceListSchema,
  apiVersionsSchema,
  jsonPatchSchema,
  nodeMetricsListSchema,
  nodeMetricsSchema,
  podMetricsListSchema,
  podMetricsSchema,
  tableSchema,
  versionInfoSchema,
} from './kubernetes/schemas.js';
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './kubernetes/selectors.js';
import {
  badRequest,
  forbidden,
  invalid,
  KubeError,
  notFound,
  unauthorizedStatus,
} from './kubernetes/status.js';
import { negotiateTable, tableContentType, toTable } from './kubernetes/tables.js';

export const KUBERNETES_CORE_SPEC = 'kubernetes-v1.35-api__v1_openapi.json';
export const KUBERNETES_APPS_SPEC = 'kubernetes-v1.35-apis__apps__v1_openapi.json';
const STATUS_REF = '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status';

type Handler = (req: SimRequest, state: KubernetesState) => SimResponse;

/** Turns a thrown KubeError into its `Status` answer. */
function kube(handler: Handler): RouteHandler<KubernetesState> {
  return (req, state) => {
    try {
      return handler(req, state);
    } catch (error) {
      if (error instanceof KubeError) return { status: error.code, body: error.toStatus() };
      throw error;
    }
  };
}

function userOf(req: SimRequest, state: KubernetesState): KubeUser | undefined {
  const header = req.headers.authorization;
  if (header === `Bearer ${state.token}`) return { username: 'kubernetes-admin', role: 'admin' };
  if (header === `Bearer ${state.viewerToken}`) {
    return { username: 'system:serviceaccount:default:viewer', role: 'view' };
  }
  return undefined;
}

/** RBAC: the admin may do anything; the viewer may get and list everything but secrets. */
function authorize(
  req: SimRequest,
  state: KubernetesState,
  verb: KubeVerb,
  resource: ResourceType,
  subresource?: string,
): void {
  const user = userOf(req, state);
  if (!user || user.role === 'admin') return;
  if ((verb === 'get' || verb === 'list') && resource.plural !== 'secrets') return;
  throw forbidden(
    user.username,
    verb,
    resource,
    subresource,
    req.params.namespace,
    req.params.name,
  );
}

function json(body: unknown, status = 200): SimResponse {
  return { status, body };
}

function prefixOf(resource: ResourceType): string {
  return resource.group === '' ? '/api/v1' : `/apis/${resource.group}/v1`;
}

/** kind/apiVersion are not repeated on list items. */
function listItem(object: KubeObject): Record<string, unknown> {
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = view(object);
  return rest;
}

interface ContinueToken {
  start: string;
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (typeof parsed.start !== 'string') throw new Error('no start');
    return parsed;
  } catch {
    throw badRequest(
      'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
    );
  }
}

function selectObjects(
  req: SimRequest,
  state: KubernetesState,
  resource: ResourceType,
  namespace?: string,
) {
  let items = listObjects(state, resource.plural, namespace);
  const labelSelector = req.query.get('labelSelector');
  if (labelSelector) {
    const requirements = parseLabelSelector(labelSelector);
    items = items.filter((item) => matchesLabels(item.metadata.labels, requirements));
  }
  const fieldSelector = req.query.get('fieldSelector');
  if (fieldSelector) {
    const requirements = parseFieldSelector(fieldSelector, resource.plural);
    items = items.filter((item) => matchesFields(item, resource.plural, requirements));
  }
  const token = req.query.get('continue');
  if (token) {
    const { start } = decodeContinue(token);
    items = items.filter((item) => objectKey(item.metadata.namespace, item.metadata.name) > start);
  }
  const limit = Number(req.query.get('limit') ?? '0');
  const metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number } = {
    resourceVersion: String(state.resourceVersion),
  };
  if (limit > 0 && items.length > limit) {
    const last = items[limit - 1] as KubeObject;
    metadata.continue = Buffer.from(
      JSON.stringify({ start: objectKey(last.metadata.namespace, last.metadata.name) }),
    ).toString('base64url');
    metadata.remainingItemCount = items.length - limit;
    items = items.slice(0, limit);
  }
  return { items, metadata };
}

function watching(req: SimRequest): boolean {
  const watch = req.query.get('watch');
  return watch === 'true' || watch === '1';
}

function tableOr(
  req: SimRequest,
  resource: ResourceType,
  objects: KubeObject[],
  listMeta: { resourceVersion?: string; continue?: string; remainingItemCount?: number },
  plain: () => unknown,
): SimResponse {
  const accept = req.headers.accept;
  const version = negotiateTable(Array.isArray(accept) ? accept.join(',') : accept);
  if (!version) return json(plain());
  return {
    status: 200,
    body: toTable(resource, objects.map(view), {
      version,
      includeObject: req.query.get('includeObject'),
      listMeta,
    }),
    headers: { 'content-type': tableContentType(version) },
    schema: tableSchema,
  };
}

function listHandler(resource: ResourceType, allNamespaces: boolean): Handler {
  return (req, state) => {
    const namespace = allNamespaces ? undefined : req.params.namespace;
    authorize(req, state, 'list', resource);
    if (watching(req)) {
      throw new KubeError(
        405,
        'MethodNotAllowed',
        'the simulated API server does not support watch',
      );
    }
    const { items, metadata } = selectObjects(req, state, resource, namespace);
    return tableOr(req, resource, items, metadata, () => ({
      kind: `${resource.kind}List`,
      apiVersion: apiVersionOf(resource),
      metadata,
      items: items.map(listItem),
    }));
  };
}

function found(state: KubernetesState, resource: ResourceType, req: SimRequest): KubeObject {
  const name = req.params.name ?? '';
  const object = getObject(
    state,
    resource.plural,
    resource.namespaced ? req.params.namespace : undefined,
    name,
  );
  if (!object) throw notFound(resource, name);
  return object;
}

function getHandler(resource: ResourceType, subresource?: 'status'): Handler {
  return (req, state) => {
    authorize(req, state, 'get', resource, subresource);
    const object = found(state, resource, req);
    return tableOr(
      req,
      resource,
      [object],
      { resourceVersion: object.metadata.resourceVersion },
      () => view(object),
    );
  };
}

function context(state: KubernetesState, contracts: ContractPair): ApiContext {
  return {
    state,
    checkSchema: (resource, object) =>
      (resource.group === 'apps' ? contracts.apps : contracts.core)
        .checkSchema(resource.schemaRef, object)
        .map((issue) => `${issue.instancePath || '(root)'}: ${issue.message}`),
  };
}

interface ContractPair {
  core: Contract;
  apps: Contract;
}

function createHandler(resource: ResourceType, contracts: ContractPair): Handler {
  return (req, state) => {
    authorize(req, state, 'create', resource);
    const namespace = resource.namespaced ? req.params.namespace : undefined;
    const created = createObject(
      context(state, contracts),
      resource,
      namespace,
      req.body,
      dryRunOf(req.query),
    );
    return json(created, 201);
  };
}

function replaceHandler(resource: ResourceType, contracts: ContractPair): Handler {
  return (req, state) => {
    authorize(req, state, 'update', resource);
    const namespace = resource.namespaced ? req.params.namespace : undefined;
    return json(
      replaceObject(
        context(state, contracts),
        resource,
        namespace,
        req.params.name ?? '',
        req.body,
        dryRunOf(req.query),
      ),
    );
  };
}

function patchTypeOf(req: SimRequest): PatchType {
  const header = req.headers['content-type'];
  const type = baseMediaType(Array.isArray(header) ? header[0] : header);
  switch (type) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/json-patch+json':
      return 'json';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+cbor':
      throw new KubeError(
        415,
        'UnsupportedMediaType',
        `the simulated API server does not implement server-side apply (${type})`,
      );
    default:
      throw new KubeError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      );
  }
}

function patchHandler(resource: ResourceType, contracts: ContractPair): Handler {
  return (req, state) => {
    authorize(req, state, 'patch', resource);
    const namespace = resource.namespaced ? req.params.namespace : undefined;
    const type = patchTypeOf(req);
    return json(
      patchObject(
        context(state, contracts),
        resource,
        namespace,
        req.params.name ?? '',
        type,
        req.body,
        dryRunOf(req.query),
      ),
    );
  };
}

function deleteHandler(resource: ResourceType, contracts: ContractPair): Handler {
  return (req, state) => {
    authorize(req, state, 'delete', resource);
    const namespace = resource.namespaced ? req.params.namespace : undefined;
    return json(
      deleteObject(
        context(state, contracts),
        resource,
        namespace,
        req.params.name ?? '',
        dryRunOf(req.query),
      ),
    );
  };
}

function scaleHandlers(
  resource: ResourceType,
  contracts: ContractPair,
): Record<'get' | 'put' | 'patch', Handler> {
  return {
    get: (req, state) => {
      authorize(req, state, 'get', resource, 'scale');
      return json(scaleOf(found(state, resource, req) as Workload));
    },
    put: (req, state) => {
      authorize(req, state, 'update', resource, 'scale');
      return json(
        writeScale(
          context(state, contracts),
          resource,
          req.params.namespace ?? '',
          req.params.name ?? '',
          { replace: req.body },
          dryRunOf(req.query),
        ),
      );
    },
    patch: (req, state) => {
      authorize(req, state, 'patch', resource, 'scale');
      return json(
        writeScale(
          context(state, contracts),
          resource,
          req.params.namespace ?? '',
          req.params.name ?? '',
          { patch: req.body, type: patchTypeOf(req) },
          dryRunOf(req.query),
        ),
      );
    },
  };
}

function positiveInteger(req: SimRequest, name: string): number | undefined {
  const text = req.query.get(name);
  if (text === null) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    throw invalid('PodLogOptions', '', '', [
      {
        field: name,
        type: 'FieldValueInvalid',
        detail: `Invalid value: ${text}: must be greater than 0`,
      },
    ]);
  }
  return value;
}

/** GET pods/{name}/log: text/plain, with container, previous, sinceSeconds/sinceTime, tailLines, timestamps, limitBytes. */
const logHandler: Handler = (req, state) => {
  const pods = resourceType('pods');
  authorize(req, state, 'get', pods, 'log');
  const pod = found(state, pods, req) as Pod;
  const name = pod.metadata.name;
  const names = pod.spec.containers.map((container) => container.name);
  let container = req.query.get('container') ?? '';
  if (container === '') {
    if (names.length !== 1) {
      throw badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`,
      );
    }
    container = names[0] ?? '';
  }
  if (!names.includes(container))
    throw badRequest(`container ${container} is not valid for pod ${name}`);
  const sinceSeconds = positiveInteger(req, 'sinceSeconds');
  const sinceTime = req.query.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime !== null) {
    throw invalid('PodLogOptions', '', '', [
      {
        field: 'sinceSeconds',
        type: 'FieldValueForbidden',
        detail: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
      },
    ]);
  }
  const tailText = req.query.get('tailLines');
  const tailLines = tailText === null ? undefined : Number(tailText);
  if (tailLines !== undefined && (!Number.isInteger(tailLines) || tailLines < 0)) {
    throw invalid('PodLogOptions', '', '', [
      {
        field: 'tailLines',
        type: 'FieldValueInvalid',
        detail: `Invalid value: ${tailText}: must be greater than or equal to 0`,
      },
    ]);
  }
  const limitBytes = positiveInteger(req, 'limitBytes');
  const previous = req.query.get('previous') === 'true';
  const status = pod.status.containerStatuses?.find((candidate) => candidate.name === container);
  const waiting = status?.state.waiting?.reason;
  if (!previous && (waiting || !status)) {
    throw badRequest(
      `container "${container}" in pod "${name}" is waiting to start: ${waiting ?? 'PodInitializing'}`,
    );
  }
  const logs = state.logs.get(logKey(pod.metadata.namespace ?? 'default', name, container));
  let lines = previous ? logs?.previous : (logs?.current ?? []);
  if (!lines)
    throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
  const since =
    sinceSeconds !== undefined
      ? Date.now() - sinceSeconds * 1000
      : sinceTime !== null
        ? Date.parse(sinceTime)
        : undefined;
  if (since !== undefined && !Number.isNaN(since))
    lines = lines.filter((line) => Date.parse(line.time) >= since);
  if (tailLines !== undefined) lines = tailLines === 0 ? [] : lines.slice(-tailLines);
  const timestamps = req.query.get('timestamps') === 'true';
  let text = lines.map((line) => `${timestamps ? `${line.time} ` : ''}${line.text}\n`).join('');
  if (limitBytes !== undefined) text = Buffer.from(text).subarray(0, limitBytes).toString('utf8');
  return { status: 200, raw: text, headers: { 'content-type': 'text/plain' } };
};

const METRICS_PREFIX = '/apis/metrics.k8s.io/v1beta1';

function metricsAbsent(): KubeError {
  return new KubeError(404, 'NotFound', 'the server could not find the requested resource', {});
}

function metricsHandler(handler: Handler): Handler {
  return (req, state) => {
    if (!state.metricsServer) throw metricsAbsent();
    authorize(req, state, 'get', resourceType('pods'));
    return handler(req, state);
  };
}

function podMetricsList(req: SimRequest, state: KubernetesState, namespace?: string): SimResponse {
  let pods = metricsPods(state, namespace);
  const labelSelector = req.query.get('labelSelector');
  if (labelSelector) {
    const requirements = parseLabelSelector(labelSelector);
    pods = pods.filter((pod) => matchesLabels(pod.metadata.labels, requirements));
  }
  return json({
    kind: 'PodMetricsList',
    apiVersion: 'metrics.k8s.io/v1beta1',
    metadata: {},
    items: pods.map((pod) => podMetrics(state, pod)),
  });
}

function metricsRoutes(): Array<RouteDefinition<KubernetesState>> {
  return [
    {
      method: 'GET',
      path: METRICS_PREFIX,
      response: apiResourceListSchema,
      handler: kube(metricsHandler(() => json(metricsResourceList()))),
    },
    {
      method: 'GET',
      path: '/apis/metrics.k8s.io',
      response: apiGroupSchema,
      handler: kube(metricsHandler(() => json(apiGroup('metrics.k8s.io')))),
    },
    {
      method: 'GET',
      path: `${METRICS_PREFIX}/pods`,
      response: podMetricsListSchema,
      handler: kube(metricsHandler((req, state) => podMetricsList(req, state))),
    },
    {
      method: 'GET',
      path: `${METRICS_PREFIX}/namespaces/{namespace}/pods`,
      response: podMetricsListSchema,
      handler: kube(
        metricsHandler((req, state) => podMetricsList(req, state, req.params.namespace)),
      ),
    },
    {
      method: 'GET',
      path: `${METRICS_PREFIX}/namespaces/{namespace}/pods/{name}`,
      response: podMetricsSchema,
      handler: kube(
        metricsHandler((req, state) => {
          const pod = metricsPods(state, req.params.namespace).find(
            (candidate) => candidate.metadata.name === req.params.name,
          );
          if (!pod) {
            throw new KubeError(
              404,
              'NotFound',
              `podmetrics.metrics.k8s.io "${req.params.namespace}/${req.params.name}" not found`,
              {
                name: `${req.params.namespace}/${req.params.name}`,
                group: 'metrics.k8s.io',
                kind: 'podmetrics',
              },
            );
          }
          return json(podMetrics(state, pod));
        }),
      ),
    },
    {
      method: 'GET',
      path: `${METRICS_PREFIX}/nodes`,
      response: nodeMetricsListSchema,
      handler: kube(
        metricsHandler((req, state) => {
          let nodes = listObjects<NodeObject>(state, 'nodes');
          const labelSelector = req.query.get('labelSelector');
          if (labelSelector) {
            const requirements = parseLabelSelector(labelSelector);
            nodes = nodes.filter((node) => matchesLabels(node.metadata.labels, requirements));
          }
          return json({
            kind: 'NodeMetricsList',
            apiVersion: 'metrics.k8s.io/v1beta1',
            metadata: {},
            items: nodes.map((node) => nodeMetrics(state, node)),
          });
        }),
      ),
    },
    {
      method: 'GET',
      path: `${METRICS_PREFIX}/nodes/{name}`,
      response: nodeMetricsSchema,
      handler: kube(
        metricsHandler((req, state) => {
          const node = getObject<NodeObject>(state, 'nodes', undefined, req.params.name ?? '');
          if (!node) {
            throw new KubeError(
              404,
              'NotFound',
              `nodemetrics.metrics.k8s.io "${req.params.name}" not found`,
              {
                name: req.params.name,
                group: 'metrics.k8s.io',
                kind: 'nodemetrics',
              },
            );
          }
          return json(nodeMetrics(state, node));
        }),
      ),
    },
  ];
}

function discoveryRoutes(): Array<RouteDefinition<KubernetesState>> {
  const coreList = kube(() => json(resourceList('')));
  const appsList = kube(() => json(resourceList('apps')));
  return [
    {
      method: 'GET',
      path: '/api',
      response: apiVersionsSchema,
      handler: kube((req) => json(apiVersions(req.headers.host))),
    },
    {
      method: 'GET',
      path: '/apis',
      response: apiGroupListSchema,
      handler: kube((_req, state) => json(apiGroupList(state))),
    },
    {
      method: 'GET',
      path: '/apis/apps',
      response: apiGroupSchema,
      handler: kube(() => json(apiGroup('apps'))),
    },
    {
      method: 'GET',
      path: '/version',
      response: versionInfoSchema,
      handler: kube((_req, state) => json(versionInfo(state))),
    },
    { method: 'GET', path: '/api/v1/', handler: coreList },
    { method: 'GET', path: '/api/v1', response: apiResourceListSchema, handler: coreList },
    { method: 'GET', path: '/apis/apps/v1/', handler: appsList },
    { method: 'GET', path: '/apis/apps/v1', response: apiResourceListSchema, handler: appsList },
  ];
}

function resourceRoutes(contracts: ContractPair): Array<RouteDefinition<KubernetesState>> {
  const routes: Array<RouteDefinition<KubernetesState>> = [];
  const patchBodies = { 'application/json-patch+json': jsonPatchSchema };
  for (const resource of RESOURCES) {
    const prefix = prefixOf(resource);
    const collection = resource.namespaced
      ? `${prefix}/namespaces/{namespace}/${resource.plural}`
      : `${prefix}/${resource.plural}`;
    const item = `${collection}/{name}`;
    if (resource.namespaced) {
      routes.push({
        method: 'GET',
        path: `${prefix}/${resource.plural}`,
        handler: kube(listHandler(resource, true)),
      });
    }
    routes.push(
      { method: 'GET', path: collection, handler: kube(listHandler(resource, false)) },
      { method: 'POST', path: collection, handler: kube(createHandler(resource, contracts)) },
      { method: 'GET', path: item, handler: kube(getHandler(resource)) },
      { method: 'PUT', path: item, handler: kube(replaceHandler(resource, contracts)) },
      {
        method: 'PATCH',
        path: item,
        requestBodies: patchBodies,
        handler: kube(patchHandler(resource, contracts)),
      },
      { method: 'DELETE', path: item, handler: kube(deleteHandler(resource, contracts)) },
    );
    if (resource.statusSubresource) {
      routes.push({
        method: 'GET',
        path: `${item}/status`,
        handler: kube(getHandler(resource, 'status')),
      });
    }
    if (resource.scale) {
      const scale = scaleHandlers(resource, contracts);
      routes.push(
        { method: 'GET', path: `${item}/scale`, handler: kube(scale.get) },
        { method: 'PUT', path: `${item}/scale`, handler: kube(scale.put) },
        {
          method: 'PATCH',
          path: `${item}/scale`,
          requestBodies: patchBodies,
          handler: kube(scale.patch),
        },
      );
    }
  }
  routes.push({
    method: 'GET',
    path: '/api/v1/namespaces/{namespace}/pods/{name}/log',
    handler: kube(logHandler),
  });
  return routes;
}

export interface KubernetesSimOptions {
  state?: KubernetesState;
  /** The admin's bearer token (default `sim-kube-token`). */
  token?: string;
}

/**
 * Starts the simulated Kubernetes API server on 127.0.0.1 (free port). `url` is the server for a
 * kubeconfig; `state.token` the admin's bearer token, `state.viewerToken` a read-only one.
 */
export async function startKubernetesSim(
  options: KubernetesSimOptions = {},
): Promise<Upstream<KubernetesState>> {
  const [core, apps] = await Promise.all([
    loadContract(specPath(KUBERNETES_CORE_SPEC)),
    loadContract(specPath(KUBERNETES_APPS_SPEC)),
  ]);
  const state = options.state ?? createKubernetesState();
  if (options.token !== undefined) state.token = options.token;
  const contracts = { core, apps };
  const upstream = await startUpstream<KubernetesState>({
    name: 'kubernetes',
    contract: [core, apps],
    state,
    auth: (req) => userOf(req, state) !== undefined,
    unauthorized: () => ({ status: 401, body: unauthorizedStatus() }),
    undeclaredErrors: { $ref: STATUS_REF },
    routes: [...discoveryRoutes(), ...resourceRoutes(contracts), ...metricsRoutes()],
  });
  const closeServer = upstream.close.bind(upstream);
  return Object.assign(upstream, {
    close: async (): Promise<void> => {
      for (const pending of state.pendingRollouts.values()) clearTimeout(pending.timer);
      state.pendingRollouts.clear();
      await closeServer();
    },
  });
}

export { createKubernetesState } from './kubernetes/demo.js';
export {
  appendLog as appendPodLog,
  recordEvent as recordKubeEvent,
  restartContainer,
  settleRollouts,
} from './kubernetes/controllers.js';
export {
  DEFAULT_KUBE_TOKEN,
  DEFAULT_KUBE_VERSION,
  DEFAULT_KUBE_VIEWER_TOKEN,
  getObject as getKubeObject,
  listObjects as listKubeObjects,
  putObject as putKubeObject,
  type ContainerLogs,
  type EventObject,
  type KubeObject,
  type KubernetesState,
  type KubernetesStateOptions,
  type LogLine,
  type NodeObject,
  type Pod,
  type ResourceUsage,
  type Workload,
} from './kubernetes/model.js';
