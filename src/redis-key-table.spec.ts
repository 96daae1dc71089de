import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// ARCHITECTURE.md's Redis key table against the key builders: every key a builder makes is a row
// of the table, and every key of the table is made by a builder. Builders are the exported classes
// named `*Keys` in files named `*-keys.ts` under src/, constructed with the key prefix.
const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'src');

/** A placeholder in a key: `<minuteEpoch>` from a builder, `<epoch s of minute>` or `…` in the table. */
const PLACEHOLDER = /<[^<>]*>|…/g;
const TENANT_ID = 'ID';

/**
 * Builder methods whose result is not a key until a caller adds to it. (A result ending in `:`,
 * like `tenantScope`'s, is the prefix of a family of keys, not a key: it is not looked up.)
 */
const NOT_KEYS_AS_BUILT: Record<string, { suffixes: string[]; reason: string }> = {
  'RedisKeys.rateLimit': {
    suffixes: [':hits', ':block'],
    reason: 'the throttler storage (http/throttling/redis-throttler.storage.ts) adds :hits and :block',
  },
};

function files(dir: string, name: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return files(path, name);
    return name.test(entry.name) ? [path] : [];
  });
}

interface Builder {
  /** `Class.method` */
  name: string;
  /** Argument lists to call it with: each optional argument left out and given, each literal of a union. */
  calls: unknown[][];
}

/** The values to call a parameter with, from its name and declared type. */
function argumentsFor(param: ts.ParameterDeclaration, file: ts.SourceFile): unknown[] {
  const name = param.name.getText(file);
  const type = param.type;
  let values: unknown[];
  if (type !== undefined && ts.isUnionTypeNode(type) && type.types.every((t) => ts.isLiteralTypeNode(t))) {
    values = type.types.map((t) => JSON.parse((t as ts.LiteralTypeNode).literal.getText(file).replaceAll("'", '"')));
  } else {
    values = [/^tenant(Id)?$/.test(name) ? TENANT_ID : `<${name}>`];
  }
  return param.questionToken !== undefined || param.initializer !== undefined ? [undefined, ...values] : values;
}

