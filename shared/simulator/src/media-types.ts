// Media-type matching for request and response bodies.
// Why: contracts list media types with wildcards (`*/*`, `application/*+json`) and real clients
// add parameters (`; charset=utf-8`); both the contract checks and the body parser need one
// shared notion of "is this JSON" and "is this type accepted".

/** `Application/JSON; charset=utf-8` -> `application/json`. */
export function baseMediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const base = contentType.split(';')[0]?.trim().toLowerCase();
  return base === '' ? undefined : base;
}

export function isJsonMediaType(contentType: string | undefined): boolean {
  const base = baseMediaType(contentType);
  return base !== undefined && (base.endsWith('/json') || base.endsWith('+json'));
}

function wildcardPattern(declared: string): RegExp {
  const escaped = declared.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*');
  return new RegExp(`^${escaped}$`);
}

/** Whether a declared media type (possibly with wildcards) accepts an actual content type. */
export function mediaTypeAccepts(declared: string, actual: string | undefined): boolean {
  const declaredBase = baseMediaType(declared);
  const actualBase = baseMediaType(actual);
  if (declaredBase === undefined || declaredBase === '*/*') return true;
  if (actualBase === undefined) return false;
  if (declaredBase === actualBase) return true;
  return declaredBase.includes('*') && wildcardPattern(declaredBase).test(actualBase);
}
