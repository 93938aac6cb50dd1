// The privacy exit point: what may not leave the house never reaches a model, placeholders are
// stable within a triage and restored before a tool runs, and never-send patterns stop the call.
import { describe, expect, it } from 'vitest';
import { Anonymizer, NeverSendError } from '../src/privacy/anonymizer.js';

const CANARY = 'canary-k8s-token-9f2e41aa';
/** Shaped like an Anthropic key (built here, so no key-like string is committed). */
const FAKE_ANTHROPIC_KEY = ['sk', 'ant', 'api03', 'A'.repeat(24)].join('-');

describe('Anonymizer', () => {
  it('replaces configured secrets, tokens, keys, private IPs, e-mails and phone numbers', () => {
    const anonymizer = new Anonymizer({ secrets: [CANARY] });
    const log = [
      `2026-11-26 level=error msg="auth failed" token=${CANARY}`,
      'GET http://192.168.1.40:8989/api/v3/series?apikey=0f4d3c2b1a09f8e7d6c5b4a3f2e1d0c9 from 10.0.0.12',
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXBhcnQ',
      'notify owner@example.org or +31 6 1234 5678; password: hunter2hunter2',
      `key ${FAKE_ANTHROPIC_KEY} and public 8.8.8.8 stays`,
    ].join('\n');
    const { text, report } = anonymizer.anonymize(log);
    for (const leaked of [
      CANARY,
      '192.168.1.40',
      '10.0.0.12',
      '0f4d3c2b1a09f8e7d6c5b4a3f2e1d0c9',
      'eyJhbGciOiJIUzI1NiJ9',
      'owner@example.org',
      '1234 5678',
      'hunter2hunter2',
      'sk-ant-api03',
    ]) {
      expect(text).not.toContain(leaked);
    }
    expect(text).toContain('8.8.8.8');
    expect(text).toContain('<IP_1>');
    expect(report.replaced).toEqual({ SECRET: 5, IP: 2, EMAIL: 1, PHONE: 1 });
    expect(JSON.stringify(report)).not.toContain(CANARY);
  });

  it('uses stable placeholders and restores them in tool arguments before a tool runs', () => {
    const anonymizer = new Anonymizer();
    const first = anonymizer.anonymize('radarr at 192.168.1.40 is down').text;
    const second = anonymizer.anonymize('ping 192.168.1.40 and 192.168.1.41').text;
    expect(first).toBe('radarr at <IP_1> is down');
    expect(second).toBe('ping <IP_1> and <IP_2>');
    expect(
      anonymizer.restore({ host: '<IP_2>', targets: ['<IP_1>', 'x'], unknown: '<IP_9>', n: 3 }),
    ).toEqual({
      host: '192.168.1.41',
      targets: ['192.168.1.40', 'x'],
      unknown: '<IP_9>',
      n: 3,
    });
  });

  it('stops the call when a never-send pattern matches', () => {
    const anonymizer = new Anonymizer({ neverSend: ['camera\\.bedroom', 'medical'] });
    expect(() => anonymizer.anonymize('motion on camera.bedroom at 02:00')).toThrow(NeverSendError);
    expect(() => anonymizer.anonymize('motion on camera.bedroom at 02:00')).toThrow(
      /never-send pattern \(camera\\\.bedroom\)/,
    );
    expect(anonymizer.anonymize('kitchen light on').text).toBe('kitchen light on');
  });
});
