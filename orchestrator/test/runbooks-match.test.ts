// Matching runbooks to incidents without a model: exact and ~regex conditions, source and
// alertname, most specific first, templates filled at any depth, and a runbook whose templates
// cannot be filled skipped with the reason, never rendered with an empty or literal argument.
import { describe, expect, it } from 'vitest';
import { callsHash } from '../src/execute/executor.js';
import type { IncidentContext } from '../src/incidents/context.js';
import type { RunbookCandidate } from '../src/pipeline.js';
import { matchRunbooks, parseRunbook, type Runbook } from '../src/runbooks/index.js';

function runbook(
  id: string,
  trigger: Record<string, unknown>,
  solution: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Runbook {
  const parsed = parseRunbook(
    JSON.stringify({
      id,
      title: `Runbook ${id}`,
      created: '2026-11-26',
      trigger,
      solutions: [
        {
          id: 'restart',
          title: 'Restart {{labels.namespace}}/radarr',
          impact: 'radarr restarts',
          risk: 'low',
          reversible: true,
          calls: [
            {
              tool: 'infrastructure__restart_deployment',
              arguments: { namespace: '{{labels.namespace}}', name: 'radarr' },
            },
          ],
          ...solution,
        },
      ],
      promotion_criteria: { blast_radius: 'single_workload' },
      ...extra,
    }),
    `${id}.yaml`,
  );
  if (!parsed.runbook) throw new Error(JSON.stringify(parsed.problems));
  return parsed.runbook;
}

function incident(
  labels: Record<string, string>,
  options: {
    source?: string;
    severity?: string | null;
    alerts?: IncidentContext['alerts'];
  } = {},
): IncidentContext {
  return {
    id: 7,
    source: options.source ?? 'alertmanager',
    title: 'radarr memory',
    severity: options.severity === undefined ? 'warning' : options.severity,
    status: 'open',
    openedAt: '2026-11-26T08:00:00Z',
    labels,
    alerts: options.alerts ?? [
      {
        fingerprint: 'a1',
        alertname: labels.alertname ?? 'KubePodMemoryHigh',
        status: 'firing',
        labels,
        annotations: { summary: 'radarr uses 95% of its 1Gi memory limit', limit: '1Gi' },
        startsAt: '2026-11-26T08:00:00Z',
      },
    ],
  };
}

const radarr = incident({
  alertname: 'KubePodMemoryHigh',
  severity: 'warning',
  namespace: 'media',
  pod: 'radarr-7d9f8b6c5d-x2k4q',
});

const ids = (result: ReturnType<typeof matchRunbooks>) => result.matches.map((m) => m.runbook.id);

describe('matchRunbooks', () => {
  it('matches exact and ~regex labels (anchored, like Alertmanager)', () => {
    const runbooks = [
      runbook('exact', { labels: { namespace: 'media' } }),
      runbook('regex', { labels: { pod: '~radarr-.*' } }),
      runbook('partial-regex', { labels: { pod: '~radarr' } }),
      runbook('other-namespace', { labels: { namespace: 'home' } }),
      runbook('missing-label', { labels: { container: '~.*' } }),
      runbook('case', { labels: { namespace: 'Media' } }),
    ];
    expect(ids(matchRunbooks(runbooks, radarr))).toEqual(['exact', 'regex']);
  });

  it('matches source and alertname, exact or ~regex', () => {
    const runbooks = [
      runbook('am', { source: 'alertmanager', alertname: 'KubePodMemoryHigh' }),
      runbook('coroot', { source: 'coroot', alertname: 'KubePodMemoryHigh' }),
      runbook('alternatives', { alertname: '~KubePodOOMKilled|KubePodMemoryHigh' }),
      runbook('other-alert', { alertname: 'KubePodCrashLooping' }),
    ];
    expect(ids(matchRunbooks(runbooks, radarr))).toEqual(['am', 'alternatives']);
    expect(ids(matchRunbooks(runbooks, incident(radarr.labels, { source: 'coroot' })))).toEqual([
      'coroot',
      'alternatives',
    ]);
  });

  it('takes the alertname of the first firing alert when the alerts do not share one', () => {
    const alerts: IncidentContext['alerts'] = [
      {
        fingerprint: 'r',
        alertname: 'KubePodCrashLooping',
        status: 'resolved',
        labels: {},
        annotations: { summary: 'resolved one' },
        startsAt: '2026-11-26T07:00:00Z',
      },
      {
        fingerprint: 'f',
        alertname: 'KubePodMemoryHigh',
        status: 'firing',
        labels: {},
        annotations: { summary: 'firing one' },
        startsAt: '2026-11-26T08:00:00Z',
      },
    ];
    const result = matchRunbooks(
      [
        runbook(
          'memory',
          { alertname: 'KubePodMemoryHigh' },
          { title: '{{alertname}}: {{annotations.summary}}' },
        ),
        runbook('crash', { alertname: 'KubePodCrashLooping' }),
      ],
      incident({ namespace: 'media' }, { alerts }),
    );
    expect(ids(result)).toEqual(['memory']);
    expect(result.matches[0]?.solutions[0]?.title).toBe('KubePodMemoryHigh: firing one');
  });

  it('orders the most specific trigger first, then by id', () => {
    const runbooks = [
      runbook('b-one', { labels: { namespace: 'media' } }),
      runbook('a-one', { alertname: 'KubePodMemoryHigh' }),
      runbook('three', {
        source: 'alertmanager',
        alertname: 'KubePodMemoryHigh',
        labels: { namespace: 'media' },
      }),
      runbook('two', { alertname: 'KubePodMemoryHigh', labels: { pod: '~radarr-.*' } }),
      runbook('four', {
        source: 'alertmanager',
        alertname: '~KubePod.*',
        labels: { namespace: 'media', pod: '~radarr-.*' },
        metric: 'container_memory_usage_bytes',
        duration: '5m',
      }),
    ];
    const result = matchRunbooks(runbooks, radarr);
    expect(ids(result)).toEqual(['four', 'three', 'two', 'a-one', 'b-one']);
    expect(result.matches.map((m) => m.specificity)).toEqual([4, 3, 2, 1, 1]);
  });

  it('renders templates at any depth of calls, rollback, verify, title and impact', () => {
    const rb = runbook(
      'deep',
      {
        alertname: 'KubePodMemoryHigh',
        labels: { pod: '~(?<workload>[a-z0-9-]+)-[a-z0-9]{6,10}-[a-z0-9]{5}' },
      },
      {
        title:
          '{{ severity }}: raise {{labels.namespace}}/{{match.workload}} above {{annotations.limit}}',
        impact: '{{match.workload}} restarts ({{alertname}})',
        calls: [
          {
            tool: 'infrastructure__set_container_resources',
            arguments: {
              namespace: '{{labels.namespace}}',
              name: '{{match.workload}}',
              kind: 'deployment',
              limits: { memory: '2Gi' },
              list: [{ note: 'was {{annotations.limit}}' }, 3, true, null],
            },
          },
        ],
        rollback: [
          {
            tool: 'infrastructure__rollout_undo',
            arguments: { namespace: '{{labels.namespace}}', name: '{{match.workload}}' },
          },
        ],
        verify: {
          tool: 'infrastructure__describe_workload',
          arguments: { namespace: '{{labels.namespace}}', name: '{{match.workload}}' },
          expect: { path: 'workload.name', equals: '{{match.workload}}' },
        },
      },
      { title: '{{match.workload}} memory', approval_ttl: '45m' },
    );
    const [match] = matchRunbooks([rb], radarr).matches;
    expect(match?.title).toBe('radarr memory');
    expect(match?.approvalTtlMs).toBe(2_700_000);
    expect(match?.solutions).toEqual([
      {
        id: 'restart',
        title: 'warning: raise media/radarr above 1Gi',
        impact: 'radarr restarts (KubePodMemoryHigh)',
        risk: 'low',
        reversible: true,
        calls: [
          {
            tool: 'infrastructure__set_container_resources',
            arguments: {
              namespace: 'media',
              name: 'radarr',
              kind: 'deployment',
              limits: { memory: '2Gi' },
              list: [{ note: 'was 1Gi' }, 3, true, null],
            },
          },
        ],
        rollback: [
          {
            tool: 'infrastructure__rollout_undo',
            arguments: { namespace: 'media', name: 'radarr' },
          },
        ],
        verify: {
          tool: 'infrastructure__describe_workload',
          arguments: { namespace: 'media', name: 'radarr' },
          expect: { path: 'workload.name', equals: 'radarr' },
        },
      },
    ]);
    expect(rb.solutions[0]?.calls[0]?.arguments.name).toBe('{{match.workload}}');
  });

  it('renders the same calls (and call hash) for the same incident every time', () => {
    const rb = runbook('stable', { labels: { namespace: 'media' } });
    const first = matchRunbooks([rb], radarr).matches[0]?.solutions[0]?.calls ?? [];
    const second = matchRunbooks([rb], radarr).matches[0]?.solutions[0]?.calls ?? [];
    expect(callsHash(first)).toBe(callsHash(second));
    expect(first).toEqual([
      {
        tool: 'infrastructure__restart_deployment',
        arguments: { namespace: 'media', name: 'radarr' },
      },
    ]);
  });

  it('skips a runbook whose template names a missing or empty variable, with the reason', () => {
    const runbooks = [
      runbook(
        'needs-container',
        { labels: { namespace: 'media' } },
        {
          calls: [
            {
              tool: 'infrastructure__get_logs',
              arguments: {
                namespace: 'media',
                pod: '{{labels.pod}}',
                container: '{{labels.container}}',
              },
            },
          ],
        },
      ),
      runbook(
        'needs-annotation',
        { labels: { namespace: 'media' } },
        { impact: '{{annotations.runbook_url}}' },
      ),
      runbook('needs-severity', { labels: { namespace: 'media' } }, { title: '{{severity}}' }),
      runbook('fine', { labels: { namespace: 'media' } }),
      runbook('not-triggered', { labels: { namespace: 'home' } }, { title: '{{labels.nope}}' }),
    ];
    const result = matchRunbooks(
      runbooks,
      incident(
        { namespace: 'media', pod: 'radarr-7d9f8b6c5d-x2k4q', container: '' },
        { severity: null },
      ),
    );
    expect(ids(result)).toEqual(['fine']);
    expect(result.skipped).toEqual([
      {
        runbookId: 'needs-container',
        reason:
          'solutions.0.calls.0.arguments.container: {{labels.container}} is empty on this incident',
      },
      {
        runbookId: 'needs-annotation',
        reason: 'solutions.0.impact: {{annotations.runbook_url}} is not set on this incident',
      },
      {
        runbookId: 'needs-severity',
        reason: 'solutions.0.title: {{severity}} is not set on this incident',
      },
    ]);
  });

  it('never lets a hostile label value smuggle in a template or reach prototype properties', () => {
    const rb = runbook(
      'hostile',
      { labels: { namespace: '~.*' } },
      { title: 'restart {{labels.constructor}}' },
    );
    expect(matchRunbooks([rb], radarr)).toEqual({
      matches: [],
      skipped: [
        {
          runbookId: 'hostile',
          reason: 'solutions.0.title: {{labels.constructor}} is not set on this incident',
        },
      ],
    });
    const smuggled = matchRunbooks(
      [runbook('smuggle', { labels: { pod: '~.*' } })],
      incident({ namespace: '{{labels.pod}}', pod: 'x' }),
    );
    expect(smuggled.matches).toEqual([]);
    expect(smuggled.skipped[0]?.reason).toBe(
      'solutions.0.title: the value of {{labels.namespace}} contains template braces',
    );
  });

  it('does not run a ~regex over an overlong label value, and survives non-string labels', () => {
    const rb = runbook('long', { labels: { pod: '~radarr-.*' } });
    expect(
      ids(matchRunbooks([rb], incident({ ...radarr.labels, pod: `radarr-${'x'.repeat(2000)}` }))),
    ).toEqual([]);
    const odd = incident({ namespace: 'media' });
    (odd.labels as Record<string, unknown>).pod = 42;
    expect(matchRunbooks([rb], odd)).toEqual({ matches: [], skipped: [] });
  });

  it('reports a runbook that cannot be evaluated instead of throwing', () => {
    const broken = runbook('broken', { labels: { pod: '~radarr-.*' } });
    (broken.trigger.labels as Record<string, string>).pod = '~radarr-(';
    const result = matchRunbooks(
      [broken, runbook('fine', { labels: { namespace: 'media' } })],
      radarr,
    );
    expect(ids(result)).toEqual(['fine']);
    expect(result.skipped).toEqual([
      {
        runbookId: 'broken',
        reason: expect.stringMatching(/^cannot be evaluated: Invalid regular expression/),
      },
    ]);
  });

  it('renders both verify forms and gives what the pipeline takes as a runbook candidate', () => {
    const alert = runbook(
      'alert',
      { labels: { namespace: 'media' } },
      { verify: { alert_resolved: '10m' } },
    );
    const readBack = runbook(
      'read',
      { labels: { namespace: 'media' } },
      {
        verify: {
          tool: 'infrastructure__rollout_status',
          arguments: { namespace: '{{labels.namespace}}', name: 'radarr' },
          expect: { path: 'ready', at_least: 1 },
          within: '2m',
        },
      },
    );
    const [a, r] = matchRunbooks([alert, readBack], radarr).matches;
    expect(a?.solutions[0]?.verify).toEqual({ alert_resolved: '10m' });
    expect(r?.solutions[0]?.verify).toEqual({
      tool: 'infrastructure__rollout_status',
      arguments: { namespace: 'media', name: 'radarr' },
      expect: { path: 'ready', at_least: 1 },
      within: '2m',
    });
    const candidate: RunbookCandidate | undefined = a;
    expect(candidate).toMatchObject({
      runbookId: 'alert',
      automationLevel: 'ask_human',
      title: 'Runbook alert',
      approvalTtlMs: 3_600_000,
    });
    expect(a?.solutions[0]).not.toHaveProperty('rollback');
    expect(a?.approvalTtlMs).toBe(3_600_000);
  });
});
