import { describe, expect, it } from 'vitest';
import { FramePump } from './frame-pump.js';

/** A pump whose next tasks are run by the test, one at a time. */
function pump(budget: number) {
  const handled: string[] = [];
  const tasks: Array<() => void> = [];
  const frames = new FramePump((text) => handled.push(text), {
    budget,
    nextTask: (run) => tasks.push(run),
  });
  const nextTask = () => tasks.shift()!();
  return { frames, handled, tasks, nextTask };
}

describe('FramePump', () => {
  it('handles frames at once, in order, while a task is under its budget', () => {
    const { frames, handled, tasks } = pump(10);
    frames.push('aaa');
    frames.push('bbb');
    expect(handled).toEqual(['aaa', 'bbb']);
    expect(tasks).toHaveLength(0);
  });

  it('past the budget, queues frames and handles them a budget per later task, in order', () => {
    const { frames, handled, tasks, nextTask } = pump(10);
    for (const text of ['aaaaaa', 'bbbbbb', 'cccccc', 'dddddd', 'eeeeee']) frames.push(text);
    // 6 + 6 characters reach the budget: the rest waits for the next task.
    expect(handled).toEqual(['aaaaaa', 'bbbbbb']);
    expect(frames.queued).toBe(3);
    expect(tasks).toHaveLength(1);
    nextTask();
    expect(handled).toEqual(['aaaaaa', 'bbbbbb', 'cccccc', 'dddddd']);
    frames.push('ffffff'); // arrives while frames wait: behind them, never before
    expect(handled).toHaveLength(4);
    nextTask();
    expect(handled).toEqual(['aaaaaa', 'bbbbbb', 'cccccc', 'dddddd', 'eeeeee', 'ffffff']);
    expect(tasks).toHaveLength(0);
    // Drained: the next frame starts a budget of its own and is handled at once.
    frames.push('gggggg');
    expect(handled.at(-1)).toBe('gggggg');
  });

  it('drops the frames still queued on clear (their socket is gone)', () => {
    const { frames, handled, nextTask } = pump(4);
    for (const text of ['aaaa', 'bbbb', 'cccc']) frames.push(text);
    expect(handled).toEqual(['aaaa']);
    frames.clear();
    nextTask();
    expect(handled).toEqual(['aaaa']);
    expect(frames.queued).toBe(0);
  });

  it('goes on with the queue when handling a frame throws', () => {
    const tasks: Array<() => void> = [];
    const handled: string[] = [];
    const frames = new FramePump(
      (text) => {
        if (text === 'bad') throw new Error('boom');
        handled.push(text);
      },
      { budget: 1, nextTask: (run) => tasks.push(run) },
    );
    frames.push('ok1');
    frames.push('bad');
    frames.push('ok2');
    expect(() => tasks.shift()!()).toThrow('boom');
    tasks.shift()!();
    expect(handled).toEqual(['ok1', 'ok2']);
  });
});
