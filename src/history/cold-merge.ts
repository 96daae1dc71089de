import { combineField } from './counter-schema.js';

/**
 * Late data added to what the cold store holds (ARCHITECTURE.md, Late data): `stored` plus
 * `late`, field by field (a new object; neither input changes). Pure, so the rules are
 * unit-tested; they are the rollups' (counter-schema.ts): a field is a sum, except the schema's
 * maxima (the peak second, the sampled online/offline clients).
 */
export function addFields(stored: Record<string, string>, late: Record<string, string>): Record<string, string> {
  const out = new Map(Object.entries(stored));
  for (const [field, raw] of Object.entries(late)) {
    const v = Number(raw);
    if (!Number.isFinite(v)) continue;
    const current = Number(out.get(field) ?? 0);
    out.set(field, String(combineField(field, current, v)));
  }
  return Object.fromEntries(out);
}

/**
 * A day's subject ranking with late counts added: busiest first, at most `keep` subjects (what
 * Redis would have kept), and the distinct-subject sketch as the register-wise maximum of both.
 */
export function addSubjects(
  stored: { subjects: [string, number, number][]; sketch: Uint8Array | null },
  late: { subjects: [string, number, number][]; sketch: Uint8Array | null },
  keep: number,
): { subjects: [string, number, number][]; sketch: Uint8Array | null } {
  const bySubject = new Map<string, [string, number, number]>();
  for (const [subject, m, b] of stored.subjects) bySubject.set(subject, [subject, m, b]);
  for (const [subject, m, b] of late.subjects) {
    const row = bySubject.get(subject);
    if (row) {
      row[1] += m;
      row[2] += b;
    } else bySubject.set(subject, [subject, m, b]);
  }
  const subjects = [...bySubject.values()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, keep);
  return { subjects, sketch: maxRegisters(stored.sketch, late.sketch) };
}

function maxRegisters(a: Uint8Array | null, b: Uint8Array | null): Uint8Array | null {
  if (a === null || b === null) return a ?? b;
  const out = new Uint8Array(Math.max(a.length, b.length));
  for (let i = 0; i < out.length; i++) out[i] = Math.max(a[i] ?? 0, b[i] ?? 0);
  return out;
}
