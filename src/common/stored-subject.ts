import { createHash } from 'node:crypto';

/**
 * Most characters of a NATS subject Pulse stores or keeps for long (day rankings, the custom
 * metrics' match cache, the detector's known patterns). NATS takes subjects of ~4 KB (its
 * control line); a tenant's subjects are its own text, so a stored one is bounded here: 256
 * characters, at most 768 bytes of UTF-8 (a subject's characters are below U+FFFF in practice;
 * one above takes two characters of the bound).
 */
export const MAX_STORED_SUBJECT_CHARS = 256;
/** Characters of a long subject kept before its hash. */
const KEPT_CHARS = MAX_STORED_SUBJECT_CHARS - 24; // `…#` and 22

/**
 * The subject as stored: itself when within MAX_STORED_SUBJECT_CHARS, else its first characters,
 * `…#` and 22 characters of its SHA-256 (base64url, 132 bits): still readable, still one member
 * per distinct subject (a collision needs 2^66 subjects), and the same form on every instance.
 */
export function storedSubject(subject: string): string {
  if (subject.length <= MAX_STORED_SUBJECT_CHARS) return subject;
  const digest = createHash('sha256').update(subject).digest('base64url').slice(0, 22);
  return `${subject.slice(0, KEPT_CHARS)}…#${digest}`;
}
