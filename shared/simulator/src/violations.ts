// The record of a request or response that broke an upstream's contract, and its wording.
// Why: a violation must fail the test that caused it with a message that says which upstream,
// which operation, which value and which rule of the contract, without re-running anything.

import type { ContractIssue } from './contract.js';

export interface ContractViolation {
  /** The upstream's name (`alertmanager`). */
  upstream: string;
  /** `request`: the client broke the contract; `response`: the simulator's handler did. */
  direction: 'request' | 'response';
  method: string;
  /** The concrete request path (without query). */
  path: string;
  /** The operation's label (`GET /api/v2/silences (getSilences)`), or what was missing. */
  operation: string;
  /** Status answered to the client. */
  status: number;
  issues: ContractIssue[];
  /** Human-readable summary of all of the above. */
  message: string;
}

export function describeIssue(issue: ContractIssue): string {
  const where =
    issue.instancePath === '' ? issue.location : `${issue.location} ${issue.instancePath}`;
  const rule = issue.schemaPath === '' ? '' : ` (schema ${issue.schemaPath})`;
  return `${where}: ${issue.message}${rule}`;
}

export function createViolation(fields: Omit<ContractViolation, 'message'>): ContractViolation {
  const lines = fields.issues.map((issue) => `    - ${describeIssue(issue)}`);
  const message =
    `${fields.upstream}: ${fields.direction} ${fields.method} ${fields.path} (answered ${fields.status}) ` +
    `broke the contract of ${fields.operation}:\n${lines.join('\n')}`;
  return { ...fields, message };
}
