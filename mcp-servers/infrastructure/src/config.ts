// The infrastructure server's own variables; the kit adds the MCP_* ones.
import { secret } from '@homelab/kit';
import { z } from 'zod';

export const DEFAULT_PORT = 3902;

export const configShape = {
  KUBECONFIG: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Path to a kubeconfig file (default: in-cluster service account, else ~/.kube/config)',
    ),
  KUBE_CONTEXT: z
    .string()
    .min(1)
    .optional()
    .describe('Context of the kubeconfig to use (default: its current-context)'),
  KUBE_API_URL: z
    .url()
    .optional()
    .describe('API server URL; with KUBE_TOKEN, used instead of a kubeconfig'),
  KUBE_TOKEN: secret('Bearer token for KUBE_API_URL').optional(),
  KUBE_INSECURE_SKIP_TLS_VERIFY: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true')
    .describe('Skip TLS verification of KUBE_API_URL (self-signed test clusters only)'),
  KUBE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(200)
    .max(120_000)
    .default(10_000)
    .describe('Limit for one API request'),
  KUBE_LOG_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(2 * 1024 * 1024)
    .describe('At most this many bytes of a log are read from the API before filtering'),
  ARGOCD_URL: z
    .url()
    .optional()
    .describe('Argo CD server URL, e.g. https://argocd.example.lan (its API is under /api/v1)'),
  ARGOCD_TOKEN: secret('Argo CD API token (an account with apiKey capability)').optional(),
  ARGOCD_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(200)
    .max(120_000)
    .default(15_000)
    .describe('Limit for one Argo CD request'),
  MINIO_URL: z.url().optional().describe('MinIO (S3 API) endpoint, e.g. http://minio.storage:9000'),
  MINIO_ACCESS_KEY: z.string().min(1).optional().describe('Access key of a read-only MinIO user'),
  MINIO_SECRET_KEY: secret('Secret key for MINIO_ACCESS_KEY').optional(),
  MINIO_REGION: z
    .string()
    .min(1)
    .default('us-east-1')
    .describe('Region used in request signatures'),
  MINIO_MAX_OBJECTS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(10_000_000)
    .default(200_000)
    .describe(
      'Objects scanned at most per bucket when summing usage (beyond it the figures are marked partial)',
    ),
};

export type InfrastructureConfig = z.output<z.ZodObject<typeof configShape>>;
