// The demo Argo CD: three applications from the homelab's gitops repository, each with three
// deployed revisions. media-stack is OutOfSync and Healthy: Renovate bumped radarr's image tag in
// git (5.27.5 -> 5.28.0) and nobody synced yet. home-assistant is Synced and Healthy (auto-sync
// on, so rollback is refused). monitoring is Synced but Degraded (prometheus exceeded its progress
// deadline).

import { liveFrom, tracked } from './app.js';
import {
  commitSha,
  DEFAULT_ARGOCD_TOKEN,
  DEFAULT_ARGOCD_VERSION,
  newUid,
  resourceKey,
  timestamp,
  type ArgoApplication,
  type ArgoCdState,
  type ArgoCommit,
  type ArgoHistoryEntry,
  type JsonObject,
} from './model.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REPO = 'https://github.com/homelab/gitops.git';

function deployment(
  namespace: string,
  name: string,
  image: string,
  port: number,
  memoryLimit = '1Gi',
): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name,
              image,
              ports: [{ name: 'http', containerPort: port }],
              resources: {
                requests: { cpu: '100m', memory: '256Mi' },
                limits: { memory: memoryLimit },
              },
            },
          ],
        },
      },
    },
  };
}

function statefulSet(namespace: string, name: string, image: string, port: number): JsonObject {
  const manifest = deployment(namespace, name, image, port, '2Gi');
  return {
    ...manifest,
    kind: 'StatefulSet',
    spec: { ...(manifest.spec as JsonObject), serviceName: name },
  };
}

function service(namespace: string, name: string, port: number): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, labels: { app: name } },
    spec: { selector: { app: name }, ports: [{ name: 'http', port, targetPort: port }] },
  };
}

function configMap(namespace: string, name: string, data: Record<string, string>): JsonObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

function mediaStack(radarr: string, sonarr: string): JsonObject[] {
  return [
    configMap('media', 'arr-settings', {
      TZ: 'Europe/Berlin',
      MEDIA_ROOT: '/srv/media',
      DOWNLOADS: '/srv/downloads',
    }),
    deployment('media', 'plex', 'plexinc/pms-docker:1.42.1.10060-4e8b05daf', 32400, '4Gi'),
    deployment('media', 'prowlarr', 'lscr.io/linuxserver/prowlarr:2.0.5', 9696),
    deployment('media', 'radarr', `lscr.io/linuxserver/radarr:${radarr}`, 7878),
    deployment('media', 'sonarr', `lscr.io/linuxserver/sonarr:${sonarr}`, 8989),
    service('media', 'plex', 32400),
    service('media', 'prowlarr', 9696),
    service('media', 'radarr', 7878),
    service('media', 'sonarr', 8989),
  ];
}

function homeAssistant(version: string): JsonObject[] {
  return [
    statefulSet('home', 'home-assistant', `ghcr.io/home-assistant/home-assistant:${version}`, 8123),
    service('home', 'home-assistant', 8123),
  ];
}

function monitoring(prometheus: string, alertmanager: string, retention: string): JsonObject[] {
  const prom = deployment(
    'monitoring',
    'prometheus',
    `quay.io/prometheus/prometheus:${prometheus}`,
    9090,
    '2Gi',
  );
  const container = (((prom.spec as JsonObject).template as JsonObject).spec as JsonObject)
    .containers as JsonObject[];
  if (container[0])
    container[0].args = [
      '--config.file=/etc/prometheus/prometheus.yml',
      `--storage.tsdb.retention.time=${retention}`,
    ];
  return [
    prom,
    statefulSet(
      'monitoring',
      'alertmanager',
      `quay.io/prometheus/alertmanager:${alertmanager}`,
      9093,
    ),
    service('monitoring', 'prometheus', 9090),
    service('monitoring', 'alertmanager', 9093),
  ];
}

function commit(
  app: string,
  index: number,
  ageMs: number,
  message: string,
  author: string,
  manifests: JsonObject[],
  now: number,
): ArgoCommit {
  return {
    revision: commitSha(`${app}/${index}/${message}`),
    message,
    author,
    date: timestamp(now - ageMs),
    manifests,
  };
}

interface AppSeed {
  name: string;
  namespace: string;
  path: string;
  createdAgo: number;
  commits: ArgoCommit[];
  /** How many of the commits were deployed (history ids 1..n); the live state is the last one's. */
  deployed: number;
  syncPolicy?: JsonObject;
}

