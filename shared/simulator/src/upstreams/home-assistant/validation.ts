// Service-data validation in the manner of voluptuous, the schema library Home Assistant
// validates service calls with: the same coercions (Coerce(int), Clamp, Range, cv.boolean,
// cv.comp_entity_ids), and error texts in its format ("expected int for dictionary value @
// data['brightness']", "extra keys not allowed @ data['foo']"), which clients show to users.
// Why separate: services.ts declares fields with these validators and stays readable.

/** vol.Invalid: answered as `invalid_format` with the message as is. */
export class VolInvalid extends Error {}

/** Converts and checks one field; throws a message (without the ` @ data[...]` part). */
export type Validator = (value: unknown) => unknown;

class FieldProblem extends Error {}

/** Python repr of a value, for messages like "value must be one of ['a', 'b']". */
export function pyRepr(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function problem(message: string): never {
  throw new FieldProblem(message);
}

function coerceNumber(value: unknown, kind: 'int' | 'float'): number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' && Number.isFinite(value)) {
    return kind === 'int' ? Math.trunc(value) : value;
  }
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    if (kind === 'int' && /^\s*[-+]?\d+\s*$/.test(value)) return parsed;
    if (kind === 'float' && Number.isFinite(parsed)) return parsed;
  }
  return problem(`expected ${kind}`);
}

interface NumberRule {
  min?: number;
  max?: number;
  /** vol.Clamp instead of vol.Range: out-of-range values are moved to the bound. */
  clamp?: boolean;
}

function applyRange(value: number, rule: NumberRule): number {
  if (rule.clamp) {
    if (rule.min !== undefined && value < rule.min) return rule.min;
    if (rule.max !== undefined && value > rule.max) return rule.max;
    return value;
  }
  if (rule.min !== undefined && value < rule.min) problem(`value must be at least ${rule.min}`);
  if (rule.max !== undefined && value > rule.max) problem(`value must be at most ${rule.max}`);
  return value;
}

export function vInt(rule: NumberRule = {}): Validator {
  return (value) => applyRange(coerceNumber(value, 'int'), rule);
}

export function vFloat(rule: NumberRule = {}): Validator {
  return (value) => applyRange(coerceNumber(value, 'float'), rule);
}

/** cv.string. */
export const vString: Validator = (value) => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return problem('expected str');
};

/** cv.boolean. */
export const vBoolean: Validator = (value) => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') {
    const lowered = value.toLowerCase().trim();
    if (['1', 'true', 'yes', 'on', 'enable'].includes(lowered)) return true;
    if (['0', 'false', 'no', 'off', 'disable'].includes(lowered)) return false;
  }
  return problem(`invalid boolean value ${pyRepr(value)}`);
};

/** vol.In. */
export function vIn(options: readonly string[]): Validator {
  return (value) =>
    typeof value === 'string' && options.includes(value)
      ? value
      : problem(`value must be one of ${pyRepr([...options].sort())}`);
}

/** vol.Coerce(SomeEnum): the message lists the enum's values in declaration order. */
export function vEnum(enumName: string, values: readonly string[]): Validator {
  return (value) =>
    typeof value === 'string' && values.includes(value)
      ? value
      : problem(`expected ${enumName} or one of ${values.map(pyRepr).join(', ')}`);
}

/** A dict (`dict` in the schema). */
export const vDict: Validator = (value) =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? value
    : problem('expected dict');

/** vol.ExactSequence of numbers, e.g. rgb_color = three bytes. */
export function vNumberTuple(
  length: number,
  rules: NumberRule[],
  kind: 'int' | 'float',
): Validator {
  return (value) => {
    if (!Array.isArray(value)) return problem('expected a list');
    if (value.length !== length) return problem(`length of value must be exactly ${length}`);
    return value.map((item, index) => applyRange(coerceNumber(item, kind), rules[index] ?? {}));
  };
}

/** One field of a service schema. */
export interface FieldRule {
  validate: Validator;
  required?: boolean;
}

/** Exclusive groups: at most one key of each group (vol.Exclusive). */
export interface SchemaRules {
  fields: Record<string, FieldRule>;
  exclusive?: Array<{ name: string; keys: string[] }>;
  /** cv.has_at_least_one_key. */
  atLeastOne?: string[];
  /** vol.Inclusive: all or none of these keys. */
  inclusive?: { name: string; keys: string[] };
  /** Accept keys that are not declared (script services take any variables). */
  allowExtra?: boolean;
}

/** Validates `data` against `rules` (entity target keys excluded); returns the coerced data. */
export function validateData(
  data: Record<string, unknown>,
  rules: SchemaRules,
  targetKeys: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (targetKeys.includes(key)) continue;
    const rule = rules.fields[key];
    if (!rule) {
      if (rules.allowExtra) {
        out[key] = value;
        continue;
      }
      throw new VolInvalid(`extra keys not allowed @ data['${key}']`);
    }
    try {
      out[key] = rule.validate(value);
    } catch (error) {
      if (error instanceof FieldProblem) {
        throw new VolInvalid(`${error.message} for dictionary value @ data['${key}']`);
      }
      throw error;
    }
  }
  for (const [key, rule] of Object.entries(rules.fields)) {
    if (rule.required && !(key in data)) {
      throw new VolInvalid(`required key not provided @ data['${key}']`);
    }
  }
  for (const group of rules.exclusive ?? []) {
    if (group.keys.filter((key) => key in data).length > 1) {
      throw new VolInvalid(
        `two or more values in the same group of exclusion '${group.name}' @ data[<${group.name}>]`,
      );
    }
  }
  if (rules.atLeastOne && !rules.atLeastOne.some((key) => key in data)) {
    throw new VolInvalid(`must contain at least one of ${rules.atLeastOne.join(', ')}.`);
  }
  if (rules.inclusive) {
    const present = rules.inclusive.keys.filter((key) => key in data).length;
    if (present > 0 && present < rules.inclusive.keys.length) {
      throw new VolInvalid(
        `some but not all values in the same group of inclusion '${rules.inclusive.name}' @ data[<${rules.inclusive.name}>]`,
      );
    }
  }
  return out;
}

/** `core.py` valid_entity_id. */
export function isValidEntityId(entityId: string): boolean {
  return /^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$/.test(entityId);
}

/**
 * cv.comp_entity_ids: "all", "none", a comma-separated string or a list; lower-cased and
 * checked. Returns 'all' or the ids.
 */
export function entityIdsFrom(value: unknown): string[] | 'all' {
  if (typeof value === 'string' && ['all', 'none'].includes(value.toLowerCase())) {
    return value.toLowerCase() === 'all' ? 'all' : [];
  }
  let ids: unknown[];
  if (typeof value === 'string') ids = value.split(',').map((part) => part.trim());
  else if (Array.isArray(value)) ids = value;
  else
    throw new VolInvalid(
      "Entity ID is an invalid entity ID for dictionary value @ data['entity_id']",
    );
  return ids.map((id) => {
    const lowered = typeof id === 'string' ? id.toLowerCase() : '';
    if (!isValidEntityId(lowered)) {
      throw new VolInvalid(
        `Entity ID ${String(id)} is an invalid entity ID for dictionary value @ data['entity_id']`,
      );
    }
    return lowered;
  });
}

/** cv.ensure_list of strings, for area_id / device_id / floor_id / label_id. */
export function stringListFrom(value: unknown, key: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item !== 'string') {
      throw new VolInvalid(`expected str for dictionary value @ data['${key}']`);
    }
    return item;
  });
}
