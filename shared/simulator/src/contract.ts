// Loads a published OpenAPI contract (Swagger 2.0, OpenAPI 3.0 or 3.1; JSON or YAML) and checks
// requests and responses against it.
// Why: every simulated upstream must behave like the real one as far as the published contract
// says, so a client bug (wrong query type, missing field) or a simulator bug (wrong response
// shape) fails the test that caused it. Documents are parsed once per file and cached; each
// operation's validators are compiled by ajv only when first used, because the Kubernetes specs
// are 1-2 MB and compiling everything up front would cost seconds and memory for nothing.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { basename, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { isJsonMediaType, mediaTypeAccepts } from './media-types.js';
import {
  coerceParameter,
  collectionDelimiter,
  styleDelimiter,
  type ValueShape,
} from './parameter-values.js';
import {
  compilePathTemplate,
  matchPathTemplate,
  moreSpecificFirst,
  type PathTemplate,
} from './path-template.js';
import { normalizeSchemaDialect, type DialectReport } from './schema-dialects.js';
import { specPath } from './spec-path.js';

export type SpecVersion = '2.0' | '3.0' | '3.1';

/** One thing that broke the contract, e.g. `query parameter 'active'` + `must be boolean`. */
export interface ContractIssue {
  /** Where in the message: `query parameter 'active'`, `body`, `status`, `content-type`. */
  location: string;
  /** JSON pointer into the checked value (`/0/status/state`), '' for the value itself. */
  instancePath: string;
  /** Where the rule lives in the contract document (`#/definitions/silenceStatus/properties/state/enum`), '' when no schema rule. */
  schemaPath: string;
  message: string;
}

export interface ContractOperation {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Path template as a client sends it: base path + the contract's template. */
  readonly path: string;
  /** Path template as written in the contract (without base path). */
  readonly template: string;
  readonly operationId: string | undefined;
  /** `GET /api/v2/silences (getSilences)`: how violations name the operation. */
  readonly label: string;
}

export interface ContractRequest {
  /** Raw (percent-encoded) URL path including the base path. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  contentType: string | undefined;
  /** Parsed JSON when `bodyIsJson`, else the raw text; ignored when `hasBody` is false. */
  body: unknown;
  hasBody: boolean;
  bodyIsJson: boolean;
}

export interface ContractResponse {
  status: number;
  contentType: string | undefined;
  body: unknown;
  hasBody: boolean;
  bodyIsJson: boolean;
}

type JsonObject = Record<string, unknown>;
type AnyAjv = Ajv | Ajv2020;

interface MediaSpec {
  type: string;
  /** ajv key of the schema, undefined when the media type declares none. */
  schemaKey: string | undefined;
}

interface ParameterSpec {
  name: string;
  location: string;
  required: boolean;
  shape: ValueShape;
  validate: () => ValidateFunction;
}

interface OperationDetails {
  parameters: ParameterSpec[];
  body: { required: boolean; media: MediaSpec[] } | undefined;
  /** Keys lower-cased: `200`, `2xx`, `default`. */
  responses: Map<string, MediaSpec[]>;
}

interface OperationEntry {
  method: string;
  template: PathTemplate;
  operationId: string | undefined;
  pointer: string;
  operation: JsonObject;
  pathItem: JsonObject;
  pathItemPointer: string;
  details?: OperationDetails;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOCUMENT_ID = 'http://contract.simulator.invalid/document.json';
const IGNORED_HEADER_PARAMETERS = new Set(['accept', 'content-type', 'authorization']);
const MAX_ISSUES_PER_CHECK = 20;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

function unescapePointerSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function childPointer(pointer: string, ...segments: Array<string | number>): string {
  return pointer + segments.map((segment) => '/' + escapePointerSegment(String(segment))).join('');
}

function ajvKey(pointer: string): string {
  return DOCUMENT_ID + '#' + pointer.split('/').map(encodeURIComponent).join('/');
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    if (!isObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[unescapePointerSegment(raw)];
  }
  return node;
}

function normalizeBasePath(path: string): string {
  const trimmed = path.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : '/' + trimmed;
}

function detectVersion(root: JsonObject, file: string): SpecVersion {
  if (root.swagger === '2.0') return '2.0';
  if (typeof root.openapi === 'string') {
    if (root.openapi.startsWith('3.0')) return '3.0';
    if (root.openapi.startsWith('3.1')) return '3.1';
  }
  throw new Error(`${file}: not an OpenAPI 2.0, 3.0 or 3.1 document`);
}

function serverBasePath(root: JsonObject): string {
  const servers = root.servers;
  if (!Array.isArray(servers) || !isObject(servers[0]) || typeof servers[0].url !== 'string')
    return '';
  const variables = isObject(servers[0].variables) ? servers[0].variables : {};
  const url = servers[0].url.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    const variable = variables[name];
    return isObject(variable) && variable.default !== undefined ? String(variable.default) : '';
  });
  if (url.startsWith('/')) return normalizeBasePath(url);
  try {
    return normalizeBasePath(new URL(url).pathname);
  } catch {
    return '';
  }
}

