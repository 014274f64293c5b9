/**
 * Which Chromium to run: the one place that knows. Used by the PDF export (core/report/pdf.ts),
 * the end-to-end harness and the PDF tests.
 *
 *   1. A system Chromium/Chrome (PATH and the usual install locations) when there is one.
 *   2. Else the Chromium shipped inside the npm package `@sparticuz/chromium` (Linux x64): its
 *      tarball carries the headless-shell binary brotli-compressed (`bin/chromium.br`) with the
 *      NSS libraries it links (`bin/al2023.tar.br`) and a font (`bin/fonts.tar.br`). The first
 *      call unpacks them — synchronously, once per machine and package version — into
 *      `$DRMM_CHROMIUM_CACHE` or `<tmpdir>/drmm-chromium-<version>-<uid>/`, atomically (a folder
 *      renamed into place), so concurrent test workers never see half a binary. Nothing is
 *      downloaded: the package itself is an ordinary npm tarball.
 *
 * DRMM_CHROMIUM picks explicitly: `npm` (only the npm one — to test a machine without a system
 * Chromium), `system` (never the npm one), or the path of an executable. DRMM_CHROME (a path) is
 * the PDF export's older override and wins for printing.
 *
 * The npm binary must be launched with `launchEnv(path)` added to its environment (its libraries
 * and fonts); for any other browser that adds nothing.
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';

export type ChromiumSource = 'override' | 'system' | 'npm';
/** `print`: headless shells first (no Google services, so no network attempt at all). `browser`: a full Chromium first. */
export type ChromiumPurpose = 'print' | 'browser';

export interface ChromiumExecutable {
  path: string;
  source: ChromiumSource;
  /** Variables to add to the environment when launching it (empty unless it is the npm one). */
  env: Record<string, string>;
}

const HEADLESS_SHELLS = ['chrome-headless-shell', 'chromium-headless-shell'];
const BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome', 'microsoft-edge', 'msedge'];
const FIXED_SHELLS = ['/usr/lib/chromium/chromium-headless-shell'];
const FIXED_BROWSERS = [
  '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
];

function executable(p: string): boolean {
  try { accessSync(p, constants.X_OK); return statSync(p).isFile(); } catch { return false; }
}

/** A Chromium/Chrome installed on this machine (never the npm one), or null. */
export function findSystemChromium(env: NodeJS.ProcessEnv = process.env, purpose: ChromiumPurpose = 'print'): string | null {
  const names = purpose === 'print' ? [...HEADLESS_SHELLS, ...BROWSERS] : [...BROWSERS, ...HEADLESS_SHELLS];
  const fixed = purpose === 'print' ? [...FIXED_SHELLS, ...FIXED_BROWSERS] : [...FIXED_BROWSERS, ...FIXED_SHELLS];
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  // Name first, then PATH order: a headless shell anywhere on PATH beats a full browser earlier on it (for printing).
  for (const name of names) for (const dir of dirs) for (const ext of process.platform === 'win32' ? ['.exe', ''] : ['']) {
    const p = join(dir, name + ext);
    if (executable(p)) return p;
  }
  return fixed.find(executable) ?? null;
}

// ---------------------------------------------------------------------------------------------
// The npm one

/** `node_modules/@sparticuz/chromium/bin` when the package is installed and fits this platform, else null. */
export function npmChromiumBinDir(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return null;
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  } catch {
    try {
      main = createRequire(join(process.cwd(), 'package.json')).resolve('@sparticuz/chromium');
    } catch {
      return null;
    }
  }
  // main = <pkg>/build/{cjs,esm}/index.*
  const bin = resolve(dirname(main), '..', '..', 'bin');
  return existsSync(join(bin, 'chromium.br')) ? bin : null;
}

