// The house reads top-down: no module under lib/ may reach itself through its imports. Every
// kind of import counts (type-only ones, re-exports, dynamic import()), since each is a place
// where two files must be read together to understand either.
import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';

const LIB = path.resolve(__dirname, '../lib');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

const SPECIFIERS = [
  /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, // import/export ... from '...'
  /\bimport\s*['"]([^'"]+)['"]/g, // import '...'
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, // import('...')
  /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g, // require('...')
];

/** The lib/ files a file imports (relative specifiers resolved to .ts or folder/index.ts). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out = new Set<string>();
  for (const re of SPECIFIERS) {
    for (const m of text.matchAll(re)) {
      if (!m[1].startsWith('.')) continue;
      const base = path.resolve(path.dirname(file), m[1]);
      const target = [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
      if (target) out.add(target);
    }
  }
  return [...out];
}

/** Every cycle found by a depth-first search, each as the chain of files that closes it. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('import graph of lib/', () => {
  it('the cycle finder reports a two-file cycle and a self-import, and nothing for a chain', () => {
    expect(findCycles(new Map([['a', ['b']], ['b', ['a']]]))).toEqual([['a', 'b', 'a']]);
    expect(findCycles(new Map([['a', ['a']]]))).toEqual([['a', 'a']]);
    expect(findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });

  it('has no import cycle (type-only, re-export and dynamic imports included)', () => {
    const files = sources(LIB);
    expect(files.length).toBeGreaterThan(20);
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    const cycles = findCycles(graph).map((c) => c.map((f) => path.relative(LIB, f)).join(' -> '));
    expect(cycles).toEqual([]);
  });
});