function describeAjvError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  const message = error.message ?? error.keyword;
  if (error.keyword === 'enum') return `${message} ${JSON.stringify(params.allowedValues)}`;
  if (error.keyword === 'additionalProperties')
    return `${message} '${String(params.additionalProperty)}'`;
  return message;
}

/** A parsed, dialect-normalised contract document with its ajv instance; shared by every base path. */
class ContractDocument {
  readonly version: SpecVersion;
  readonly title: string;
  readonly defaultBasePath: string;
  readonly entries: OperationEntry[] = [];
  readonly notes: string[] = [];
  private readonly ajv: AnyAjv;
  private readonly pointerOfSchema = new WeakMap<object, string>();
  private pointerIndexBuilt = false;

  /** The parsed (dialect-normalised) document. */
  get rootDocument(): JsonObject {
    return this.root;
  }

  constructor(
    readonly file: string,
    private readonly root: JsonObject,
  ) {
    this.version = detectVersion(root, file);
    const info = isObject(root.info) ? root.info : {};
    this.title = typeof info.title === 'string' ? info.title : basename(file);
    this.defaultBasePath =
      this.version === '2.0'
        ? normalizeBasePath(typeof root.basePath === 'string' ? root.basePath : '')
        : serverBasePath(root);
    const report = normalizeSchemaDialect(root, this.version === '3.1' ? '2020-12' : 'draft-07');
    this.ajv = this.createAjv(report);
    for (const pattern of report.droppedPatterns)
      this.notes.push(`pattern not checked (not a JavaScript regex): ${pattern}`);
    this.collectOperations();
  }

  private createAjv(report: DialectReport): AnyAjv {
    const options = {
      strict: false,
      allErrors: true,
      verbose: true,
      validateSchema: false,
      unicodeRegExp: false,
      logger: false as const,
    };
    const ajv = this.version === '3.1' ? new Ajv2020(options) : new Ajv(options);
    addFormatsModule.default(ajv);
    for (const format of report.formats) {
      if (!(format in ajv.formats)) ajv.addFormat(format, true);
    }
    ajv.addSchema(this.root, DOCUMENT_ID);
    return ajv;
  }

  private collectOperations(): void {
    const paths = isObject(this.root.paths) ? this.root.paths : {};
    for (const [template, rawItem] of Object.entries(paths)) {
      const pathItemPointer = childPointer('', 'paths', template);
      const resolved = this.follow(rawItem, pathItemPointer);
      if (!isObject(resolved.value)) continue;
      const pathItem = resolved.value;
      const compiled = compilePathTemplate(template);
      for (const method of HTTP_METHODS) {
        const operation = pathItem[method];
        if (!isObject(operation)) continue;
        this.entries.push({
          method: method.toUpperCase(),
          template: compiled,
          operationId:
            typeof operation.operationId === 'string' ? operation.operationId : undefined,
          pointer: childPointer(resolved.pointer, method),
          operation,
          pathItem,
          pathItemPointer: resolved.pointer,
        });
      }
    }
    this.entries.sort((a, b) => moreSpecificFirst(a.template, b.template));
  }

