/**
 * Which JavaScript `drmm` runs: the bundle scripts/build-cli.mjs wrote (dist/cli.json names its
 * folder), while it is fresh — every source file it was built from still has the size and
 * modification time recorded at build time. Cheap: one small JSON read and a stat per source file
 * (a few hundred, ~1 ms). Missing, unreadable or stale → null, and bin/drmm.js runs the TypeScript
 * sources through tsx instead, so an edited source never runs stale code.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Why the bundle cannot be used (null when it can): for diagnostics (DRMM_DEBUG_STARTUP=1) and tests. */
export function prebuiltProblem(root = REPO_ROOT) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(path.join(root, 'dist', 'cli.json'), 'utf8'));
  } catch {
    return 'no build (dist/cli.json)';
  }
  if (!stamp || typeof stamp.dir !== 'string' || !/^cli-[0-9a-f]+$/.test(stamp.dir) || !stamp.inputs || typeof stamp.inputs !== 'object') return 'dist/cli.json is malformed';
  if (!existsSync(path.join(root, 'dist', stamp.dir, 'main.js'))) return `dist/${stamp.dir}/main.js is missing`;
  for (const [file, rec] of Object.entries(stamp.inputs)) {
    let st;
    try {
      st = statSync(path.join(root, file));
    } catch {
      return `${file} is gone`;
    }
    if (!Array.isArray(rec) || st.size !== rec[0] || Math.round(st.mtimeMs) !== rec[1]) return `${file} changed since the build`;
  }
  return null;
}

/** The file URL of the prebuilt CLI entry when it is fresh, else null. */
export function prebuiltEntry(root = REPO_ROOT) {
  if (prebuiltProblem(root) !== null) return null;
  const stamp = JSON.parse(readFileSync(path.join(root, 'dist', 'cli.json'), 'utf8'));
  return pathToFileURL(path.join(root, 'dist', stamp.dir, 'main.js')).href;
}
