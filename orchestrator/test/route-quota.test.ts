// Model routing without a model (the seed's keyword classifier) and quotas from the ledger: an
// exhausted alias falls back along the chain, failed attempts are skipped, warnings come at the
// alert threshold, and old calls stop counting.
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUOTAS, modelOrder, quotaState, recordLlmCall } from '../src/llm/quota.js';
import { classifyQuery, routeQuery } from '../src/plan/route.js';
import { openDatabase } from '../src/store/database.js';

describe('routeQuery', () => {
  it.each([
    ['Is this a problem? radarr restarted 6 times', 'triage', 'gemini-flash'],
    ['How to fix the OOMKilled radarr pod', 'solution', 'gemini-pro'],
    ['Write a script to rotate the backups', 'code', 'gemini-pro'],
    ['Write the firewall rule for the IoT VLAN', 'code_critical', 'claude-sonnet'],
    ['Should we migrate the cluster to Talos?', 'architecture', 'claude-opus'],
    ['Compare Longhorn and Ceph for this homelab', 'complex', 'gemini-thinking'],
    ['Weekly summary please', 'default', 'gemini-flash'],
  ])('%s → %s', (query, type, alias) => {
    expect(routeQuery(query)).toEqual({ type, alias });
  });

  it('matches whole words, not fragments (decode is not code)', () => {
    expect(classifyQuery('decode this base64 string')).toBe('default');
  });
});

describe('quotas', () => {
  const call = {
    alias: 'claude-opus',
    model: 'claude-opus-4-5',
    provider: 'anthropic',
    inputTokens: 1000,
    outputTokens: 200,
    costUsd: 0.03,
    outcome: 'ok',
  } as const;

  it('falls back along the chain once an alias is exhausted, and warns at the threshold', () => {
    const db = openDatabase(':memory:');
    const now = new Date('2026-11-26T12:00:00Z');
    expect(modelOrder(db, 'claude-opus', DEFAULT_QUOTAS, [], now)).toEqual([
      'claude-opus',
      'gemini-thinking',
      'gemini-pro',
      'gemini-flash',
    ]);
    for (let i = 0; i < 3; i++) recordLlmCall(db, call, now);
    expect(quotaState(db, 'claude-opus', DEFAULT_QUOTAS, now)).toMatchObject({
      daily: 3,
      exhausted: false,
      warn: true,
    });
    for (let i = 0; i < 2; i++) recordLlmCall(db, call, now);
    expect(quotaState(db, 'claude-opus', DEFAULT_QUOTAS, now)).toMatchObject({
      daily: 5,
      exhausted: true,
    });
    expect(modelOrder(db, 'claude-opus', DEFAULT_QUOTAS, [], now)).toEqual([
      'gemini-thinking',
      'gemini-pro',
      'gemini-flash',
    ]);
    expect(modelOrder(db, 'claude-opus', DEFAULT_QUOTAS, ['gemini-thinking'], now)).toEqual([
      'gemini-pro',
      'gemini-flash',
    ]);
  });

  it('counts only the last day for the daily limit and the last week for the weekly one', () => {
    const db = openDatabase(':memory:');
    const now = new Date('2026-11-26T12:00:00Z');
    for (let i = 0; i < 5; i++) recordLlmCall(db, call, new Date('2026-11-24T12:00:00Z'));
    expect(quotaState(db, 'claude-opus', DEFAULT_QUOTAS, now)).toMatchObject({
      daily: 0,
      weekly: 5,
      exhausted: false,
    });
    for (let i = 0; i < 15; i++) recordLlmCall(db, call, new Date('2026-11-23T12:00:00Z'));
    expect(quotaState(db, 'claude-opus', DEFAULT_QUOTAS, now)).toMatchObject({
      weekly: 20,
      exhausted: true,
    });
    expect(
      quotaState(db, 'claude-opus', DEFAULT_QUOTAS, new Date('2026-12-10T12:00:00Z')),
    ).toMatchObject({ weekly: 0, exhausted: false });
  });

  it('does not count calls refused for quota against the quota', () => {
    const db = openDatabase(':memory:');
    const now = new Date('2026-11-26T12:00:00Z');
    for (let i = 0; i < 10; i++) recordLlmCall(db, { ...call, outcome: 'quota' }, now);
    expect(quotaState(db, 'claude-opus', DEFAULT_QUOTAS, now).daily).toBe(0);
  });
});
