// MinIO: buckets, and per bucket the object count, total size, the biggest objects and the
// top-level prefixes using the space. Read-only by design: no tool deletes or writes objects.
import { z } from 'zod';
import { READ, tool } from './common.js';

export const minioListBuckets = tool.read({
  name: 'minio_list_buckets',
  title: 'List MinIO buckets',
  description: 'The buckets in MinIO with their creation date. Use minio_bucket_usage for sizes.',
  input: z.object({}),
  output: z.object({
    buckets: z
      .array(
        z.object({
          name: z.string().describe('Bucket'),
          created: z.string().describe('Creation date'),
        }),
      )
      .describe('Buckets by name'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (_input, ctx) => {
    const buckets = await ctx.clients.minio().listBuckets(ctx.signal);
    return { buckets: buckets.sort((a, b) => a.name.localeCompare(b.name)) };
  },
});

const bucketName = z
  .string()
  .min(3)
  .max(63)
  .regex(
    /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    'must be an S3 bucket name (lowercase letters, digits, dots and hyphens)',
  )
  .describe('Bucket name');

export const minioBucketUsage = tool.read({
  name: 'minio_bucket_usage',
  title: 'MinIO bucket usage',
  description:
    'Object count and total size of a bucket, its largest objects and the top-level prefixes using the most space (for "what fills the backup bucket?").',
  input: z.object({
    bucket: bucketName,
    top: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(10)
      .describe('How many largest objects and prefixes to show'),
  }),
  output: z.object({
    bucket: z.string().describe('Bucket'),
    objects: z.number().describe('Objects counted'),
    totalBytes: z.number().describe('Sum of their sizes in bytes'),
    totalHuman: z.string().describe('Total size, human-readable'),
    complete: z
      .boolean()
      .describe(
        'False when more objects exist than MINIO_MAX_OBJECTS allows to scan; figures are then a lower bound',
      ),
    largest: z
      .array(z.object({ key: z.string(), bytes: z.number(), lastModified: z.string() }))
      .describe('Largest objects'),
    prefixes: z
      .array(z.object({ prefix: z.string(), objects: z.number(), bytes: z.number() }))
      .describe('Top-level prefixes by size'),
  }),
  annotations: READ,
  risk: 'read',
  handler: async (input, ctx) => {
    const pages = ctx.clients
      .minio()
      .listObjects(input.bucket, ctx.config.MINIO_MAX_OBJECTS, ctx.signal);
    let objects = 0;
    let totalBytes = 0;
    let largest: Array<{ key: string; bytes: number; lastModified: string }> = [];
    const prefixes = new Map<string, { objects: number; bytes: number }>();
    let next = await pages.next();
    while (!next.done) {
      for (const object of next.value) {
        objects++;
        totalBytes += object.size;
        const slash = object.key.indexOf('/');
        const prefix = slash >= 0 ? object.key.slice(0, slash + 1) : '(root)';
        const entry = prefixes.get(prefix) ?? { objects: 0, bytes: 0 };
        entry.objects++;
        entry.bytes += object.size;
        prefixes.set(prefix, entry);
        if (largest.length < input.top || object.size > (largest.at(-1)?.bytes ?? 0)) {
          largest = [
            ...largest,
            { key: object.key, bytes: object.size, lastModified: object.lastModified },
          ]
            .sort((a, b) => b.bytes - a.bytes)
            .slice(0, input.top);
        }
      }
      next = await pages.next();
    }
    return {
      bucket: input.bucket,
      objects,
      totalBytes,
      totalHuman: humanBytes(totalBytes),
      complete: next.value.complete,
      largest,
      prefixes: [...prefixes.entries()]
        .map(([prefix, entry]) => ({ prefix, ...entry }))
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, input.top),
    };
  },
});

export function humanBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export const minioToolset = tool.toolset({
  name: 'minio',
  description: 'MinIO buckets and usage (read-only)',
  tools: [minioListBuckets, minioBucketUsage],
});
