import { describe, expect, it } from 'vitest';
import { levelOf, utilisationOf } from './utilisation.js';

const thresholds = { warning: 0.8, critical: 0.95 };

describe('utilisation and levels', () => {
  it('used over the limit, to 4 decimals; above 1 past it', () => {
    expect(utilisationOf(4, 5)).toBe(0.8);
    expect(utilisationOf(1, 3)).toBe(0.3333);
    expect(utilisationOf(6, 5)).toBe(1.2);
    expect(utilisationOf(0, 5)).toBe(0);
  });

  it('null without a limit, or when the use is not measured', () => {
    expect(utilisationOf(4, null)).toBeNull();
    expect(utilisationOf(null, 5)).toBeNull();
    expect(utilisationOf(4, 0)).toBeNull();
  });

  it('levels: warning at the warning threshold and above, critical at the critical one and above', () => {
    expect(levelOf(null, thresholds)).toBe('ok');
    expect(levelOf(0.7999, thresholds)).toBe('ok');
    expect(levelOf(utilisationOf(4, 5), thresholds)).toBe('warning'); // 4 of 5 connections: 80 %
    expect(levelOf(0.9499, thresholds)).toBe('warning');
    expect(levelOf(utilisationOf(19, 20), thresholds)).toBe('critical');
    expect(levelOf(1.5, thresholds)).toBe('critical');
    expect(levelOf(0.7, { warning: 0.7, critical: 0.9 })).toBe('warning');
  });
});
