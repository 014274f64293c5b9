/**
 * The layer rules of docs/architecture.md, checked on the source tree (the VS Code habit):
 *  - core/ imports nothing of ours above it (no main/, no renderer/);
 *  - only main/electron/ imports 'electron';
 *  - the renderer imports from main/ and core/ with `import type` only (it ships to a sandbox);
 *  - no runtime network client anywhere in core/ or main/ (offline promise).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

function sources(dir: string, exts = ['.ts', '.svelte', '.mjs', '.js']): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (name === 'node_modules' || name === 'dist') continue;
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (exts.some((e) => name.endsWith(e))) out.push(p);
    }
  };
  walk(path.join(root, dir));
  return out;
}

/** Every import/export-from/dynamic import specifier in a file, with whether it is type-only. */
function imports(file: string): { spec: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const out: { spec: string; typeOnly: boolean }[] = [];
  const re = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(re)) {
    const spec = m[3] ?? m[4] ?? m[5];
    out.push({ spec, typeOnly: Boolean(m[2]) });
  }
  return out;
}

function resolvesInto(file: string, spec: string, dir: string): boolean {
  if (!spec.startsWith('.')) return false;
  const target = path.resolve(path.dirname(file), spec);
  return target.startsWith(path.join(root, dir) + path.sep);
}

describe('layer rules', () => {
  it('the import scanner sees relative, package and type-only imports (so the rules below can fail)', () => {
    const file = path.join(root, 'main/cli/main.ts');
    const found = imports(file).map((i) => i.spec);
    expect(found).toContain('../../core/errors');
    const renderer = sources('renderer/src').flatMap((f) => imports(f));
    expect(renderer.some((i) => i.typeOnly)).toBe(true);
  });

  it('core/ never imports main/ or renderer/', () => {
    const bad = sources('core').flatMap((f) =>
      imports(f).filter((i) => resolvesInto(f, i.spec, 'main') || resolvesInto(f, i.spec, 'renderer')).map((i) => `${path.relative(root, f)} → ${i.spec}`),
    );
    expect(bad).toEqual([]);
  });

  it("only main/electron/ imports 'electron'", () => {
    const files = [...sources('core'), ...sources('main'), ...sources('renderer/src')].filter((f) => !f.startsWith(path.join(root, 'main/electron') + path.sep));
    const bad = files.flatMap((f) => imports(f).filter((i) => i.spec === 'electron' || i.spec.startsWith('electron/')).map(() => path.relative(root, f)));
    expect(bad).toEqual([]);
  });

  it('the renderer takes only types from main/ and core/', () => {
    const bad = sources('renderer/src').flatMap((f) =>
      imports(f)
        .filter((i) => (resolvesInto(f, i.spec, 'main') || resolvesInto(f, i.spec, 'core')) && !i.typeOnly)
        .map((i) => `${path.relative(root, f)} → ${i.spec}`),
    );
    expect(bad).toEqual([]);
  });

  it('no HTTP client or remote URL is used at run time in core/ or main/ services', () => {
    const files = [...sources('core', ['.ts']), ...sources('main', ['.ts'])].filter((f) => !f.endsWith('.test.ts'));
    const bad: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      // The browser-mode server imports node:http to *serve*; nothing may make outgoing requests.
      if (/\bfetch\s*\(\s*['"`]https?:/.test(text) || /from\s+['"](node:)?https['"]/.test(text) || /\bhttps?\.(request|get)\s*\(/.test(text) || /\b(axios|node-fetch|undici)\b/.test(text)) bad.push(path.relative(root, f));
    }
    expect(bad).toEqual([]);
  });
});
