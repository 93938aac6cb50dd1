// The execution gate and journal: only an approved, unexpired, unused approval of exactly the
// solution shown runs; each step is journalled before its call; a failed step stops the rest; and
// a step interrupted by kill -9 is marked unknown on restart and never run again.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureLog } from '@homelab/testing';
import { describe, expect, it } from 'vitest';
import {
  ApprovalRefused,
  callsHash,
  Executor,
  recordApproval,
  recordProposal,
  type ToolCall,
  type ToolCaller,
} from '../src/execute/executor.js';
import { openDatabase } from '../src/store/database.js';

const restart: ToolCall[] = [
  { tool: 'infrastructure__restart_deployment', arguments: { namespace: 'media', name: 'radarr' } },
];
const resize: ToolCall[] = [
  {
    tool: 'infrastructure__set_container_resources',
    arguments: { namespace: 'media', name: 'radarr', limits: { memory: '2Gi' } },
  },
  { tool: 'infrastructure__rollout_status', arguments: { namespace: 'media', name: 'radarr' } },
];

function recordingCaller(failAt?: string): ToolCaller & { made: ToolCall[] } {
  const made: ToolCall[] = [];
  return {
    made,
    call: async (call) => {
      made.push(call);
      return call.tool === failAt
        ? { isError: true, text: 'Kubernetes API: forbidden' }
        : { isError: false, text: 'ok' };
    },
  };
}

function setup(failAt?: string) {
  const db = openDatabase(':memory:');
  const tools = recordingCaller(failAt);
  const executor = new Executor(db, tools, captureLog().logger);
  const proposalId = recordProposal(db, {
    summary: 'radarr is OOMKilled',
    solutions: [
      { title: 'Restart', risk: 'low', calls: restart },
      { title: 'Raise the memory limit to 2Gi', risk: 'low', calls: resize },
    ],
  });
  const approve = (solution: number, calls: ToolCall[], ttlMs = 600_000, now?: Date) =>
    recordApproval(
      db,
      {
        proposalId,
        solution,
        callsSha256: callsHash(calls),
        approvedBy: 'owner',
        channel: 'test',
        ttlMs,
      },
      now,
    );
  return { db, tools, executor, proposalId, approve };
}

describe('execution gate', () => {
  it('runs exactly the approved solution, journalling each step, and only once', async () => {
    const { db, tools, executor, approve } = setup();
    const approval = approve(2, resize);
    expect(await executor.execute(approval)).toMatchObject({ status: 'succeeded' });
    expect(tools.made).toEqual(resize);
    expect(db.prepare('SELECT step, tool, state FROM executions ORDER BY step').all()).toEqual([
      { step: 1, tool: 'infrastructure__set_container_resources', state: 'succeeded' },
      { step: 2, tool: 'infrastructure__rollout_status', state: 'succeeded' },
    ]);
    await expect(executor.execute(approval)).rejects.toThrow(/already used/);
    expect(tools.made).toHaveLength(2);
  });

  it('refuses an approval of different calls, an expired one, and one that does not exist', async () => {
    const { tools, executor, approve } = setup();
    await expect(executor.execute(approve(2, restart))).rejects.toThrow(ApprovalRefused);
    await expect(executor.execute(approve(2, restart))).rejects.toThrow(
      /differs from the one that was approved/,
    );
    await expect(
      executor.execute(approve(1, restart, 1000, new Date(Date.now() - 5000))),
    ).rejects.toThrow(/expired/);
    await expect(executor.execute(999)).rejects.toThrow(/does not exist/);
    expect(tools.made).toEqual([]);
  });

  it('stops at a failed step and records it', async () => {
    const { db, tools, executor, approve } = setup('infrastructure__set_container_resources');
    expect(await executor.execute(approve(2, resize))).toMatchObject({
      status: 'failed',
      failedStep: 1,
    });
    expect(tools.made).toHaveLength(1);
    expect(db.prepare('SELECT state, result FROM executions').all()).toEqual([
      { state: 'failed', result: 'Kubernetes API: forbidden' },
    ]);
  });

  it('marks a step interrupted by kill -9 unknown on restart, and never runs it again', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'orchestrator-crash-')), 'homelab.sqlite');
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL('./fixtures/crash-during-execution.mjs', import.meta.url)), path],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on(
        'data',
        (chunk: Buffer) => chunk.toString().includes('CALLING') && resolve(),
      );
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    const db = openDatabase(path);
    expect(db.prepare('SELECT state FROM executions').all()).toEqual([{ state: 'executing' }]);
    const tools = recordingCaller();
    const executor = new Executor(db, tools, captureLog().logger);
    expect(executor.recoverInterrupted()).toEqual([
      { approvalId: 1, step: 1, tool: 'infrastructure__restart_deployment' },
    ]);
    expect(db.prepare('SELECT state FROM executions').all()).toEqual([{ state: 'unknown' }]);
    await expect(executor.execute(1)).rejects.toThrow(/already used/);
    expect(tools.made).toEqual([]);
    db.close();
  });
});
