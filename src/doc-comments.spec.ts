import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// A doc comment sits directly on the declaration it describes (the house's rule). Two mistakes
// recur when code moves: a comment left behind above the next declaration's own comment, and a
// comment that starts by naming another declaration than the one it sits on.
const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');

function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const isJsDoc = (text: string, range: ts.CommentRange) =>
  range.kind === ts.SyntaxKind.MultiLineCommentTrivia && text.startsWith('/**', range.pos) && range.end - range.pos > 4;

/** The declarations of one scope (a file's statements, a class's or an interface's members) by name. */
function namesOf(declarations: readonly ts.Node[]): Set<string> {
  const names = new Set<string>();
  for (const d of declarations) {
    if (ts.isVariableStatement(d)) {
      for (const v of d.declarationList.declarations) if (ts.isIdentifier(v.name)) names.add(v.name.text);
      continue;
    }
    const name = (d as { name?: ts.Node }).name;
    if (name !== undefined && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name))) names.add(name.text);
  }
  return names;
}

function ownName(node: ts.Node): string | undefined {
  if (ts.isVariableStatement(node)) {
    const first = node.declarationList.declarations[0];
    return ts.isIdentifier(first.name) ? first.name.text : undefined;
  }
  const name = (node as { name?: ts.Node }).name;
  return name !== undefined && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) ? name.text : undefined;
}

/** The first word of a doc comment when it is written as a name: `name`, name(), or name: … */
function namedFirst(comment: string): string | undefined {
  const body = comment.replace(/^\/\*\*\s*(\*\s*)?/, '');
  const match = /^`?([A-Za-z_$#][\w$]*)(\(\))?`?(:)?/.exec(body);
  if (match === null) return undefined;
  // A plain word (`Writes …`, `HASH …`) is prose; a name is marked by backticks, () or a colon.
  const marked = body.startsWith('`') || match[2] !== undefined || match[3] !== undefined;
  return marked ? match[1] : undefined;
}

/** Whether `code` holds `name` as a whole identifier (not inside a longer one). */
function mentionsName(code: string, name: string): boolean {
  for (let i = code.indexOf(name); i !== -1; i = code.indexOf(name, i + 1)) {
    const before = code[i - 1] ?? ' ';
    const after = code[i + name.length] ?? ' ';
    if (!/[\w$#]/.test(before) && !/[\w$]/.test(after)) return true;
  }
  return false;
}

interface Finding {
  at: string;
  what: string;
}

function scan(name: string, text: string): Finding[] {
  const file = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);
  const where = (pos: number) => `${name}:${file.getLineAndCharacterOfPosition(pos).line + 1}`;
  const findings: Finding[] = [];
  const seen = new Set<number>();

  const visit = (node: ts.Node): void => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    // Comments in front of this node or token (every token is reached, `}` and end of file too).
    const ranges = ts.getLeadingCommentRanges(text, node.pos) ?? [];
    if (ranges.length > 0 && !seen.has(ranges[0].pos)) {
      seen.add(ranges[0].pos);
      for (let i = 0; i + 1 < ranges.length; i++) {
        const between = text.slice(ranges[i].end, ranges[i + 1].pos);
        if (isJsDoc(text, ranges[i]) && isJsDoc(text, ranges[i + 1]) && between.trim() === '') {
          findings.push({ at: where(ranges[i].pos), what: 'a doc comment stacked on another: it describes nothing' });
        }
      }
    }
    const scope = ts.isClassLike(node) || ts.isInterfaceDeclaration(node) ? node.members : undefined;
    const statements = ts.isSourceFile(node) || ts.isModuleBlock(node) ? node.statements : undefined;
    const declarations: readonly ts.Node[] | undefined = scope ?? statements;
    if (declarations !== undefined) {
      const names = namesOf(declarations);
      for (const d of declarations) {
        const own = ownName(d);
        for (const range of ts.getLeadingCommentRanges(text, d.pos) ?? []) {
          if (!isJsDoc(text, range)) continue;
          const named = namedFirst(text.slice(range.pos, range.end));
          // A declaration may well be documented by what it mentions (a parameter's field named
          // like a property): only a name it does not hold at all points elsewhere.
          const mentions = named !== undefined && mentionsName(d.getText(file), named);
          if (named !== undefined && named !== own && names.has(named) && !mentions) {
            findings.push({
              at: where(range.pos),
              what: `the doc comment of ${own ?? 'this'} starts by naming ${named}`,
            });
          }
        }
      }
    }
    for (const child of node.getChildren(file)) visit(child);
  };
  visit(file);
  return findings;
}

describe('doc comments sit on the declaration they describe', () => {
  const findings = typeScriptFiles(src).flatMap((path) => scan(relative(root, path), readFileSync(path, 'utf8')));

  it('finds both mistakes in a sample', () => {
    const sample = [
      'export class Keys {',
      '  /** HASH per minute. */',
      '  /** HASH of definitions. */',
      '  custom(): string {',
      "    return 'c';",
      '  }',
      '',
      '  /** `custom`: the definitions. */',
      '  minute(): string {',
      "    return 'm';",
      '  }',
      '}',
    ].join('\n');
    expect(scan('sample.ts', sample).sort((x, y) => x.at.localeCompare(y.at))).toEqual([
      { at: 'sample.ts:2', what: 'a doc comment stacked on another: it describes nothing' },
      { at: 'sample.ts:8', what: 'the doc comment of minute starts by naming custom' },
    ]);
  });

  it('has no doc comment stacked on another (only whitespace between two /** */ blocks)', () => {
    expect(findings.filter((f) => f.what.startsWith('a doc comment stacked')).map((f) => f.at)).toEqual([]);
  });

  it('has no doc comment that starts by naming a different declaration of its scope', () => {
    expect(findings.filter((f) => !f.what.startsWith('a doc comment stacked')).map((f) => `${f.at} ${f.what}`)).toEqual(
      [],
    );
  });
});