function buildApp(seed: AppSeed, now: number): ArgoApplication {
  const app: ArgoApplication = {
    name: seed.name,
    uid: newUid(),
    project: 'homelab',
    labels: { 'app.kubernetes.io/part-of': 'homelab' },
    createdAt: timestamp(now - seed.createdAgo),
    source: { repoURL: REPO, path: seed.path, targetRevision: 'HEAD' },
    destination: { server: 'https://kubernetes.default.svc', namespace: seed.namespace },
    ...(seed.syncPolicy ? { syncPolicy: seed.syncPolicy } : {}),
    commits: seed.commits,
    live: new Map(),
    health: new Map(),
    history: [],
    reconciledAt: timestamp(now - 3 * 60_000),
    resourceVersion: 48_213,
  };
  seed.commits.slice(0, seed.deployed).forEach((deployedCommit, index) => {
    const at = Date.parse(deployedCommit.date) + 5 * 60_000;
    const keys = new Set<string>();
    for (const manifest of deployedCommit.manifests) {
      const key = resourceKey(tracked(app, manifest));
      keys.add(key);
      app.live.set(key, liveFrom(app, manifest, app.live.get(key), at));
    }
    for (const key of [...app.live.keys()]) if (!keys.has(key)) app.live.delete(key);
    const entry: ArgoHistoryEntry = {
      id: index + 1,
      revision: deployedCommit.revision,
      deployedAt: timestamp(at),
      deployStartedAt: timestamp(at - 4000),
      source: { ...app.source },
      initiatedBy: seed.syncPolicy ? { automated: true } : { username: 'admin' },
    };
    app.history.push(entry);
  });
  const last = app.history[app.history.length - 1];
  if (last) {
    app.operationState = {
      operation: {
        sync: { revision: last.revision },
        initiatedBy: last.initiatedBy,
        retry: {},
      },
      phase: 'Succeeded',
      message: 'successfully synced (all tasks run)',
      startedAt: last.deployStartedAt,
      finishedAt: last.deployedAt,
      syncResult: { resources: [], revision: last.revision, source: { ...app.source } },
    };
  }
  return app;
}

export interface ArgoCdStateOptions {
  token?: string;
  /** `demo` (default) or `empty` (no applications). */
  seed?: 'demo' | 'empty';
}

export function createArgoCdState(options: ArgoCdStateOptions = {}): ArgoCdState {
  const state: ArgoCdState = {
    token: options.token ?? DEFAULT_ARGOCD_TOKEN,
    username: 'admin',
    version: DEFAULT_ARGOCD_VERSION,
    applications: new Map(),
  };
  if (options.seed === 'empty') return state;
  const now = Date.now();
  const renovate = 'renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>';
  const me = 'homelab-admin <admin@home.example.org>';
  const media = buildApp(
    {
      name: 'media-stack',
      namespace: 'media',
      path: 'apps/media-stack',
      createdAgo: 60 * DAY,
      deployed: 3,
      commits: [
        commit(
          'media-stack',
          1,
          30 * DAY,
          'feat(media): sonarr, radarr, prowlarr and plex',
          me,
          mediaStack('5.26.2', '4.0.14'),
          now,
        ),
        commit(
          'media-stack',
          2,
          20 * DAY,
          'chore(deps): update lscr.io/linuxserver/sonarr docker tag to v4.0.15 (#131)',
          renovate,
          mediaStack('5.26.2', '4.0.15'),
          now,
        ),
        commit(
          'media-stack',
          3,
          2 * DAY,
          'chore(deps): update lscr.io/linuxserver/radarr docker tag to v5.27.5 (#138)',
          renovate,
          mediaStack('5.27.5', '4.0.15'),
          now,
        ),
        commit(
          'media-stack',
          4,
          3 * HOUR,
          'chore(deps): update lscr.io/linuxserver/radarr docker tag to v5.28.0 (#142)',
          renovate,
          mediaStack('5.28.0', '4.0.15'),
          now,
        ),
      ],
    },
    now,
  );
  const home = buildApp(
    {
      name: 'home-assistant',
      namespace: 'home',
      path: 'apps/home-assistant',
      createdAgo: 90 * DAY,
      deployed: 3,
      syncPolicy: {
        automated: { prune: true, selfHeal: true },
        syncOptions: ['CreateNamespace=true'],
      },
      commits: [
        commit(
          'home-assistant',
          1,
          75 * DAY,
          'chore(deps): update home-assistant docker tag to v2025.6.1 (#97)',
          renovate,
          homeAssistant('2025.6.1'),
          now,
        ),
        commit(
          'home-assistant',
          2,
          40 * DAY,
          'chore(deps): update home-assistant docker tag to v2025.7.2 (#115)',
          renovate,
          homeAssistant('2025.7.2'),
          now,
        ),
        commit(
          'home-assistant',
          3,
          9 * DAY,
          'chore(deps): update home-assistant docker tag to v2025.8.3 (#134)',
          renovate,
          homeAssistant('2025.8.3'),
          now,
        ),
      ],
    },
    now,
  );
  const mon = buildApp(
    {
      name: 'monitoring',
      namespace: 'monitoring',
      path: 'apps/monitoring',
      createdAgo: 120 * DAY,
      deployed: 3,
      commits: [
        commit(
          'monitoring',
          1,
          100 * DAY,
          'feat(monitoring): prometheus and alertmanager',
          me,
          monitoring('v3.4.2', 'v0.28.1', '15d'),
          now,
        ),
        commit(
          'monitoring',
          2,
          50 * DAY,
          'chore(deps): update prometheus docker tag to v3.5.0 (#102)',
          renovate,
          monitoring('v3.5.0', 'v0.28.1', '15d'),
          now,
        ),
        commit(
          'monitoring',
          3,
          6 * HOUR,
          'feat(monitoring): keep 30 days of metrics',
          me,
          monitoring('v3.5.0', 'v0.28.1', '30d'),
          now,
        ),
      ],
    },
    now,
  );
  mon.health.set('apps/Deployment/monitoring/prometheus', {
    status: 'Degraded',
    message: 'Deployment "prometheus" exceeded its progress deadline',
  });
  for (const app of [media, home, mon]) state.applications.set(app.name, app);
  return state;
}
