// Label and field selectors as the API server parses them: `app=radarr,tier!=db`, `env in (a,b)`,
// `!canary`, and field selectors on the fields each resource indexes (events by involvedObject,
// pods by spec.nodeName, ...). An unsupported field is a 400, as on a real cluster.

import type { EventObject, KubeObject, LabelSelector, Pod } from './model.js';
import { badRequest } from './status.js';

export interface LabelRequirement {
  key: string;
  operator: 'in' | 'notin' | 'exists' | '!';
  values: string[];
}

/** Splits on commas outside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  terms.push(current);
  return terms.map((term) => term.trim()).filter((term) => term !== '');
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string, term: string): string {
  if (!LABEL_KEY.test(key)) throw badRequest(`unable to parse requirement: ${term}`);
  return key;
}

function checkValues(key: string, values: string[]): string[] {
  values.forEach((value, index) => {
    if (!LABEL_VALUE.test(value) || value.length > 63) {
      throw badRequest(
        `unable to parse requirement: values[${index}][${key}]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
      );
    }
  });
  return values;
}

export function parseLabelSelector(text: string): LabelRequirement[] {
  return splitTerms(text).map((term) => {
    const set = /^(\S+)\s+(in|notin)\s+\((.*)\)$/.exec(term);
    if (set) {
      const values = (set[3] ?? '')
        .split(',')
        .map((value) => value.trim())
        .filter((value) => value !== '');
      const key = checkKey(set[1] ?? '', term);
      return { key, operator: set[2] as 'in' | 'notin', values: checkValues(key, values) };
    }
    const equality = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (equality) {
      const key = checkKey(equality[1] ?? '', term);
      const values = checkValues(key, [equality[3] ?? '']);
      return { key, operator: equality[2] === '!=' ? 'notin' : 'in', values };
    }
    if (term.startsWith('!'))
      return { key: checkKey(term.slice(1).trim(), term), operator: '!', values: [] };
    return { key: checkKey(term, term), operator: 'exists', values: [] };
  });
}

/** A LabelSelector object (matchLabels, matchExpressions) as requirements. */
export function selectorRequirements(selector: LabelSelector | undefined): LabelRequirement[] {
  const requirements: LabelRequirement[] = Object.entries(selector?.matchLabels ?? {}).map(
    ([key, value]) => ({ key, operator: 'in', values: [value] }),
  );
  for (const expression of selector?.matchExpressions ?? []) {
    const operator = expression.operator.toLowerCase();
    requirements.push({
      key: expression.key,
      operator:
        operator === 'in'
          ? 'in'
          : operator === 'notin'
            ? 'notin'
            : operator === 'exists'
              ? 'exists'
              : '!',
      values: expression.values ?? [],
    });
  }
  return requirements;
}

export function matchesLabels(
  labels: Record<string, string> | undefined,
  requirements: LabelRequirement[],
): boolean {
  return requirements.every((requirement) => {
    const value = labels?.[requirement.key];
    switch (requirement.operator) {
      case 'in':
        return value !== undefined && requirement.values.includes(value);
      case 'notin':
        return value === undefined || !requirement.values.includes(value);
      case 'exists':
        return value !== undefined;
      case '!':
        return value === undefined;
    }
  });
}

/** `app=radarr` for a selector's matchLabels (what `kubectl get -o wide` and Scale status show). */
export function formatSelector(selector: LabelSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(
    ([key, value]) => `${key}=${value}`,
  );
  for (const expression of selector?.matchExpressions ?? []) {
    const operator = expression.operator.toLowerCase();
    if (operator === 'exists') parts.push(expression.key);
    else if (operator === 'doesnotexist') parts.push(`!${expression.key}`);
    else parts.push(`${expression.key} ${operator} (${(expression.values ?? []).join(',')})`);
  }
  return parts.join(',');
}

export interface FieldRequirement {
  field: string;
  value: string;
  equal: boolean;
}

type FieldGetter = (object: KubeObject) => string | undefined;

const metadataFields: Record<string, FieldGetter> = {
  'metadata.name': (object) => object.metadata.name,
  'metadata.namespace': (object) => object.metadata.namespace ?? '',
};

const str = (value: unknown): string | undefined =>
  value === undefined || value === null ? '' : String(value as string);

/** The fields each resource supports in field selectors (pkg/registry/.../strategy.go). */
const FIELDS: Record<string, Record<string, FieldGetter>> = {
  pods: {
    'spec.nodeName': (object) => str((object as Pod).spec.nodeName),
    'spec.restartPolicy': (object) => str((object as Pod).spec.restartPolicy),
    'spec.schedulerName': (object) => str((object as Pod).spec.schedulerName),
    'spec.serviceAccountName': (object) => str((object as Pod).spec.serviceAccountName),
    'spec.hostNetwork': (object) => String((object as Pod).spec.hostNetwork === true),
    'status.phase': (object) => str((object as Pod).status.phase),
    'status.podIP': (object) => str((object as Pod).status.podIP),
    'status.nominatedNodeName': (object) => str((object as Pod).status.nominatedNodeName),
  },
  events: {
    'involvedObject.kind': (object) => str((object as EventObject).involvedObject.kind),
    'involvedObject.namespace': (object) => str((object as EventObject).involvedObject.namespace),
    'involvedObject.name': (object) => str((object as EventObject).involvedObject.name),
    'involvedObject.uid': (object) => str((object as EventObject).involvedObject.uid),
    'involvedObject.apiVersion': (object) => str((object as EventObject).involvedObject.apiVersion),
    'involvedObject.fieldPath': (object) => str((object as EventObject).involvedObject.fieldPath),
    reason: (object) => str((object as EventObject).reason),
    reportingComponent: (object) => str((object as EventObject).reportingComponent),
    source: (object) => str((object as EventObject).source.component),
    type: (object) => str((object as EventObject).type),
  },
  nodes: {
    'spec.unschedulable': (object) =>
      String((object.spec as { unschedulable?: boolean }).unschedulable === true),
  },
  namespaces: {
    'status.phase': (object) => str((object.status as { phase?: string } | undefined)?.phase),
  },
  secrets: { type: (object) => str(object.type) },
  replicasets: {
    'status.replicas': (object) =>
      str((object.status as { replicas?: number } | undefined)?.replicas ?? 0),
  },
};

export function parseFieldSelector(text: string, plural: string): FieldRequirement[] {
  const supported = { ...metadataFields, ...FIELDS[plural] };
  return splitTerms(text).map((term) => {
    const found = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!found) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const field = found[1] ?? '';
    if (!(field in supported)) throw badRequest(`field label not supported: ${field}`);
    return { field, value: found[3] ?? '', equal: found[2] !== '!=' };
  });
}

export function matchesFields(
  object: KubeObject,
  plural: string,
  requirements: FieldRequirement[],
): boolean {
  const supported = { ...metadataFields, ...FIELDS[plural] };
  return requirements.every((requirement) => {
    const getter = supported[requirement.field];
    const value = getter ? getter(object) : undefined;
    return (value === requirement.value) === requirement.equal;
  });
}
