// The three PATCH formats the API server accepts for built-in types:
// - JSON merge patch (RFC 7386, `application/merge-patch+json`): maps merge, `null` deletes, lists
//   are replaced whole;
// - strategic merge patch (`application/strategic-merge-patch+json`): like merge patch, but lists
//   with a patch merge key (containers by `name`, ports by `containerPort`, ...) merge item by item,
//   and the `$patch`, `$retainKeys`, `$setElementOrder/...` and `$deleteFromPrimitiveList/...`
//   directives kubectl sends are honoured;
// - JSON patch (RFC 6902, `application/json-patch+json`): add/remove/replace/move/copy/test.
// Why not a library: the merge keys come from the Go types' `patchMergeKey` tags, which no JS
// package carries for the handful of paths the simulator needs.

import type { JsonObject } from './model.js';

export class PatchError extends Error {}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function copy<T>(value: T): T {
  return structuredClone(value);
}

/** RFC 7386. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return copy(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/**
 * The `patchMergeKey` of a list field (k8s.io/api types), or undefined when the list is replaced
 * whole. `path` holds the field names from the object root (list items as `[]`).
 */
function mergeKeyOf(field: string, path: readonly string[]): string | undefined {
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'env':
    case 'volumes':
    case 'imagePullSecrets':
    case 'resourceClaims':
    case 'schedulingGates':
      return 'name';
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'conditions':
      return 'type';
    case 'ownerReferences':
      return 'uid';
    case 'hostAliases':
      return 'ip';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'taints':
      return 'key';
    case 'ports':
      // Container ports merge by containerPort; Service ports by port.
      return path.some((segment) => CONTAINER_LISTS.has(segment)) ? 'containerPort' : 'port';
    default:
      return undefined;
  }
}

/** Primitive lists whose patch strategy is `merge` (union) rather than replace. */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const result: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key.startsWith('$')) continue;
    result[key] = stripDirectives(child);
  }
  return result;
}

function mergeList(
  field: string,
  target: unknown[],
  patch: unknown[],
  path: readonly string[],
): unknown[] {
  const replace = patch.find((item) => isObject(item) && item.$patch === 'replace');
  if (replace !== undefined) {
    return patch
      .filter((item) => !(isObject(item) && item.$patch === 'replace'))
      .map(stripDirectives);
  }
  const key = mergeKeyOf(field, path);
  if (key === undefined) {
    if (MERGED_PRIMITIVE_LISTS.has(field)) {
      const result = [...target];
      for (const item of patch) if (!result.includes(item)) result.push(item);
      return result;
    }
    return patch.map(stripDirectives);
  }
  const result = target.map((item) => copy(item));
  for (const item of patch) {
    if (!isObject(item)) throw new PatchError(`list ${field} items must be objects`);
    const keyValue = item[key];
    if (keyValue === undefined)
      throw new PatchError(
        `map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`,
      );
    const index = result.findIndex((existing) => isObject(existing) && existing[key] === keyValue);
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
      continue;
    }
    if (index >= 0) result[index] = strategicMerge(result[index], item, [...path, '[]']);
    else result.push(strategicMerge(undefined, item, [...path, '[]']));
  }
  return result;
}

/**
 * Strategic merge patch of `patch` onto `target`. `path` is the field path of `target` from the
 * object root (used to find list merge keys).
 */