function buildersIn(path: string): { className: string; builders: Builder[] }[] {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  return file.statements
    .filter((s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name !== undefined)
    .filter((c) => c.name!.text.endsWith('Keys') && c.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
    .map((c) => ({
      className: c.name!.text,
      builders: c.members
        .filter((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m))
        .filter(
          (m) =>
            !m.modifiers?.some(
              (x) => x.kind === ts.SyntaxKind.PrivateKeyword || x.kind === ts.SyntaxKind.StaticKeyword,
            ) && ts.isIdentifier(m.name),
        )
        .map((m) => {
          let calls: unknown[][] = [[]];
          for (const param of m.parameters) {
            const values = argumentsFor(param, file);
            calls = calls.flatMap((call) => values.map((v) => [...call, v]));
          }
          // Trailing arguments left out rather than passed as undefined.
          calls = calls.map((call) => {
            const args = [...call];
            while (args.length > 0 && args[args.length - 1] === undefined) args.pop();
            return args;
          });
          return { name: `${c.name!.text}.${m.name.getText(file)}`, calls };
        }),
    }));
}

/** Every key a builder makes, placeholders in. */
async function builtKeys(): Promise<{ builder: string; key: string }[]> {
  const out: { builder: string; key: string }[] = [];
  for (const path of files(src, /^[\w.-]+-keys\.ts$/)) {
    const module = (await import(pathToFileURL(path).href)) as Record<string, new (prefix: string) => object>;
    for (const { className, builders } of buildersIn(path)) {
      const instance = new module[className]('P') as Record<string, (...args: unknown[]) => unknown>;
      for (const { name, calls } of builders) {
        const extra = NOT_KEYS_AS_BUILT[name];
        for (const args of calls) {
          const made = instance[name.split('.')[1]](...args);
          const keys = typeof made === 'string' ? [made] : Object.values(made as object).map(String);
          for (const key of keys.filter((k) => !k.endsWith(':'))) {
            for (const suffix of extra?.suffixes ?? ['']) out.push({ builder: name, key: key + suffix });
          }
        }
      }
    }
  }
  return out;
}

/** Splits at `:` outside braces (`{t:ID}`, `{<throttler>:<key>}` are one segment). */
function segments(key: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < key.length; i++) {
    if (key[i] === '{') depth++;
    else if (key[i] === '}') depth--;
    else if (key[i] === ':' && depth === 0) {
      parts.push(key.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(key.slice(start));
  return parts;
}

interface Row {
  line: number;
  keys: string[];
  content: string;
}

/**
 * The table's rows, each cell's keys written out in full: `P:…` is a key; `:b` (or `:b:claimed`)
 * replaces as many trailing segments of the key before it; `conns:open` is under the scope of the
 * row's first key (the tenant's `P:{t:ID}:`, else `P:`).
 */
function tableRows(): Row[] {
  const text = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');
  const lines = text.split('\n');
  const start = lines.indexOf('## Redis keys');
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  const rows: Row[] = [];
  for (let i = start; i < end; i++) {
    if (!lines[i].startsWith('| `')) continue;
    const cells = lines[i].split(/(?<!\\)\|/).map((c) => c.trim().replaceAll('\\|', '|'));
    const spans = [...cells[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const keys: string[] = [];
    for (const span of spans) {
      if (span.startsWith('P:')) keys.push(span);
      else if (span.startsWith(':')) {
        const before = segments(keys[keys.length - 1]);
        keys.push(
          [...before.slice(0, before.length - segments(span).length + 1), ...segments(span).slice(1)].join(':'),
        );
      } else keys.push(`${keys[0].startsWith(`P:{t:${TENANT_ID}}:`) ? `P:{t:${TENANT_ID}}` : 'P'}:${span}`);
    }
    rows.push({ line: i + 1, keys, content: cells[4] === undefined ? '' : cells.slice(2).join(' | ') });
  }
  return rows;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A key with placeholders as a pattern: each placeholder stands for one or more characters. */
const patternOf = (key: string) => new RegExp(`^${key.split(PLACEHOLDER).map(escapeRegExp).join('.+')}$`);
/** Whether two keys with placeholders name the same key: either one's pattern covers the other. */
const sameKey = (a: string, b: string) => patternOf(a).test(b) || patternOf(b).test(a);

describe("ARCHITECTURE.md's Redis key table (## Redis keys)", async () => {
  const built = await builtKeys();
  const rows = tableRows();
  const documented = rows.flatMap((row) => row.keys.map((key) => ({ line: row.line, key })));

  it('finds the builders and the rows', () => {
    expect(built.length).toBeGreaterThan(50);
    expect(rows.length).toBeGreaterThan(50);
    expect(built.filter(({ key }) => /undefined|NaN|\[object/.test(key))).toEqual([]);
  });

  it('has a row for every key a builder makes', () => {
    const missing = built.filter(({ key }) => !documented.some((d) => sameKey(d.key, key)));
    expect(missing.map(({ builder, key }) => `${builder}: ${key}`)).toEqual([]);
  });

  it('names only keys that a builder makes', () => {
    const stale = documented.filter(({ key }) => !built.some((b) => sameKey(b.key, key)));
    expect(stale.map(({ line, key }) => `ARCHITECTURE.md:${line} ${key}`)).toEqual([]);
  });

  it("lists the tenant record's fields as TenantRepository writes them", () => {
    // The fields of `serialize` in tenant.repository.ts (the record's HSET), in the order written.
    const path = join(src, 'tenants', 'tenant.repository.ts');
    const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const serialize = file.statements.find(
      (st): st is ts.FunctionDeclaration => ts.isFunctionDeclaration(st) && st.name?.text === 'serialize',
    );
    const returned = serialize?.body?.statements.find((st) => ts.isReturnStatement(st))?.expression;
    const written =
      returned !== undefined && ts.isObjectLiteralExpression(returned)
        ? returned.properties.map((p) => p.name!.getText(file))
        : [];
    const tenantRow = rows.find((row) => row.keys.includes(`P:{t:${TENANT_ID}}:tenant`));
    const listed = /`([^`]+)`/.exec(tenantRow?.content ?? '')?.[1].split(' ') ?? [];
    expect(written.length).toBeGreaterThan(5);
    expect(listed).toEqual(written);
  });

  it('names every once-only job in the lock row, and only those', () => {
    // Every LockedJob's lock and interval name (`name: '…'` in its spec).
    const jobs = files(src, /\.ts$/)
      .filter((path) => !path.endsWith('.spec.ts'))
      .flatMap((path) =>
        [...readFileSync(path, 'utf8').matchAll(/new LockedJob\([^]*?\bname: '([^']+)'/g)].map((m) => ({
          path: relative(root, path),
          name: m[1],
        })),
      );
    const lockRow = rows.find((row) => row.keys.some((key) => sameKey(key, 'P:lock:<name>')));
    const listed = [...(lockRow?.content ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    expect(jobs.length).toBeGreaterThan(0);
    expect(listed.sort()).toEqual(jobs.map((j) => j.name).sort());
  });
});
