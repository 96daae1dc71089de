import { describe, expect, it } from 'vitest';
import { seriesModels } from './model-states.js';
import { closeWindow, initialPipelineState, type PipelineState, pipelineConfig } from './window-pipeline.js';

const HOUR = 3_600_000;
const config = pipelineConfig(HOUR, 'medium', { warmupWindows: 4 }, 'all', { messages: 1 });
const quiet = { sent: 0, received: 0, errors: 0, rejected: 0, newDistinct: 0, patterns: [], offline: {} };

/** The pipeline state after windows 0..n-1 of `messages` each (the other series without data). */
function after(values: number[]): PipelineState {
  return values.reduce(
    (state, messages, i) =>
      closeWindow(
        'acme',
        state,
        { at: i * HOUR, figures: { ...quiet, messages }, series: { messages, bytes: 100 * messages } },
        config,
      ).state,
    initialPipelineState(),
  );
}

describe('seriesModels: each series model from the stored state', () => {
  it('a tenant not seen yet: every series warming up, the window being collected only its first sight', () => {
    const now = 10 * HOUR + 1234;
    const models = seriesModels(null, now, config, [{ key: 'custom:cm_a', name: 'order value' }]);
    expect(models.map((m) => [m.metric, m.name, m.state])).toEqual([
      ['messages', 'messages', 'warming_up'],
      ['bytes', 'bytes', 'warming_up'],
      ['error_rate', 'error rate', 'warming_up'],
      ['active_clients', 'active clients', 'warming_up'],
      ['latency_p95', 'latency p95', 'warming_up'],
      ['custom:cm_a', 'order value', 'warming_up'],
    ]);
    for (const m of models) {
      expect(m).toMatchObject({ windowsToWarm: 4, expected: null, lower: null, upper: null });
      expect(m.windowAt).toBe(new Date(10 * HOUR).toISOString());
      // Window 10 is the first sight; 11..14 are learnt: ready from the end of window 14.
      expect(m.warmUntil).toBe(new Date(15 * HOUR).toISOString());
    }
  });

  it('after windows with traffic: messages ready with its range for the next window; series without data still warming up', () => {
    const pipeline = after([20, 21, 19, 20, 22, 20]);
    const models = seriesModels({ window: 5, pipeline }, 0, config, []);
    const messages = models.find((m) => m.metric === 'messages')!;
    expect(messages).toMatchObject({ state: 'ready', windowsToWarm: 0, warmUntil: null });
    expect(messages.windowAt).toBe(new Date(6 * HOUR).toISOString());
    expect(messages.lower!).toBeLessThanOrEqual(messages.expected!);
    expect(messages.expected!).toBeLessThanOrEqual(messages.upper!);
    expect(messages.expected!).toBeGreaterThan(18);
    expect(messages.expected!).toBeLessThan(23);
    const errors = models.find((m) => m.metric === 'error_rate')!;
    expect(errors).toMatchObject({ state: 'warming_up', windowsToWarm: 4, expected: null });
    // Four windows with data from window 6 on: ready from the end of window 9.
    expect(errors.warmUntil).toBe(new Date(10 * HOUR).toISOString());
  });

  it('part-way through the warm-up: the windows left count down', () => {
    const models = seriesModels({ window: 1, pipeline: after([20, 21]) }, 0, config, []);
    expect(models[0]).toMatchObject({ metric: 'messages', state: 'warming_up', windowsToWarm: 2 });
    expect(models[0].warmUntil).toBe(new Date(4 * HOUR).toISOString());
  });

  it('a stored state from before the pipeline (first sight only) is a first sight', () => {
    const models = seriesModels({ window: 7, pipeline: undefined }, 3 * HOUR, config, []);
    expect(models[0]).toMatchObject({ windowsToWarm: 4, windowAt: new Date(8 * HOUR).toISOString() });
    expect(models[0].warmUntil).toBe(new Date(13 * HOUR).toISOString());
  });
});