  /** Follows local `$ref`s (`#/...`) and reports where the value really lives. */
  follow(value: unknown, pointer: string): { value: unknown; pointer: string } {
    let current = value;
    let currentPointer = pointer;
    for (let hops = 0; hops < 32 && isObject(current) && typeof current.$ref === 'string'; hops++) {
      const ref = current.$ref;
      if (!ref.startsWith('#')) break;
      currentPointer = ref
        .slice(1)
        .split('/')
        .map((segment) => {
          try {
            return decodeURIComponent(segment);
          } catch {
            return segment;
          }
        })
        .join('/');
      current = valueAt(this.root, currentPointer);
    }
    return { value: current, pointer: currentPointer };
  }

  /** The JSON type a schema stands for (following refs and compositions), for parameter coercion. */
  private schemaType(schema: unknown, depth = 0): string | undefined {
    const resolved = this.follow(schema, '').value;
    if (!isObject(resolved) || depth > 8) return undefined;
    const { type } = resolved;
    if (typeof type === 'string') return type;
    if (Array.isArray(type))
      return type.find((item): item is string => typeof item === 'string' && item !== 'null');
    for (const key of ['allOf', 'anyOf', 'oneOf']) {
      const parts = resolved[key];
      if (!Array.isArray(parts)) continue;
      for (const part of parts) {
        const found = this.schemaType(part, depth + 1);
        if (found !== undefined && found !== 'null') return found;
      }
    }
    if (Array.isArray(resolved.enum) && resolved.enum.length > 0) {
      const first: unknown = resolved.enum[0];
      if (typeof first === 'number') return Number.isInteger(first) ? 'integer' : 'number';
      if (typeof first === 'boolean' || typeof first === 'string') return typeof first;
    }
    if (isObject(resolved.properties)) return 'object';
    return undefined;
  }

  private itemsOf(schema: unknown): unknown {
    const resolved = this.follow(schema, '').value;
    return isObject(resolved) ? resolved.items : undefined;
  }

  private compiledAt(pointer: string): () => ValidateFunction {
    let compiled: ValidateFunction | undefined;
    return () => {
      if (compiled) return compiled;
      const found = this.ajv.getSchema(ajvKey(pointer));
      if (!found) throw new Error(`no schema at #${pointer}`);
      compiled = found;
      return found;
    };
  }

  private compiledInline(schema: JsonObject, pointer: string): () => ValidateFunction {
    this.pointerOfSchema.set(schema, pointer);
    let compiled: ValidateFunction | undefined;
    return () => (compiled ??= this.ajv.compile(schema));
  }

  details(entry: OperationEntry): OperationDetails {
    if (entry.details) return entry.details;
    const byKey = new Map<string, { value: JsonObject; pointer: string }>();
    const addParameters = (list: unknown, pointer: string): void => {
      if (!Array.isArray(list)) return;
      list.forEach((raw, index) => {
        const resolved = this.follow(raw, childPointer(pointer, 'parameters', index));
        if (!isObject(resolved.value) || typeof resolved.value.name !== 'string') return;
        byKey.set(`${String(resolved.value.in)}:${resolved.value.name}`, {
          value: resolved.value,
          pointer: resolved.pointer,
        });
      });
    };
    addParameters(entry.pathItem.parameters, entry.pathItemPointer);
    addParameters(entry.operation.parameters, entry.pointer);
    const details: OperationDetails =
      this.version === '2.0'
        ? this.swaggerDetails(entry, [...byKey.values()])
        : this.openApiDetails(entry, [...byKey.values()]);
    entry.details = details;
    return details;
  }

  private listOf(value: unknown): string[] | undefined {
    return Array.isArray(value)
      ? value.filter((item): item is string => typeof item === 'string')
      : undefined;
  }

