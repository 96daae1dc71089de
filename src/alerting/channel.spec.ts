import { describe, expect, it } from 'vitest';
import { configProblems } from './channel.js';

describe('channel config', () => {
  it('accepts e-mail addresses and refuses what is not one', () => {
    expect(configProblems('email', { to: ['oncall@example.com', 'a.b+c@sub.example.org'] })).toEqual([]);
    for (const bad of ['no-at-sign', 'a@b', '@example.com', 'a @example.com', `${'x'.repeat(250)}@example.com`]) {
      expect(configProblems('email', { to: [bad] }), bad).toEqual([
        'config.to must be a list of 1-20 e-mail addresses',
      ]);
    }
  });

  it('checks an adversarial address in linear time (the old pattern backtracked for ~20 s on this)', () => {
    const hostile = `a@${'.'.repeat(90_000)}@`;
    const started = process.hrtime.bigint();
    expect(configProblems('email', { to: [hostile, `${'a@'.repeat(50_000)}x`] })).toHaveLength(1);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(ms).toBeLessThan(250);
  });

  it('bounds a URL stored in a channel (2,048 characters), naming the field', () => {
    const url = (n: number) => `https://hooks.example.com/${'x'.repeat(n - 26)}`;
    expect(configProblems('webhook', { url: url(2048) })).toEqual([]);
    expect(configProblems('webhook', { url: url(90_000) })).toEqual(['config.url must be at most 2048 characters']);
    expect(configProblems('slack', { webhookUrl: url(2049) })).toEqual([
      'config.webhookUrl must be at most 2048 characters',
    ]);
  });
});
