// Where the Kubernetes API is and how to authenticate: KUBE_API_URL + KUBE_TOKEN, the in-cluster
// service account, or a kubeconfig (KUBECONFIG or ~/.kube/config, current or named context).
// Supported credentials: bearer token (inline or file), client certificate, basic auth. Exec and
// auth-provider plugins are refused with a clear message (the server never runs other programs).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { ConfigError } from '@homelab/kit';
import { parse } from 'yaml';
import { z } from 'zod';
import type { InfrastructureConfig } from '../config.js';

export interface KubeTarget {
  server: string;
  /** Human label for messages: the context name, "in-cluster" or "KUBE_API_URL". */
  source: string;
  token?: string;
  /** Re-read periodically: projected service-account tokens rotate. */
  tokenFile?: string;
  basic?: { username: string; password: string };
  ca?: string;
  cert?: string;
  key?: string;
  insecure: boolean;
  namespace: string;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

const kubeconfigSchema = z.object({
  'current-context': z.string().optional(),
  clusters: z.array(
    z.object({
      name: z.string(),
      cluster: z
        .object({
          server: z.string(),
          'certificate-authority': z.string().optional(),
          'certificate-authority-data': z.string().optional(),
          'insecure-skip-tls-verify': z.boolean().optional(),
        })
        .loose(),
    }),
  ),
  users: z
    .array(
      z.object({
        name: z.string(),
        user: z
          .object({
            token: z.string().optional(),
            tokenFile: z.string().optional(),
            'client-certificate': z.string().optional(),
            'client-certificate-data': z.string().optional(),
            'client-key': z.string().optional(),
            'client-key-data': z.string().optional(),
            username: z.string().optional(),
            password: z.string().optional(),
            exec: z.unknown().optional(),
            'auth-provider': z.unknown().optional(),
          })
          .loose()
          .nullish(),
      }),
    )
    .default([]),
  contexts: z.array(
    z.object({
      name: z.string(),
      context: z.object({
        cluster: z.string(),
        user: z.string().optional(),
        namespace: z.string().optional(),
      }),
    }),
  ),
});

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read ${what} ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
}

function fromKubeconfig(path: string, contextName: string | undefined): KubeTarget {
  const base = dirname(path);
  const resolve = (file: string) => (isAbsolute(file) ? file : join(base, file));
  let raw: unknown;
  try {
    raw = parse(readText(path, 'kubeconfig'));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`kubeconfig ${path} is not valid YAML: ${(error as Error).message}`);
  }
  const parsed = kubeconfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      `kubeconfig ${path} is not a kubeconfig (${issue?.path.join('.')}: ${issue?.message})`,
    );
  }
  const config = parsed.data;
  const name = contextName ?? config['current-context'];
  const context = config.contexts.find((c) => c.name === name);
  if (!context) {
    throw new ConfigError(`kubeconfig ${path} has no context "${name ?? '(none)'}"`, {
      hint: `Set KUBE_CONTEXT to one of: ${config.contexts.map((c) => c.name).join(', ') || '(none)'}.`,
    });
  }
  const cluster = config.clusters.find((c) => c.name === context.context.cluster)?.cluster;
  if (!cluster)
    throw new ConfigError(
      `kubeconfig ${path}: context ${context.name} names a missing cluster ${context.context.cluster}`,
    );
  const user = config.users.find((u) => u.name === context.context.user)?.user ?? {};
  if (user.exec || user['auth-provider']) {
    throw new ConfigError(
      `kubeconfig ${path}: user ${context.context.user} uses an exec or auth-provider plugin, which this server does not run`,
      {
        hint: 'Give the server a service-account token (KUBE_API_URL + KUBE_TOKEN) or a kubeconfig with a token or client certificate.',
      },
    );
  }
  const decode = (data: string | undefined) =>
    data ? Buffer.from(data, 'base64').toString('utf8') : undefined;
  return {
    server: cluster.server,
    source: `kubeconfig context ${context.name}`,
    token:
      user.token ??
      (user.tokenFile ? readText(resolve(user.tokenFile), 'token file').trim() : undefined),
    basic:
      user.username && user.password
        ? { username: user.username, password: user.password }
        : undefined,
    ca:
      decode(cluster['certificate-authority-data']) ??
      (cluster['certificate-authority']
        ? readText(resolve(cluster['certificate-authority']), 'CA file')
        : undefined),
    cert:
      decode(user['client-certificate-data']) ??
      (user['client-certificate']
        ? readText(resolve(user['client-certificate']), 'client certificate')
        : undefined),
    key:
      decode(user['client-key-data']) ??
      (user['client-key'] ? readText(resolve(user['client-key']), 'client key') : undefined),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    namespace: context.context.namespace ?? 'default',
  };
}

/** Resolves the API server and credentials from config, the pod's service account or a kubeconfig. */
export function resolveKubeTarget(
  config: InfrastructureConfig,
  env: NodeJS.ProcessEnv = process.env,
): KubeTarget {
  if (config.KUBE_API_URL) {
    return {
      server: config.KUBE_API_URL,
      source: 'KUBE_API_URL',
      token: config.KUBE_TOKEN,
      insecure: config.KUBE_INSECURE_SKIP_TLS_VERIFY,
      namespace: 'default',
    };
  }
  if (!config.KUBECONFIG && env.KUBERNETES_SERVICE_HOST) {
    const host = env.KUBERNETES_SERVICE_HOST.includes(':')
      ? `[${env.KUBERNETES_SERVICE_HOST}]`
      : env.KUBERNETES_SERVICE_HOST;
    return {
      server: `https://${host}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`,
      source: 'in-cluster service account',
      token: readText(join(SA_DIR, 'token'), 'service-account token').trim(),
      tokenFile: join(SA_DIR, 'token'),
      ca: readText(join(SA_DIR, 'ca.crt'), 'service-account CA'),
      insecure: false,
      namespace: readText(join(SA_DIR, 'namespace'), 'service-account namespace').trim(),
    };
  }
  return fromKubeconfig(
    config.KUBECONFIG ?? join(homedir(), '.kube', 'config'),
    config.KUBE_CONTEXT,
  );
}
