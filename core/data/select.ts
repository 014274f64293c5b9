/**
 * Column selection helpers shared by the spec, the reader and the wizard's server side:
 * - positional selections: 1-based column positions, ranges and lists (`"16-159"`, `"5-15,17"`);
 * - regular expressions that cannot hang: catastrophic patterns (nested or alternating repetition,
 *   back-references) are refused when the spec is parsed, and every match runs under a time limit;
 * - own-property lookups in objects that came from JSON (`constructor`, `__proto__` are column names
 *   like any other, never inherited members).
 */
import vm from 'node:vm';
import { DrmmError } from '../errors';

/** `obj[key]` when it is obj's own property (never `Object.prototype`'s). */
export function own<T>(obj: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return obj !== undefined && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** Own keys and values, as a Map (safe for any key). */
export function ownMap<T>(obj: Readonly<Record<string, T>> | undefined): Map<string, T> {
  const m = new Map<string, T>();
  if (obj) for (const k of Object.keys(obj)) m.set(k, obj[k]);
  return m;
}

const POSITIONS_RE = /^\s*\d+\s*(-\s*\d+\s*)?(,\s*\d+\s*(-\s*\d+\s*)?)*$/;

/** Whether `s` is written like a positional selection (`7`, `16-159`, `5-15,17`). */
export function isPositional(s: string): boolean {
  return POSITIONS_RE.test(s);
}

/**
 * 1-based positions of a selection like `5-15,17`, in the order written, each once. `width` is the
 * number of columns: a position beyond it is an error naming the selection. Undefined when `s` is not
 * positional.
 */
export function parsePositions(s: string, width: number, where: string): number[] | undefined {
  if (!isPositional(s)) return undefined;
  const out: number[] = [];
  const seen = new Set<number>();
  for (const part of s.split(',')) {
    const [a, b] = part.split('-').map((x) => Number(x.trim()));
    const lo = a, hi = b === undefined ? a : b;
    if (lo < 1 || hi < lo) {
      throw new DrmmError('INVALID_SPEC', `${where}: '${part.trim()}' is not a range of column positions`, { hint: 'Positions start at 1; write a range low-high, e.g. "16-159".' });
    }
    if (hi > width) {
      throw new DrmmError('INVALID_SPEC', `${where}: column position ${hi} is beyond the ${width} columns`, { hint: `Positions go from 1 to ${width}; the import summary lists each column with its position.` });
    }
    for (let p = lo; p <= hi; p++) if (!seen.has(p)) { seen.add(p); out.push(p); }
  }
  return out;
}

/** Positions as the shortest range text: [1,2,3,5] → "1-3,5". */
export function formatPositions(positions: readonly number[]): string {
  const sorted = [...new Set(positions)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * Why a regular expression may take exponential time, or undefined. Refused: a repeated group that
 * itself holds a repetition (`(m+)+`, `(a*b?)*`) or an alternation (`(a|aa)+`), and back-references
 * (`(a)\1`). Group-free patterns and single repetitions (`^lab_.*$`, `^(img|scan)\d+$`) pass.
 */
export function regexProblem(pattern: string): string | undefined {
  interface Frame { repeats: boolean; alternates: boolean }
  const stack: Frame[] = [{ repeats: false, alternates: false }];
  /** What the last atom was: a closed group (with its frame), another atom, or nothing to repeat. */
  let last: { group?: Frame } | null = null;
  let i = 0;
  const quantifierAt = (k: number): { max: number; len: number } | null => {
    const c = pattern[k];
    if (c === '*' || c === '+') return { max: Infinity, len: 1 + (pattern[k + 1] === '?' ? 1 : 0) };
    if (c === '?') return { max: 1, len: 1 + (pattern[k + 1] === '?' ? 1 : 0) };
    if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}\??/.exec(pattern.slice(k));
      if (!m) return null;
      const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
      return { max, len: m[0].length };
    }
    return null;
  };
  while (i < pattern.length) {
    const c = pattern[i];
    const q = quantifierAt(i);
    if (q) {
      if (q.max > 1 && last) {
        const top = stack[stack.length - 1];
        if (last.group) {
          if (last.group.repeats) return 'a repeated group holds another repetition (like "(a+)+"), which can take exponential time';
          if (last.group.alternates) return 'a repeated group holds an alternation (like "(a|ab)+"), which can take exponential time';
        }
        top.repeats = true;
      }
      i += q.len;
      last = null;
      continue;
    }
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n !== undefined && /[1-9]/.test(n)) return 'back-references (\\1) can take exponential time';
      if (n === 'k' && pattern[i + 2] === '<') return 'back-references (\\k<name>) can take exponential time';
      i += n === 'u' && pattern[i + 2] === '{' ? pattern.indexOf('}', i) + 1 || pattern.length : 2;
      last = {};
      continue;
    }
    if (c === '[') {
      let k = i + 1;
      if (pattern[k] === '^') k++;
      if (pattern[k] === ']') k++;
      while (k < pattern.length && pattern[k] !== ']') k += pattern[k] === '\\' ? 2 : 1;
      i = k + 1;
      last = {};
      continue;
    }
    if (c === '(') {
      stack.push({ repeats: false, alternates: false });
      if (pattern[i + 1] === '?') {
        const m = /^\(\?(<?[=!]|:|<[A-Za-z_$][\w$]*>)/.exec(pattern.slice(i));
        i += m ? m[0].length : 2;
      } else i++;
      last = null;
      continue;
    }
    if (c === ')') {
      const frame = stack.length > 1 ? stack.pop()! : { repeats: false, alternates: false };
      const parent = stack[stack.length - 1];
      if (frame.repeats) parent.repeats = true;
      i++;
      last = { group: frame };
      continue;
    }
    if (c === '|') { stack[stack.length - 1].alternates = true; i++; last = null; continue; }
    i++;
    last = {};
  }
  return undefined;
}

/** How long one pattern may run over all column names before the import refuses it. */
export const PATTERN_TIME_LIMIT_MS = 500;

/**
 * The names `pattern` matches, tested under a time limit (in a separate V8 context whose run can be
 * interrupted), so that no pattern blocks the host for long. Throws INVALID_SPEC for a bad or slow pattern.
 */
export function matchNames(pattern: string, names: readonly string[], where: string): boolean[] {
  const why = regexProblem(pattern);
  if (why) throw unsafePattern(pattern, where, why);
  try { new RegExp(pattern); } catch (e) {
    throw new DrmmError('INVALID_SPEC', `${where}: not a valid regular expression: ${pattern}`, { hint: `${(e as Error).message}. Fix the pattern (JavaScript syntax), or choose the columns by "prefix" or positions.` });
  }
  const ctx = vm.createContext({ pattern, names: [...names] });
  try {
    const out = vm.runInContext('(() => { const re = new RegExp(pattern); return names.map((n) => (re.test(n) ? "1" : "0")).join(""); })()', ctx, { timeout: PATTERN_TIME_LIMIT_MS }) as string;
    // A string crosses the context boundary as a primitive: one "1"/"0" per name.
    return Array.from(out, (ch) => ch === '1');
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw unsafePattern(pattern, where, `matching the column names took more than ${PATTERN_TIME_LIMIT_MS} ms`);
    throw e;
  }
}

function unsafePattern(pattern: string, where: string, why: string): DrmmError {
  return new DrmmError('INVALID_SPEC', `${where}: the pattern ${JSON.stringify(pattern)} is refused: ${why}`, {
    hint: 'Write it without nested repetition (e.g. "^m+$" instead of "^(m+)+$"), or choose the columns by "prefix" or by positions ("16-159").',
  });
}