function npmPackageVersion(binDir: string): string {
  try {
    return String(JSON.parse(readFileSync(join(binDir, '..', 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

function uid(): string {
  try { return String(userInfo().uid); } catch { return 'user'; }
}

/** Where the npm Chromium is (or will be) unpacked. */
export function npmChromiumCacheDir(binDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.DRMM_CHROMIUM_CACHE ? resolve(env.DRMM_CHROMIUM_CACHE) : join(tmpdir(), `drmm-chromium-${npmPackageVersion(binDir)}-${uid()}`);
}

/** Regular files and folders of a (ustar/GNU) tar archive, written under `dest`. */
function untar(buf: Buffer, dest: string): void {
  let off = 0;
  let longName: string | null = null;
  while (off + 512 <= buf.length) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const str = (a: number, b: number) => header.subarray(a, b).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(str(124, 136).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = str(345, 500);
    let name = longName ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
    longName = null;
    const body = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') { longName = body.toString('utf8').replace(/\0.*$/s, ''); continue; }
    name = name.replace(/^\.\//, '');
    const target = resolve(dest, name);
    if (!target.startsWith(resolve(dest))) continue; // never outside dest
    if (type === '5') mkdirSync(target, { recursive: true });
    else if (type === '0' || type === '7') {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, body);
      const mode = parseInt(str(100, 108).trim() || '644', 8);
      chmodSync(target, mode & 0o777);
    }
  }
}

function fontsConf(dir: string): string {
  return `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>/usr/share/fonts</dir>
  <dir>/usr/local/share/fonts</dir>
  <dir>${join(dir, 'fonts')}</dir>
  <cachedir>${join(dir, 'fonts-cache')}</cachedir>
</fontconfig>
`;
}

/**
 * Unpacks the npm Chromium once (a no-op when already there); returns its executable, or null
 * when the package is absent or does not fit this platform. Throws only when unpacking fails.
 */
export function ensureNpmChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const bin = npmChromiumBinDir();
  if (!bin) return null;
  const dir = npmChromiumCacheDir(bin, env);
  const exe = join(dir, 'chromium');
  if (executable(exe)) return exe;
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, 'chromium'), brotliDecompressSync(readFileSync(join(bin, 'chromium.br'))));
    chmodSync(join(tmp, 'chromium'), 0o755);
    for (const archive of ['al2023.tar.br', 'fonts.tar.br']) {
      const p = join(bin, archive);
      if (existsSync(p)) untar(brotliDecompressSync(readFileSync(p)), tmp);
    }
    writeFileSync(join(tmp, 'fonts.conf'), fontsConf(dir));
    try {
      renameSync(tmp, dir);
    } catch {
      // Another process unpacked it first: use theirs.
      if (!executable(exe)) {
        rmSync(dir, { recursive: true, force: true });
        renameSync(tmp, dir);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return executable(exe) ? exe : null;
}

/** True when `p` is the unpacked npm Chromium. */
function isNpmChromium(p: string, env: NodeJS.ProcessEnv): boolean {
  const bin = npmChromiumBinDir();
  return bin !== null && resolve(p) === join(npmChromiumCacheDir(bin, env), 'chromium');
}

/**
 * True when `executablePath` has no headless command-line actions (`--print-to-pdf`): the npm
 * Chromium, whose build leaves them out. Print with it over the DevTools pipe instead
 * (core/report/pdf-devtools.ts).
 */
export function printsOnlyOverDevTools(executablePath: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return isNpmChromium(executablePath, env);
}

/** Environment additions to launch `executablePath` with: the npm Chromium's libraries and fonts; nothing for others. */
export function launchEnv(executablePath: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (!isNpmChromium(executablePath, env)) return {};
  const dir = dirname(resolve(executablePath));
  const lib = join(dir, 'lib');
  return {
    LD_LIBRARY_PATH: [lib, ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)].join(':'),
    FONTCONFIG_PATH: dir,
    FONTCONFIG_FILE: join(dir, 'fonts.conf'),
  };
}

/**
 * The Chromium to use, or null when there is none (no system one, and the npm package is absent
 * or does not fit this platform). See the file comment for DRMM_CHROMIUM / DRMM_CHROME.
 */
export function resolveChromium(opts: { purpose?: ChromiumPurpose; env?: NodeJS.ProcessEnv } = {}): ChromiumExecutable | null {
  const env = opts.env ?? process.env;
  const purpose = opts.purpose ?? 'print';
  const choice = (env.DRMM_CHROMIUM ?? '').trim();
  const npm = (): ChromiumExecutable | null => {
    const p = ensureNpmChromium(env);
    return p ? { path: p, source: 'npm', env: launchEnv(p, env) } : null;
  };
  if (purpose === 'print' && env.DRMM_CHROME) return executable(env.DRMM_CHROME) ? { path: env.DRMM_CHROME, source: 'override', env: {} } : null;
  if (choice === 'npm') return npm();
  if (choice && choice !== 'system') return executable(choice) ? { path: choice, source: 'override', env: launchEnv(choice, env) } : null;
  const system = findSystemChromium(env, purpose);
  if (system) return { path: system, source: 'system', env: {} };
  return choice === 'system' ? null : npm();
}