  private swaggerDetails(
    entry: OperationEntry,
    parameters: Array<{ value: JsonObject; pointer: string }>,
  ): OperationDetails {
    const consumes = this.listOf(entry.operation.consumes) ??
      this.listOf(this.root.consumes) ?? ['*/*'];
    const produces = this.listOf(entry.operation.produces) ??
      this.listOf(this.root.produces) ?? ['*/*'];
    const specs: ParameterSpec[] = [];
    let body: OperationDetails['body'];
    for (const { value: parameter, pointer } of parameters) {
      const location = String(parameter.in);
      const name = String(parameter.name);
      const required = parameter.required === true;
      if (location === 'body') {
        const schemaKey = isObject(parameter.schema)
          ? ajvKey(childPointer(pointer, 'schema'))
          : undefined;
        body = { required, media: consumes.map((type) => ({ type, schemaKey })) };
        continue;
      }
      if (location === 'formData') {
        body ??= {
          required: false,
          media: consumes.map((type) => ({ type, schemaKey: undefined })),
        };
        continue;
      }
      if (location === 'header' && IGNORED_HEADER_PARAMETERS.has(name.toLowerCase())) continue;
      const type = typeof parameter.type === 'string' ? parameter.type : undefined;
      const items = isObject(parameter.items) ? parameter.items : {};
      const shape: ValueShape =
        type === 'array'
          ? {
              kind: 'array',
              itemType: typeof items.type === 'string' ? items.type : undefined,
              delimiter: collectionDelimiter(parameter.collectionFormat),
            }
          : { kind: 'scalar', type };
      const schema: JsonObject = {};
      for (const key of [
        'type',
        'format',
        'enum',
        'items',
        'minimum',
        'maximum',
        'exclusiveMinimum',
        'exclusiveMaximum',
        'minLength',
        'maxLength',
        'pattern',
        'minItems',
        'maxItems',
        'uniqueItems',
        'multipleOf',
      ]) {
        if (parameter[key] !== undefined) schema[key] = parameter[key];
      }
      specs.push({
        name,
        location,
        required: required || location === 'path',
        shape,
        validate: this.compiledInline(schema, pointer),
      });
    }
    const responses = new Map<string, MediaSpec[]>();
    const rawResponses = isObject(entry.operation.responses) ? entry.operation.responses : {};
    for (const [status, raw] of Object.entries(rawResponses)) {
      const resolved = this.follow(raw, childPointer(entry.pointer, 'responses', status));
      const response = isObject(resolved.value) ? resolved.value : {};
      const schemaKey = isObject(response.schema)
        ? ajvKey(childPointer(resolved.pointer, 'schema'))
        : undefined;
      responses.set(
        status.toLowerCase(),
        schemaKey === undefined ? [] : produces.map((type) => ({ type, schemaKey })),
      );
    }
    return { parameters: specs, body, responses };
  }

  private mediaOf(content: unknown, pointer: string): MediaSpec[] {
    if (!isObject(content)) return [];
    return Object.entries(content).map(([type, media]) => ({
      type,
      schemaKey:
        isObject(media) && media.schema !== undefined
          ? ajvKey(childPointer(pointer, 'content', type, 'schema'))
          : undefined,
    }));
  }

  private openApiDetails(
    entry: OperationEntry,
    parameters: Array<{ value: JsonObject; pointer: string }>,
  ): OperationDetails {
    const specs: ParameterSpec[] = [];
    for (const { value: parameter, pointer } of parameters) {
      const location = String(parameter.in);
      const name = String(parameter.name);
      if (location === 'cookie') continue;
      if (location === 'header' && IGNORED_HEADER_PARAMETERS.has(name.toLowerCase())) continue;
      const required = parameter.required === true || location === 'path';
      let shape: ValueShape = { kind: 'skip' };
      if (parameter.schema !== undefined) {
        const type = this.schemaType(parameter.schema);
        if (type === 'array') {
          const delimiter = styleDelimiter(location, parameter.style, parameter.explode);
          shape =
            delimiter === null
              ? { kind: 'skip' }
              : {
                  kind: 'array',
                  itemType: this.schemaType(this.itemsOf(parameter.schema)),
                  delimiter,
                };
        } else if (type !== 'object') {
          shape = { kind: 'scalar', type };
        }
      }
      specs.push({
        name,
        location,
        required,
        shape,
        validate: this.compiledAt(childPointer(pointer, 'schema')),
      });
    }
    let body: OperationDetails['body'];
    if (entry.operation.requestBody !== undefined) {
      const resolved = this.follow(
        entry.operation.requestBody,
        childPointer(entry.pointer, 'requestBody'),
      );
      if (isObject(resolved.value)) {
        body = {
          required: resolved.value.required === true,
          media: this.mediaOf(resolved.value.content, resolved.pointer),
        };
      }
    }
    const responses = new Map<string, MediaSpec[]>();
    const rawResponses = isObject(entry.operation.responses) ? entry.operation.responses : {};
    for (const [status, raw] of Object.entries(rawResponses)) {
      const resolved = this.follow(raw, childPointer(entry.pointer, 'responses', status));
      const response = isObject(resolved.value) ? resolved.value : {};
      responses.set(status.toLowerCase(), this.mediaOf(response.content, resolved.pointer));
    }
    return { parameters: specs, body, responses };
  }

