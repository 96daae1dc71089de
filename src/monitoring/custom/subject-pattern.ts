/**
 * NATS subject patterns: tokens separated by '.', `*` one token, `>` one or more tokens (last
 * only). Patterns are checked when a definition is saved (`patternProblem`) and compiled once;
 * matching walks both token lists once: linear in the subject's length, no regular expression.
 */
export type SubjectPattern = readonly string[];

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** Why a relative pattern is not one Pulse takes, or null. */
export function patternProblem(pattern: string): string | null {
  if (pattern.length === 0 || pattern.length > 200) return 'subject must be 1 to 200 characters';
  const tokens = pattern.split('.');
  if (tokens.length > 16) return 'subject has at most 16 tokens';
  for (const [i, t] of tokens.entries()) {
    if (t === '>') {
      if (i !== tokens.length - 1) return "subject may use '>' only as its last token";
    } else if (t !== '*' && !TOKEN.test(t)) {
      return "subject tokens are letters, digits, '_' or '-' (1 to 64), '*' or a final '>'";
    }
  }
  return null;
}

/** The pattern under a tenant's namespace (`prefix.tenantId.` + relative). */
export function compilePattern(prefix: string, tenantId: string, relative: string): SubjectPattern {
  return [...prefix.split('.'), tenantId, ...relative.split('.')];
}

export function matches(pattern: SubjectPattern, subject: string): boolean {
  let start = 0;
  for (let i = 0; i < pattern.length; i++) {
    if (start > subject.length) return false;
    const p = pattern[i];
    if (p === '>') return start < subject.length;
    let end = subject.indexOf('.', start);
    if (end < 0) end = subject.length;
    if (p !== '*' && (end - start !== p.length || !subject.startsWith(p, start))) return false;
    if (end === start) return false;
    start = end + 1;
  }
  return start > subject.length;
}
