// buildServer(deps): the infrastructure MCP server as a pure function of its clients and config,
// used by main.ts and by the tests (simulated or real Kubernetes API server).
import { ConfigError, HomelabServer, type ServerDeps } from '@homelab/kit';
import { ArgoCdClient } from './clients/argocd.js';
import { S3Client } from './clients/s3.js';
import { KubeClient } from './clients/kube.js';
import { resolveKubeTarget } from './clients/kubeconfig.js';
import type { InfrastructureConfig } from './config.js';
import { argocdToolset } from './toolsets/argocd.js';
import { changesToolset } from './toolsets/changes.js';
import { minioToolset } from './toolsets/minio.js';
import { rolloutToolset } from './toolsets/rollout.js';
import type { InfrastructureClients } from './toolsets/common.js';
import { workloadsToolset } from './toolsets/workloads.js';

export type { InfrastructureClients } from './toolsets/common.js';

export const SERVER_NAME = 'infrastructure';
export const SERVER_VERSION = '0.1.0';
export const toolsets = [
  workloadsToolset,
  changesToolset,
  rolloutToolset,
  argocdToolset,
  minioToolset,
];

export function createClients(
  config: InfrastructureConfig,
  deps: Pick<ServerDeps<unknown, unknown>, 'metrics'>,
): InfrastructureClients {
  let argocd: ArgoCdClient | undefined;
  let minio: S3Client | undefined;
  return {
    kube: new KubeClient(resolveKubeTarget(config), {
      timeoutMs: config.KUBE_TIMEOUT_MS,
      metrics: deps.metrics,
    }),
    argocd: () => {
      if (!config.ARGOCD_URL) {
        throw new ConfigError('Argo CD is not configured on this server', {
          hint: 'Set ARGOCD_URL and ARGOCD_TOKEN (or ARGOCD_TOKEN_FILE).',
        });
      }
      argocd ??= new ArgoCdClient({
        url: config.ARGOCD_URL,
        token: config.ARGOCD_TOKEN,
        timeoutMs: config.ARGOCD_TIMEOUT_MS,
        metrics: deps.metrics,
      });
      return argocd;
    },
    minio: () => {
      if (!config.MINIO_URL || !config.MINIO_ACCESS_KEY || !config.MINIO_SECRET_KEY) {
        throw new ConfigError('MinIO is not configured on this server', {
          hint: 'Set MINIO_URL, MINIO_ACCESS_KEY and MINIO_SECRET_KEY (or MINIO_SECRET_KEY_FILE).',
        });
      }
      minio ??= new S3Client({
        url: config.MINIO_URL,
        accessKey: config.MINIO_ACCESS_KEY,
        secretKey: config.MINIO_SECRET_KEY,
        region: config.MINIO_REGION,
        timeoutMs: config.KUBE_TIMEOUT_MS,
        metrics: deps.metrics,
      });
      return minio;
    },
  };
}

export function buildServer(
  deps: ServerDeps<InfrastructureClients, InfrastructureConfig>,
): HomelabServer<InfrastructureClients, InfrastructureConfig> {
  return new HomelabServer(
    {
      name: SERVER_NAME,
      title: 'Homelab infrastructure (Kubernetes)',
      version: SERVER_VERSION,
      upstreamName: 'the Kubernetes API',
      instructions:
        'Reads and changes the Kubernetes cluster. Find names with get_pods and list_workloads; read logs with a filter. Every change is previewed by the API server (dryRun) and returns the exact before/after diff; confirm before applying.',
      toolsets,
      readiness: [
        {
          name: 'Kubernetes API',
          check: async (signal) => void (await deps.clients.kube.get('/version', { signal })),
        },
        ...(deps.config.ARGOCD_URL
          ? [
              {
                name: 'Argo CD',
                check: async (signal: AbortSignal) =>
                  void (await deps.clients.argocd().list(signal)),
              },
            ]
          : []),
      ],
    },
    deps,
  );
}
