// Errors as the API server sends them: `Status` objects (kind Status, status Failure, a reason
// such as NotFound/Forbidden/Conflict/Invalid, the HTTP code and details), with the messages the
// real apiserver writes, so clients that branch on `reason` or `code` behave as against a cluster.

import { qualifiedName, type ResourceType } from './model.js';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
}

export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** Thrown by handlers and controllers; the route wrapper turns it into a `Status` answer. */
export class KubeError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): StatusObject {
    return failureStatus(this.code, this.reason, this.message, this.details);
  }
}

export function failureStatus(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
): StatusObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

export function successStatus(resource: ResourceType, name: string, uid: string): StatusObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: {
      name,
      ...(resource.group ? { group: resource.group } : {}),
      kind: resource.plural,
      uid,
    },
    code: 200,
  };
}

function details(resource: ResourceType, name?: string): StatusDetails {
  return {
    ...(name !== undefined ? { name } : {}),
    ...(resource.group ? { group: resource.group } : {}),
    kind: resource.plural,
  };
}

export function notFound(resource: ResourceType, name: string): KubeError {
  return new KubeError(
    404,
    'NotFound',
    `${qualifiedName(resource)} "${name}" not found`,
    details(resource, name),
  );
}

export function namespaceNotFound(namespace: string): KubeError {
  return new KubeError(404, 'NotFound', `namespaces "${namespace}" not found`, {
    name: namespace,
    kind: 'namespaces',
  });
}

export function alreadyExists(resource: ResourceType, name: string): KubeError {
  return new KubeError(
    409,
    'AlreadyExists',
    `${qualifiedName(resource)} "${name}" already exists`,
    details(resource, name),
  );
}

export function conflict(resource: ResourceType, name: string): KubeError {
  return new KubeError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedName(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    details(resource, name),
  );
}

export interface FieldError {
  field: string;
  /** `FieldValueInvalid`, `FieldValueRequired`, `FieldValueForbidden`, ... */
  type: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden';
  /** As printed after the field: `Invalid value: -1: must be greater than or equal to 0`. */
  detail: string;
}

/** 422 Invalid, worded like the apiserver: `Deployment.apps "radarr" is invalid: spec.replicas: Invalid value: ...`. */
export function invalid(
  kind: string,
  group: string,
  name: string,
  errors: FieldError[],
): KubeError {
  const qualified = group ? `${kind}.${group}` : kind;
  const described = errors.map((error) => `${error.field}: ${error.detail}`);
  const summary = described.length === 1 ? described[0] : `[${described.join(', ')}]`;
  return new KubeError(422, 'Invalid', `${qualified} "${name}" is invalid: ${summary}`, {
    name,
    ...(group ? { group } : {}),
    kind,
    causes: errors.map((error) => ({
      reason: error.type,
      message: error.detail,
      field: error.field,
    })),
  });
}

export function badRequest(message: string): KubeError {
  return new KubeError(400, 'BadRequest', message);
}

export function forbidden(
  username: string,
  verb: string,
  resource: ResourceType,
  subresource: string | undefined,
  namespace: string | undefined,
  name: string | undefined,
): KubeError {
  const scope =
    namespace === undefined ? 'at the cluster scope' : `in the namespace "${namespace}"`;
  const target = subresource ? `${resource.plural}/${subresource}` : resource.plural;
  const subject = name === undefined ? target : `${target} "${name}"`;
  return new KubeError(
    403,
    'Forbidden',
    `${subject} is forbidden: User "${username}" cannot ${verb} resource "${target}" in API group "${resource.group}" ${scope}`,
    details(resource, name),
  );
}

export function unauthorizedStatus(): StatusObject {
  return failureStatus(401, 'Unauthorized', 'Unauthorized');
}
