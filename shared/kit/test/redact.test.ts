import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { Redactor } from '../src/redact.js';

describe('Redactor', () => {
  it('replaces registered secrets anywhere in strings and nested values', () => {
    const redactor = new Redactor();
    redactor.add('canary-7f3a9', 'ab', undefined);
    expect(redactor.size).toBe(1);
    expect(redactor.redactString('url?token=canary-7f3a9&x=1')).toBe('url?token=[REDACTED]&x=1');
    expect(redactor.redact({ a: ['x canary-7f3a9 y'], b: { c: 'canary-7f3a9' }, n: 3 })).toEqual({
      a: ['x [REDACTED] y'],
      b: { c: '[REDACTED]' },
      n: 3,
    });
  });

  it('masks values under secret-looking keys and bearer credentials', () => {
    const redactor = new Redactor();
    expect(
      redactor.redact({ headers: { Authorization: 'whatever', apiKey: 'k', name: 'ok' } }),
    ).toEqual({
      headers: { Authorization: '[REDACTED]', apiKey: '[REDACTED]', name: 'ok' },
    });
    expect(redactor.redactString('sent Bearer eyJhbGciOiJIUzI1NiJ9.x.y to it')).toBe(
      'sent Bearer [REDACTED] to it',
    );
  });

  it('keeps secrets out of every log line', () => {
    const redactor = new Redactor();
    redactor.add('canary-secret-42');
    const lines: string[] = [];
    const log = createLogger({ level: 'info', redactor, write: (l) => lines.push(l) });
    log.debug('hidden by level', { x: 1 });
    log.info('calling upstream with canary-secret-42', {
      url: 'http://h/?k=canary-secret-42',
      token: 'canary-secret-42',
    });
    log.child({ component: 'x' }).error('failed', { error: new Error('canary-secret-42').message });
    expect(lines).toHaveLength(2);
    expect(lines.join('')).not.toContain('canary-secret-42');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      level: 'info',
      msg: 'calling upstream with [REDACTED]',
      token: '[REDACTED]',
    });
    expect(JSON.parse(lines[1] ?? '{}')).toMatchObject({ component: 'x', level: 'error' });
  });
});
