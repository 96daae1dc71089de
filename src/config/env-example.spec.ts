import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toPulseOptions, validateEnv } from './env.validation.js';

/** The variables env.validation.ts declares (its class's upper-case properties). */
const declared = [
  ...readFileSync(new URL('./env.validation.ts', import.meta.url), 'utf8').matchAll(/^ {2}([A-Z][A-Z0-9_]*)[?!]?:/gm),
].map((m) => m[1]);
const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
const documented = new Map([...example.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]]));

describe('.env.example', () => {
  it('documents every variable Pulse reads', () => {
    expect(declared.length).toBeGreaterThan(50);
    expect(declared.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('validates as it stands (its EVENTS_* values are the defaults)', () => {
    const env = Object.fromEntries([...documented].filter(([name]) => name.startsWith('EVENTS_')));
    expect(Object.keys(env).length).toBeGreaterThan(0);
    expect(toPulseOptions(validateEnv(env)).events).toEqual(toPulseOptions(validateEnv({})).events);
  });
});
