// The simulated Argo CD API server (specs/argocd-v3.5.1-swagger.json, served at /api/v1/... as the
// real one is; the spec has no basePath): applications with their sync and health status, history,
// resource tree and managed resources (live/target states for a diff), sync and rollback with their
// effects, version; bearer-token auth and errors in grpc-gateway's `{error, code, message}` shape.
// Why: the Kubernetes/Argo CD MCP server must be proven against GitOps semantics (OutOfSync after
// a Renovate bump, dry runs, rollbacks refused under auto-sync) without an Argo CD.

import { loadContract } from '../contract.js';
import { specPath } from '../spec-path.js';
import { startUpstream } from '../upstream.js';
import type { RouteHandler, SimRequest, SimResponse, Upstream } from '../types.js';
import {
  appNotFound,
  applicationView,
  ArgoError,
  managedResources,
  resourceTree,
  runRollback,
  runSync,
  type ResourceFilter,
  type SyncOptions,
} from './argocd/app.js';
import { createArgoCdState } from './argocd/demo.js';
import type { ArgoApplication, ArgoCdState } from './argocd/model.js';

export const ARGOCD_SPEC = 'argocd-v3.5.1-swagger.json';

type Handler = (req: SimRequest, state: ArgoCdState) => SimResponse;

function argo(handler: Handler): RouteHandler<ArgoCdState> {
  return (req, state) => {
    try {
      return handler(req, state);
    } catch (error) {
      if (error instanceof ArgoError) return { status: error.httpStatus, body: error.toBody() };
      throw error;
    }
  };
}

function application(state: ArgoCdState, name: string | undefined): ArgoApplication {
  const app = state.applications.get(name ?? '');
  if (!app) throw appNotFound(name ?? '');
  return app;
}

function filterOf(req: SimRequest): ResourceFilter {
  return {
    namespace: req.query.get('namespace'),
    name: req.query.get('name'),
    version: req.query.get('version'),
    group: req.query.get('group'),
    kind: req.query.get('kind'),
  };
}

function labelsMatch(labels: Record<string, string>, selector: string): boolean {
  return selector
    .split(',')
    .map((term) => term.trim())
    .filter(Boolean)
    .every((term) => {
      const [key = '', value] = term.split(/!?==?/);
      if (value === undefined)
        return term.startsWith('!') ? !(term.slice(1) in labels) : key in labels;
      return term.includes('!=')
        ? labels[key.trim()] !== value.trim()
        : labels[key.trim()] === value.trim();
    });
}

const listHandler: Handler = (req, state) => {
  const name = req.query.get('name');
  const projects = [...req.query.getAll('projects'), ...req.query.getAll('project')];
  const repo = req.query.get('repo');
  const selector = req.query.get('selector');
  const items = [...state.applications.values()]
    .filter((app) => !name || app.name === name)
    .filter((app) => projects.length === 0 || projects.includes(app.project))
    .filter((app) => !repo || app.source.repoURL === repo)
    .filter((app) => !selector || labelsMatch(app.labels, selector))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(applicationView);
  const resourceVersion = String(
    Math.max(0, ...[...state.applications.values()].map((app) => app.resourceVersion)),
  );
  return { status: 200, body: { metadata: { resourceVersion }, items } };
};

const syncHandler: Handler = (req, state) => {
  const app = application(state, req.params.name);
  const body = (req.body ?? {}) as SyncOptions;
  runSync(state, app, {
    revision: body.revision,
    prune: body.prune,
    dryRun: body.dryRun,
    resources: body.resources,
  });
  return { status: 200, body: applicationView(app) };
};

const rollbackHandler: Handler = (req, state) => {
  const app = application(state, req.params.name);
  const body = (req.body ?? {}) as { id?: number; prune?: boolean; dryRun?: boolean };
  runRollback(state, app, { id: Number(body.id ?? 0), prune: body.prune, dryRun: body.dryRun });
  return { status: 200, body: applicationView(app) };
};

function versionBody(state: ArgoCdState): Record<string, string> {
  return {
    Version: state.version,
    BuildDate: '2026-08-12T10:21:45Z',
    GitCommit: '109ca7ca71139e514114499d294a492e7910a965',
    GitTag: state.version.split('+')[0] ?? state.version,
    GitTreeState: 'clean',
    GoVersion: 'go1.25.5',
    Compiler: 'gc',
    Platform: 'linux/amd64',
    KustomizeVersion: 'v5.7.1 2025-07-23T12:45:29Z',
    HelmVersion: 'v3.18.4+gd80839c',
    KubectlVersion: 'v0.34.0',
    JsonnetVersion: 'v0.21.0',
  };
}

/** Starts the simulated Argo CD on 127.0.0.1 (free port); the token defaults to `sim-argocd-token`. */
export async function startArgoCdSim(
  options: { state?: ArgoCdState; token?: string } = {},
): Promise<Upstream<ArgoCdState>> {
  const contract = await loadContract(specPath(ARGOCD_SPEC));
  const state = options.state ?? createArgoCdState();
  if (options.token !== undefined) state.token = options.token;
  return startUpstream<ArgoCdState>({
    name: 'argocd',
    contract,
    state,
    auth: (req) => req.headers.authorization === `Bearer ${state.token}`,
    unauthorized: (req) => {
      const message = req.headers.authorization
        ? 'invalid session: token signature is invalid'
        : 'no session information';
      return { status: 401, body: { error: message, code: 16, message } };
    },
    routes: [
      {
        method: 'GET',
        path: '/api/version',
        handler: argo((_req, s) => ({ status: 200, body: versionBody(s) })),
      },
      { method: 'GET', path: '/api/v1/applications', handler: argo(listHandler) },
      {
        method: 'GET',
        path: '/api/v1/applications/{name}',
        handler: argo((req, s) => ({
          status: 200,
          body: applicationView(application(s, req.params.name)),
        })),
      },
      {
        method: 'GET',
        path: '/api/v1/applications/{applicationName}/resource-tree',
        handler: argo((req, s) => ({
          status: 200,
          body: resourceTree(application(s, req.params.applicationName), filterOf(req)),
        })),
      },
      {
        method: 'GET',
        path: '/api/v1/applications/{applicationName}/managed-resources',
        handler: argo((req, s) => ({
          status: 200,
          body: managedResources(application(s, req.params.applicationName), filterOf(req)),
        })),
      },
      { method: 'POST', path: '/api/v1/applications/{name}/sync', handler: argo(syncHandler) },
      {
        method: 'POST',
        path: '/api/v1/applications/{name}/rollback',
        handler: argo(rollbackHandler),
      },
    ],
  });
}

export { createArgoCdState, type ArgoCdStateOptions } from './argocd/demo.js';
export {
  DEFAULT_ARGOCD_TOKEN,
  DEFAULT_ARGOCD_VERSION,
  type ArgoApplication,
  type ArgoCdState,
  type ArgoCommit,
  type ArgoHistoryEntry,
  type ArgoOperationState,
  type ArgoResourceHealth,
} from './argocd/model.js';
