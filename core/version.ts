import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The app version from package.json (recorded with every run for reproducibility). */
export function appVersion(): string {
  if (cached) return cached;
  if (process.env.DRMM_APP_VERSION) return (cached = process.env.DRMM_APP_VERSION);
  try {
    // core/version.ts → ../package.json; a bundle two folders down (dist/cli-…/) → ../../package.json.
    const here = dirname(fileURLToPath(import.meta.url));
    for (const up of [['..'], ['..', '..']]) {
      try {
        cached = (JSON.parse(readFileSync(join(here, ...up, 'package.json'), 'utf8')) as { version: string }).version;
        if (cached) break;
      } catch { /* try the next */ }
    }
  } catch { /* no file URL */ }
  cached ??= '0.0.0';
  return cached;
}