export function strategicMerge(
  target: unknown,
  patch: unknown,
  path: readonly string[] = [],
): unknown {
  if (!isObject(patch)) return copy(patch);
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') return stripDirectives(patch);
  const base: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = base[field];
      if (Array.isArray(current) && Array.isArray(value))
        base[field] = current.filter((item) => !value.includes(item));
      continue;
    }
    if (key.startsWith('$')) continue;
    if (value === null) {
      delete base[key];
      continue;
    }
    const current = base[key];
    if (Array.isArray(value)) {
      base[key] = mergeList(key, Array.isArray(current) ? current : [], value, [...path, key]);
    } else if (isObject(value)) {
      const merged = strategicMerge(current, value, [...path, key]);
      if (merged === undefined) delete base[key];
      else base[key] = merged;
    } else {
      base[key] = value;
    }
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const key of Object.keys(base)) if (!retain.includes(key)) delete base[key];
  }
  for (const [key, value] of Object.entries(patch)) {
    if (!key.startsWith('$setElementOrder/') || !Array.isArray(value)) continue;
    const field = key.slice('$setElementOrder/'.length);
    const list = base[field];
    const mergeKey = mergeKeyOf(field, [...path, field]);
    if (!Array.isArray(list) || mergeKey === undefined) continue;
    const order = value.map((entry) => (isObject(entry) ? entry[mergeKey] : entry));
    const rank = (item: unknown): number => {
      const found = order.indexOf(isObject(item) ? item[mergeKey] : item);
      return found < 0 ? order.length : found;
    };
    base[field] = [...list].sort((a, b) => rank(a) - rank(b));
  }
  return base;
}

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: unknown;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer: ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(root: unknown, segments: string[], pointer: string): unknown {
  let node = root;
  for (const segment of segments.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node)) node = node[segment];
    else node = undefined;
    if (node === undefined) throw new PatchError(`doc is missing path: ${pointer}`);
  }
  return node;
}

function getAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const segment of parsePointer(pointer)) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node)) node = node[segment];
    else node = undefined;
    if (node === undefined) throw new PatchError(`doc is missing path: ${pointer}`);
  }
  return node;
}

function arrayIndex(list: unknown[], segment: string, pointer: string, adding: boolean): number {
  if (adding && segment === '-') return list.length;
  if (!/^(0|[1-9]\d*)$/.test(segment)) throw new PatchError(`invalid array index in ${pointer}`);
  const index = Number(segment);
  if (index > list.length || (!adding && index === list.length))
    throw new PatchError(`array index out of bounds: ${pointer}`);
  return index;
}

function removeAt(root: unknown, pointer: string): unknown {
  const segments = parsePointer(pointer);
  if (segments.length === 0) throw new PatchError('cannot remove the document root');
  const parent = parentOf(root, segments, pointer);
  const last = segments[segments.length - 1] ?? '';
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, last, pointer, false);
    return parent.splice(index, 1)[0];
  }
  if (!isObject(parent) || !(last in parent))
    throw new PatchError(`unable to remove nonexistent key: ${last}: missing value`);
  const removed = parent[last];
  delete parent[last];
  return removed;
}

function addAt(root: unknown, pointer: string, value: unknown, replace: boolean): unknown {
  const segments = parsePointer(pointer);
  if (segments.length === 0) return copy(value);
  const parent = parentOf(root, segments, pointer);
  const last = segments[segments.length - 1] ?? '';
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, last, pointer, !replace);
    if (replace) parent[index] = copy(value);
    else parent.splice(index, 0, copy(value));
  } else if (isObject(parent)) {
    if (replace && !(last in parent))
      throw new PatchError(`replace operation does not apply: doc is missing key: ${pointer}`);
    parent[last] = copy(value);
  } else {
    throw new PatchError(`doc is missing path: ${pointer}`);
  }
  return root;
}

/** RFC 6902 on a copy of `target`. */
export function jsonPatch(target: unknown, operations: JsonPatchOperation[]): unknown {
  let doc = copy(target);
  for (const operation of operations) {
    switch (operation.op) {
      case 'add':
        doc = addAt(doc, operation.path, operation.value, false);
        break;
      case 'replace':
        doc = addAt(doc, operation.path, operation.value, true);
        break;
      case 'remove':
        removeAt(doc, operation.path);
        break;
      case 'move': {
        const moved = removeAt(doc, operation.from ?? '');
        doc = addAt(doc, operation.path, moved, false);
        break;
      }
      case 'copy':
        doc = addAt(doc, operation.path, getAt(doc, operation.from ?? ''), false);
        break;
      case 'test':
        if (JSON.stringify(getAt(doc, operation.path)) !== JSON.stringify(operation.value))
          throw new PatchError(`testing value ${operation.path} failed: test failed`);
        break;
    }
  }
  return doc;
}
