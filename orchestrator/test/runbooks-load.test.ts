// Loading runbook files is loading untrusted input: every bad file becomes a problem naming the
// file and the field, in plain words, while the good files beside it still load; nothing throws.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadRunbooks, parseDuration, parseRunbook } from '../src/runbooks/index.js';

function valid(id = 'radarr-memory-pressure-001'): Record<string, unknown> {
  return {
    id,
    title: 'Radarr is running out of memory',
    created: '2025-12-21',
    trigger: {
      source: 'alertmanager',
      alertname: 'KubePodOOMKilled',
      labels: { namespace: 'media', pod: '~radarr-.*' },
    },
    solutions: [
      {
        id: 'increase_memory',
        title: 'Raise the memory limit of {{labels.namespace}}/radarr to 2Gi',
        impact: 'radarr restarts once',
        risk: 'low',
        reversible: true,
        calls: [
          {
            tool: 'infrastructure__set_container_resources',
            arguments: {
              namespace: '{{labels.namespace}}',
              name: 'radarr',
              limits: { memory: '2Gi' },
            },
          },
        ],
      },
    ],
    promotion_criteria: { blast_radius: 'single_pod' },
  };
}

/** The problems of one runbook, given as an object changed by `edit`, as formatted strings. */
function problemsOf(edit: (runbook: Record<string, unknown>) => void): string[] {
  const runbook = valid();
  edit(runbook);
  return parseRunbook(stringify(runbook), 'radarr.yaml').problems.map(formatProblem);
}