  /** Runs a validator and turns its errors into issues that name the rule's place in the document. */
  validate(
    getValidator: () => ValidateFunction,
    value: unknown,
    location: string,
  ): ContractIssue[] {
    let validator: ValidateFunction;
    try {
      validator = getValidator();
    } catch (error) {
      return [
        {
          location,
          instancePath: '',
          schemaPath: '',
          message: `the contract's schema could not be compiled: ${(error as Error).message}`,
        },
      ];
    }
    if (validator(value)) return [];
    return (validator.errors ?? []).slice(0, MAX_ISSUES_PER_CHECK).map((error) => ({
      location,
      instancePath: error.instancePath,
      schemaPath: this.schemaPathOf(error),
      message: describeAjvError(error),
    }));
  }

  validateAt(schemaKey: string, value: unknown, location: string): ContractIssue[] {
    return this.validate(
      () => {
        const found = this.ajv.getSchema(schemaKey);
        if (!found) throw new Error(`no schema at ${schemaKey}`);
        return found;
      },
      value,
      location,
    );
  }

  private schemaPathOf(error: ErrorObject): string {
    const parent: unknown = error.parentSchema;
    if (isObject(parent)) {
      let pointer = this.pointerOfSchema.get(parent);
      if (pointer === undefined && !this.pointerIndexBuilt) {
        this.buildPointerIndex();
        pointer = this.pointerOfSchema.get(parent);
      }
      if (pointer !== undefined) return `#${childPointer(pointer, error.keyword)}`;
    }
    return error.schemaPath;
  }

  /** Maps every object of the document to its JSON pointer; built only once a violation needs naming. */
  private buildPointerIndex(): void {
    this.pointerIndexBuilt = true;
    const stack: Array<{ value: unknown; pointer: string }> = [{ value: this.root, pointer: '' }];
    while (stack.length > 0) {
      const { value, pointer } = stack.pop() as { value: unknown; pointer: string };
      if (typeof value !== 'object' || value === null) continue;
      if (!this.pointerOfSchema.has(value)) this.pointerOfSchema.set(value, pointer);
      for (const [key, child] of Object.entries(value)) {
        if (typeof child === 'object' && child !== null)
          stack.push({ value: child, pointer: childPointer(pointer, key) });
      }
    }
  }
}

function pickMedia(media: MediaSpec[], contentType: string | undefined): MediaSpec | undefined {
  return media.find((candidate) => mediaTypeAccepts(candidate.type, contentType));
}

