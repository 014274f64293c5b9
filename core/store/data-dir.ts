/**
 * Where the history lives. One rule for every host:
 *   explicit option (`--data-dir`, Electron's `app.getPath('userData')`) > env `DRMM_DATA_DIR` >
 *   the platform's per-user data directory.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { DrmmError } from '../errors';
import { errorCode, isReadOnlyError } from './write-errors';

export const DATA_DIR_ENV = 'DRMM_DATA_DIR';
/** Folder name on Linux (XDG style, lower case). */
export const LINUX_DIR_NAME = 'drmm-workbench';
/** Folder name on macOS and Windows (the product name, as Electron's userData would use). */
export const PRODUCT_DIR_NAME = 'DRMM Workbench';

export interface DataDirOptions {
  /** `--data-dir` or Electron's userData; wins over everything. */
  explicit?: string;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Defaults to process.platform. */
  platform?: NodeJS.Platform;
  /** Defaults to os.homedir(). */
  home?: string;
}

/** The data directory as an absolute path (not created; see `ensureDataDir`). */
export function resolveDataDir(opts: DataDirOptions = {}): string {
  const env = opts.env ?? process.env;
  if (opts.explicit && opts.explicit.trim() !== '') return path.resolve(opts.explicit);
  const fromEnv = env[DATA_DIR_ENV];
  if (fromEnv && fromEnv.trim() !== '') return path.resolve(fromEnv);
  return platformDataDir(opts.platform ?? process.platform, env, opts.home ?? homedir());
}

/** The per-user application data directory of a platform. */
export function platformDataDir(platform: NodeJS.Platform, env: Record<string, string | undefined>, home: string): string {
  if (platform === 'win32') {
    const appData = env.APPDATA && env.APPDATA !== '' ? env.APPDATA : path.win32.join(home, 'AppData', 'Roaming');
    return path.win32.join(appData, PRODUCT_DIR_NAME);
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', PRODUCT_DIR_NAME);
  const xdg = env.XDG_DATA_HOME;
  // XDG spec: a relative XDG_DATA_HOME is invalid and must be ignored.
  const base = xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, '.local', 'share');
  return path.posix.join(base, LINUX_DIR_NAME);
}

/** Creates the directory (and parents) if needed; returns it. An existing read-only one is fine (read-only use). */
export function ensureDataDir(dir: string): string {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    // Under a read-only parent: EROFS / EACCES, or ENOENT from Node's recursive mkdir.
    if (isReadOnlyError(e) || errorCode(e) === 'ENOENT') {
      throw new DrmmError('READ_ONLY', `The data directory ${dir} does not exist and cannot be created (${errorCode(e)}). Use a writable --data-dir (or DRMM_DATA_DIR).`);
    }
    throw e;
  }
  return dir;
}
