// Mattermost's error answer (`AppError`: id, message, detailed_error, request_id, status_code).
// Why a module of its own: every route, the auth check and the click flow answer errors in this
// one shape, which the framework checks against the spec's `AppError` schema.

import { randomUUID } from 'node:crypto';
import type { SimResponse } from '../../types.js';

export function appError(status: number, id: string, message: string): SimResponse {
  return {
    status,
    body: {
      id,
      message,
      detailed_error: '',
      request_id: randomUUID().replaceAll('-', '').slice(0, 26),
      status_code: status,
    },
  };
}