function headerValues(headers: IncomingHttpHeaders, name: string): string[] {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function issue(location: string, message: string): ContractIssue {
  return { location, instancePath: '', schemaPath: '', message };
}

/** A loaded contract as served under one base path. Obtain with {@link loadContract}. */
export class Contract {
  readonly operations: readonly ContractOperation[];
  private readonly entryOf = new WeakMap<ContractOperation, OperationEntry>();

  constructor(
    private readonly document: ContractDocument,
    /** Path prefix every contract path is served under ('' or e.g. `/api/v2`). */
    readonly basePath: string,
  ) {
    this.operations = document.entries.map((entry) => {
      const operation: ContractOperation = {
        method: entry.method,
        path: basePath + entry.template.template,
        template: entry.template.template,
        operationId: entry.operationId,
        label: `${entry.method} ${basePath}${entry.template.template}${entry.operationId ? ` (${entry.operationId})` : ''}`,
      };
      this.entryOf.set(operation, entry);
      return operation;
    });
  }

  get file(): string {
    return this.document.file;
  }

  get version(): SpecVersion {
    return this.document.version;
  }

  get title(): string {
    return this.document.title;
  }

  /** Things in the document the checks cannot enforce (e.g. non-JavaScript regex patterns). */
  get notes(): readonly string[] {
    return this.document.notes;
  }

  private relative(path: string): string | undefined {
    if (this.basePath === '') return path;
    if (!path.startsWith(this.basePath)) return undefined;
    const rest = path.slice(this.basePath.length);
    return rest === '' ? '/' : rest;
  }

  private entry(operation: ContractOperation): OperationEntry {
    const found = this.entryOf.get(operation);
    if (!found)
      throw new Error(`operation ${operation.label} does not belong to contract ${this.file}`);
    return found;
  }

  /** The operation serving `method` on a concrete (raw) path, if the contract has one. */
  match(method: string, path: string): ContractOperation | undefined {
    const relative = this.relative(path);
    if (relative === undefined) return undefined;
    const upper = method.toUpperCase();
    return this.operations.find(
      (operation) =>
        operation.method === upper && this.entry(operation).template.regex.test(relative),
    );
  }

  /** Methods the contract declares for the most specific template matching a concrete path ([] = unknown path). */
  methodsAt(path: string): string[] {
    const relative = this.relative(path);
    if (relative === undefined) return [];
    const first = this.operations.find((operation) =>
      this.entry(operation).template.regex.test(relative),
    );
    if (!first) return [];
    const shape = this.entry(first).template.shape;
    return this.operations
      .filter((operation) => this.entry(operation).template.shape === shape)
      .map((operation) => operation.method);
  }

  /** The operation declared for a template (parameter names may differ), e.g. `find('DELETE', '/api/v2/silence/{id}')`. */
  find(method: string, pathTemplate: string): ContractOperation | undefined {
    const relative = this.relative(pathTemplate);
    if (relative === undefined) return undefined;
    const shape = compilePathTemplate(relative).shape;
    const upper = method.toUpperCase();
    return this.operations.find(
      (operation) => operation.method === upper && this.entry(operation).template.shape === shape,
    );
  }

  checkRequest(operation: ContractOperation, request: ContractRequest): ContractIssue[] {
    const entry = this.entry(operation);
    const details = this.document.details(entry);
    const issues: ContractIssue[] = [];
    const pathParams = matchPathTemplate(entry.template, this.relative(request.path) ?? '') ?? {};
    for (const parameter of details.parameters) {
      const location = `${parameter.location} parameter '${parameter.name}'`;
      let values: string[];
      if (parameter.location === 'path') {
        const value = pathParams[parameter.name];
        values = value === undefined ? [] : [value];
      } else if (parameter.location === 'query') {
        values = request.query.getAll(parameter.name);
      } else {
        values = headerValues(request.headers, parameter.name);
      }
      if (values.length === 0) {
        if (parameter.required) issues.push(issue(location, 'is required but missing'));
        continue;
      }
      if (parameter.shape.kind === 'skip') continue;
      issues.push(
        ...this.document.validate(
          parameter.validate,
          coerceParameter(values, parameter.shape),
          location,
        ),
      );
    }
    const body = details.body;
    if (body) {
      if (!request.hasBody) {
        if (body.required) issues.push(issue('body', 'is required but missing'));
      } else {
        const media = pickMedia(body.media, request.contentType);
        if (!media) {
          issues.push(
            issue(
              'content-type',
              `${request.contentType ?? '(none)'} is not accepted (accepted: ${body.media.map((item) => item.type).join(', ')})`,
            ),
          );
        } else if (media.schemaKey !== undefined && request.bodyIsJson) {
          issues.push(...this.document.validateAt(media.schemaKey, request.body, 'body'));
        }
      }
    }
    return issues;
  }

  /** Whether the operation declares a response for `status` (exactly, as `4XX`, or as `default`). */
  declaresStatus(operation: ContractOperation, status: number): boolean {
    const { responses } = this.document.details(this.entry(operation));
    return (
      responses.has(String(status)) ||
      responses.has(`${Math.floor(status / 100)}xx`) ||
      responses.has('default')
    );
  }

  /** Whether a local `$ref` (`#/components/schemas/...`) names a schema of this document. */
  hasSchema(ref: string): boolean {
    if (!ref.startsWith('#/')) return false;
    const pointer = this.document.follow({ $ref: ref }, '').pointer;
    return valueAt(this.document.rootDocument, pointer) !== undefined;
  }

  /** Checks a value against a schema of this document named by a local `$ref` (`#/components/schemas/...`). */
  checkSchema(ref: string, value: unknown, location = 'body'): ContractIssue[] {
    if (!this.hasSchema(ref)) throw new Error(`${this.file}: no schema at ${ref}`);
    const pointer = this.document.follow({ $ref: ref }, '').pointer;
    return this.document.validateAt(ajvKey(pointer), value, location);
  }

  checkResponse(operation: ContractOperation, response: ContractResponse): ContractIssue[] {
    const details = this.document.details(this.entry(operation));
    const media =
      details.responses.get(String(response.status)) ??
      details.responses.get(`${Math.floor(response.status / 100)}xx`) ??
      details.responses.get('default');
    if (!media) {
      return [
        issue(
          'status',
          `${response.status} is not declared (declared: ${[...details.responses.keys()].join(', ')})`,
        ),
      ];
    }
    if (media.length === 0) return [];
    if (!response.hasBody) {
      return media.some((item) => item.schemaKey !== undefined)
        ? [issue('body', `is missing; the contract declares one for status ${response.status}`)]
        : [];
    }
    const chosen = pickMedia(media, response.contentType);
    if (!chosen) {
      return [
        issue(
          'content-type',
          `${response.contentType ?? '(none)'} is not declared for status ${response.status} (declared: ${media.map((item) => item.type).join(', ')})`,
        ),
      ];
    }
    if (
      chosen.schemaKey === undefined ||
      !response.bodyIsJson ||
      !isJsonMediaType(response.contentType)
    )
      return [];
    return this.document.validateAt(chosen.schemaKey, response.body, 'body');
  }
}

const documents = new Map<string, Promise<ContractDocument>>();
const contracts = new Map<string, Promise<Contract>>();

async function readDocument(file: string): Promise<ContractDocument> {
  const text = await readFile(file, 'utf8');
  // The YAML parser is loaded only for YAML specs: most specs are JSON and it costs memory.
  const parsed: unknown = /\.ya?ml$/i.test(file)
    ? (await import('yaml')).parse(text)
    : JSON.parse(text);
  if (!isObject(parsed)) throw new Error(`${file}: not an OpenAPI document`);
  return new ContractDocument(file, parsed);
}

function resolveSpecFile(specFile: string): string {
  if (existsSync(specFile) || specFile.includes('/') || specFile.includes('\\'))
    return resolve(specFile);
  return specPath(specFile);
}

/**
 * Loads an OpenAPI 2.0/3.0/3.1 document (JSON or YAML) once per file and returns its contract.
 * `specFile` is a path, or a bare file name of the handbook specs folder (see {@link specPath}).
 * `basePath` overrides where the contract's paths are served: by default the Swagger 2.0
 * `basePath`, or the path of the first OpenAPI 3 server URL (variables at their defaults).
 */
export function loadContract(
  specFile: string,
  opts: { basePath?: string } = {},
): Promise<Contract> {
  const file = resolveSpecFile(specFile);
  const basePathKey =
    opts.basePath === undefined ? '\u0000default' : normalizeBasePath(opts.basePath);
  const contractKey = `${file}\u0000${basePathKey}`;
  const cachedContract = contracts.get(contractKey);
  if (cachedContract) return cachedContract;
  let document = documents.get(file);
  if (!document) {
    document = readDocument(file);
    documents.set(file, document);
    document.catch(() => documents.delete(file));
  }
  const contract = document.then(
    (loaded) =>
      new Contract(
        loaded,
        opts.basePath === undefined ? loaded.defaultBasePath : normalizeBasePath(opts.basePath),
      ),
  );
  contracts.set(contractKey, contract);
  contract.catch(() => contracts.delete(contractKey));
  return contract;
}