function solution(runbook: Record<string, unknown>): Record<string, unknown> {
  return (runbook.solutions as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
}

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'runbooks-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('loadRunbooks', () => {
  it('loads a valid file with its defaults filled in', () => {
    const { runbooks, problems, files } = loadRunbooks(
      folder({ 'radarr.yaml': stringify(valid()) }),
    );
    expect(problems).toEqual([]);
    expect(files.get('radarr-memory-pressure-001')).toBe('radarr.yaml');
    expect(runbooks).toHaveLength(1);
    expect(runbooks[0]).toMatchObject({
      automation_level: 'ask_human',
      approval_ttl: '1h',
      promotion_criteria: { min_approvals: 5, min_success_rate: 0.95, blast_radius: 'single_pod' },
      solutions: [{ human_selected: 0 }],
    });
    expect(runbooks[0]?.solutions[0]).not.toHaveProperty('success_rate');
  });

  it('reports a bad file by file and field while the others still load', () => {
    const bad = valid('bad-risk');
    solution(bad).risk = 'lowish';
    const dir = folder({
      'a-good.yaml': stringify(valid('good-one')),
      'b-bad.yaml': stringify(bad),
      'c-good.yml': stringify(valid('good-two')),
      'notes.txt': 'not a runbook',
    });
    const { runbooks, problems } = loadRunbooks(dir);
    expect(runbooks.map((r) => r.id)).toEqual(['good-one', 'good-two']);
    expect(problems.map(formatProblem)).toEqual([
      'b-bad.yaml: solutions.0.risk: expected one of read|low|high',
    ]);
    expect(problems[0]).toEqual({
      file: 'b-bad.yaml',
      path: 'solutions.0.risk',
      message: 'expected one of read|low|high',
    });
  });

  it('reports YAML syntax errors with the line, and keeps the first of two files with one id', () => {
    const dir = folder({
      'a.yaml': stringify(valid('same-id')),
      'b.yaml': stringify(valid('same-id')),
      'broken.yaml': 'id: x\ntrigger: { alertname: [unclosed\n',
      'twice.yaml': 'id: a\nid: b\n',
      'two-docs.yaml': `${stringify(valid('doc-one'))}---\n${stringify(valid('doc-two'))}`,
    });
    const { runbooks, problems, files } = loadRunbooks(dir);
    expect(runbooks.map((r) => r.id)).toEqual(['same-id']);
    expect(files.get('same-id')).toBe('a.yaml');
    const messages = problems.map(formatProblem);
    expect(messages).toContain(
      'b.yaml: id: duplicate id same-id (already used by a.yaml); this file is ignored',
    );
    expect(messages.find((m) => m.startsWith('broken.yaml: '))).toMatch(
      /^broken\.yaml: invalid YAML: .* at line \d+, column \d+:$/,
    );
    expect(messages).toContain(
      'twice.yaml: invalid YAML: Map keys must be unique at line 2, column 1:',
    );
    expect(messages.find((m) => m.startsWith('two-docs.yaml: '))).toMatch(
      /^two-docs\.yaml: invalid YAML: Source contains multiple documents/,
    );
  });

  it('refuses unknown keys anywhere (typos), naming the key', () => {
    expect(
      problemsOf((r) => {
        r.automaton_level = 'auto';
        solution(r).riks = 'low';
        (r.trigger as Record<string, unknown>).lables = {};
        (r.promotion_criteria as Record<string, unknown>).min_aprovals = 3;
      }),
    ).toEqual([
      'radarr.yaml: trigger.lables: unknown key',
      'radarr.yaml: solutions.0.riks: unknown key',
      'radarr.yaml: promotion_criteria.min_aprovals: unknown key',
      'radarr.yaml: automaton_level: unknown key',
    ]);
  });

  it('names missing fields, wrong types and out-of-range values', () => {
    expect(
      problemsOf((r) => {
        delete r.created;
        delete solution(r).impact;
        solution(r).reversible = 'yes';
        solution(r).success_rate = 1.5;
        solution(r).human_selected = 2.5;
        solution(r).calls = [];
        (r.promotion_criteria as Record<string, unknown>).blast_radius = 'galaxy';
      }),
    ).toEqual([
      'radarr.yaml: created: required',
      'radarr.yaml: solutions.0.impact: required',
      'radarr.yaml: solutions.0.reversible: expected boolean, got string',
      'radarr.yaml: solutions.0.calls: expected at least 1 item',
      'radarr.yaml: solutions.0.human_selected: expected an integer, got number',
      'radarr.yaml: solutions.0.success_rate: expected at most 1',
      'radarr.yaml: promotion_criteria.blast_radius: expected one of single_pod|single_workload|namespace|cluster',
    ]);
    expect(problemsOf((r) => (r.created = '2025-13-45'))).toEqual([
      'radarr.yaml: created: expected a date like 2025-12-21',
    ]);
    expect(problemsOf((r) => (r.id = 'Radarr Memory'))).toEqual([
      'radarr.yaml: id: expected lower case letters, digits and -',
    ]);
  });

  it('checks tool names, durations and regexes', () => {
    expect(
      problemsOf((r) => {
        (solution(r).calls as Array<Record<string, unknown>>)[0]!.tool = 'set_container_resources';
        r.approval_ttl = '30 minutes';
        (r.trigger as Record<string, unknown>).labels = { pod: '~radarr-(' };
      }),
    ).toEqual([
      'radarr.yaml: trigger.labels.pod: invalid regular expression: Invalid regular expression: /^(?:radarr-()$/u: Unterminated group',
      'radarr.yaml: solutions.0.calls.0.tool: expected a namespaced tool name like infrastructure__restart_deployment',
      'radarr.yaml: approval_ttl: expected a duration like 90s, 30m, 1h or 1h30m',
    ]);
    expect(problemsOf((r) => (r.approval_ttl = '0m'))).toEqual([
      'radarr.yaml: approval_ttl: expected a duration above 0 and at most 30d',
    ]);
    expect(problemsOf((r) => (r.trigger = { source: 'alertmanager' }))).toEqual([
      'radarr.yaml: trigger: expected alertname or at least one label: a trigger must not match everything',
    ]);
    expect(
      problemsOf(
        (r) => (r.trigger = { alertname: 'X', labels: { 'app.kubernetes.io/name': 'x' } }),
      ),
    ).toEqual([
      'radarr.yaml: trigger.labels.app.kubernetes.io/name: invalid key: expected a label name like namespace or pod',
    ]);
  });

  it('checks templates when loading: known variables, paired braces, regex groups', () => {
    expect(
      problemsOf((r) => {
        solution(r).title = 'Raise {{label.namespace}}';
        solution(r).impact = 'restarts {{labels.pod}';
        (solution(r).calls as Array<Record<string, unknown>>)[0]!.arguments = {
          namespace: 'media',
          name: 'radarr',
          limits: { memory: '{{ annotations.limit }}', cpu: ['{{nope}}'] },
        };
      }),
    ).toEqual([
      'radarr.yaml: solutions.0.title: unknown template variable {{label.namespace}} (use alertname, severity, labels.<name>, annotations.<name> or match.<group>)',
      'radarr.yaml: solutions.0.impact: unpaired {{ or }} (a template is written {{labels.name}})',
      'radarr.yaml: solutions.0.calls.0.arguments.limits.cpu.0: unknown template variable {{nope}} (use alertname, severity, labels.<name>, annotations.<name> or match.<group>)',
    ]);
    expect(problemsOf((r) => (solution(r).title = 'Restart {{match.workload}}'))).toEqual([
      'radarr.yaml: solutions.0.title: {{match.workload}} names no (?<workload>...) group of the trigger',
    ]);
    expect(
      problemsOf((r) => {
        (r.trigger as Record<string, unknown>).alertname = '~(?<app>Kube).*';
        (r.trigger as Record<string, unknown>).labels = { pod: '~(?<app>[a-z]+)-.*' };
      }),
    ).toEqual([
      'radarr.yaml: trigger.labels.pod: regex group app is also captured by trigger.alertname',
    ]);
  });

  it('checks solutions: unique ids, rollback only when reversible, no dryRun, reserved keys', () => {
    expect(
      problemsOf((r) => {
        r.solutions = [solution(r), { ...solution(r) }];
      }),
    ).toEqual([
      'radarr.yaml: solutions.1.id: duplicate solution id increase_memory (also solutions.0)',
    ]);
    expect(
      problemsOf((r) => {
        solution(r).reversible = false;
        solution(r).rollback = [
          {
            tool: 'infrastructure__rollout_undo',
            arguments: { namespace: 'media', name: 'radarr' },
          },
        ];
      }),
    ).toEqual([
      'radarr.yaml: solutions.0.rollback: rollback calls are given but reversible is false',
    ]);
    expect(
      problemsOf((r) => {
        (solution(r).calls as Array<Record<string, unknown>>)[0]!.arguments = {
          namespace: 'media',
          dryRun: true,
          nested: { constructor: 1 },
        };
      }),
    ).toEqual([
      'radarr.yaml: solutions.0.calls.0.arguments.nested.constructor: reserved key constructor',
      'radarr.yaml: solutions.0.calls.0.arguments.dryRun: dryRun is set by the orchestrator (for previews), not by a runbook',
    ]);
    const proto = parseRunbook(
      stringify(valid()).replace('limits:', '__proto__: { polluted: true }\n          limits:'),
      'proto.yaml',
    );
    expect(proto.problems.map(formatProblem)).toEqual([
      'proto.yaml: solutions.0.calls.0.arguments.__proto__: reserved key __proto__',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('checks verify: one form, one operator, durations', () => {
    const verify = (value: unknown) => problemsOf((r) => (solution(r).verify = value));
    expect(verify({ alert_resolved: '10m' })).toEqual([]);
    expect(
      verify({
        tool: 'infrastructure__rollout_status',
        arguments: { namespace: '{{labels.namespace}}', name: 'radarr' },
        expect: { path: 'complete', equals: true },
        within: '5m',
      }),
    ).toEqual([]);
    expect(verify({ alert_resolved: '10m', tool: 'infrastructure__rollout_status' })).toEqual([
      'radarr.yaml: solutions.0.verify.tool: unknown key',
    ]);
    expect(verify({ alert_resolved: '10m', within: '5m' })).toEqual([
      'radarr.yaml: solutions.0.verify.within: unknown key',
    ]);
    expect(
      verify({
        tool: 'infrastructure__rollout_status',
        expect: { path: 'ready', at_least: 1, at_most: 2 },
      }),
    ).toEqual([
      'radarr.yaml: solutions.0.verify.expect: expected exactly one of equals, at_least, at_most, matches (got at_least, at_most)',
    ]);
    expect(
      verify({
        tool: 'infrastructure__rollout_status',
        expect: { path: 'ready', equals: { a: 1 } },
      }),
    ).toEqual([
      'radarr.yaml: solutions.0.verify.expect.equals: expected string or number or boolean or null, got object',
    ]);
    expect(
      verify({ tool: 'infrastructure__rollout_status', expect: { path: 'a..b', matches: '(' } }),
    ).toEqual([
      'radarr.yaml: solutions.0.verify.expect.path: expected a dotted path like replicas.ready or conditions.0.status',
      'radarr.yaml: solutions.0.verify.expect.matches: invalid regular expression: Invalid regular expression: /(/: Unterminated group',
    ]);
    expect(verify('10m')).toEqual(['radarr.yaml: solutions.0.verify: expected object, got string']);
  });

  it('survives hostile files: empty, not a mapping, alias bombs, deep nesting, huge', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${'b'.repeat(i + 1)}: &${'b'.repeat(i + 1)} [${Array(10)
          .fill(`*${i === 0 ? 'a' : 'b'.repeat(i)}`)
          .join(', ')}]`,
      );
    const dir = folder({
      'empty.yaml': '',
      'list.yaml': '- id: x\n',
      'scalar.yaml': 'just text\n',
      'bomb.yaml': `${bomb.join('\n')}\n`,
      'deep.yaml': `id: ${'['.repeat(200)}${']'.repeat(200)}\n`,
      'huge.yaml': `description: "${'x'.repeat(300 * 1024)}"\n`,
      'good.yaml': stringify(valid()),
    });
    mkdirSync(join(dir, 'folder.yaml'));
    const { runbooks, problems } = loadRunbooks(dir);
    expect(runbooks.map((r) => r.id)).toEqual(['radarr-memory-pressure-001']);
    const byFile = Object.fromEntries(problems.map((p) => [p.file, formatProblem(p)]));
    expect(byFile).toEqual({
      'empty.yaml': 'empty.yaml: the file is empty',
      'list.yaml': 'list.yaml: expected object, got array',
      'scalar.yaml': 'scalar.yaml: expected object, got string',
      'bomb.yaml': expect.stringMatching(/^bomb\.yaml: invalid YAML: Excessive alias count/),
      'deep.yaml':
        'deep.yaml: id.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0: nested deeper than 32 levels',
      'huge.yaml': 'huge.yaml: larger than 262144 bytes',
    });
  });

  it('reports a folder it cannot read instead of throwing', () => {
    const missing = join(tmpdir(), 'no-such-runbooks-folder-5c1e');
    const { runbooks, problems } = loadRunbooks(missing);
    expect(runbooks).toEqual([]);
    expect(problems).toEqual([
      {
        file: missing,
        path: '',
        message: expect.stringMatching(/^cannot read the runbook folder: ENOENT/),
      },
    ]);
  });
});

describe('parseDuration', () => {
  it('parses the units people write and refuses anything else', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('0m')).toBe(0);
    for (const bad of [
      '',
      '30',
      'm',
      '1.5h',
      '-1h',
      '1 h',
      '1H',
      '30min',
      ' 1h',
      '1h ',
      '9999999s',
    ])
      expect(parseDuration(bad), bad).toBeUndefined();
    expect(parseDuration(42 as unknown as string)).toBeUndefined();
  });
});
