/**
 * A parsed dataset as compact bytes, for the store's cache (`cache/<sha256 of these bytes>.bin`):
 * `DRMMDS` magic, format version, a JSON header (names, features, classes, levels, ids, block sizes),
 * then 8-byte-aligned binary blocks (Float32 modality values, Int32 codes, Int8 provided split),
 * little-endian, and — since version 4 — a SHA-256 of everything before it. Round trip is exact, NaN
 * included, and canonical: encoding a decoded cache gives the same bytes.
 *
 * Versions (the binary layout is the same in all; only the header grows, and version 4 adds the trailer):
 * 1. names, features and values only (a `tfidf` text column stored already IDF-weighted, L2-normalised).
 * 2. adds each modality's TF-IDF blocks (raw term counts whose IDF is fit at preparation).
 * 3. adds each modality's feature kinds (`ModalityMatrix.blocks`, preprocessing v2, METHOD.md §1), which
 *    replace the TF-IDF blocks (now the blocks of kind `tfidf`).
 * 4. adds the 32-byte SHA-256 trailer, checked on every decode: a cache changed on disk (a flipped byte,
 *    same size) is refused instead of trained on. Also the header is checked field by field (a run
 *    bundle's cache comes from elsewhere) and the codes against their classes, levels and split parts.
 * Each bump makes an older build refuse a cache it would misread. Versions 1 to 3 are still read: their
 * kinds are derived from the feature names the encoders write (`col=level`, `note#0 …`) checked against the
 * values (blocks.ts `deriveBlocks`). That is chosen over calling such a cache stale and re-reading the
 * source files because the training process has only the cache (the store's `cache/<hash>.bin`, or a
 * bundle's copy), and the source files may have moved or gone since the import; the derivation gives the
 * kinds a fresh import would, so the dataset trains under preprocessing v2 all the same. They carry no
 * checksum: the host's store checks one when it first reads it and rewrites it as version 4
 * (`Store.checkDatasetCache`), so from then on it is verified like any other.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { DrmmError } from '../errors';
import type { Dataset, FeatureBlock, ModalityMatrix } from './dataset';
import { blocksProblem, deriveBlocks, FEATURE_KINDS } from './blocks';

const MAGIC = 'DRMMDS';
export const DATASET_CACHE_VERSION = 4;
/** Versions this build decodes. */
const READABLE_VERSIONS = new Set([1, 2, 3, 4]);
/** Bytes of the SHA-256 trailer (version 4 on). */
const CHECKSUM_BYTES = 32;

/**
 * The JSON header, checked field by field on decode. `blocks`: since version 3, when the modality has
 * them (absent: all numeric). `tfidf`: version 2 only, when the modality had TF-IDF blocks.
 */
const HeaderSchema = z.object({
  name: z.string(),
  nRows: z.number().int().min(0).max(2 ** 31 - 1),
  modalities: z.array(z.object({
    name: z.string(),
    features: z.array(z.string()),
    width: z.number().int().min(0).max(2 ** 31 - 1),
    blocks: z.array(z.object({ start: z.number().int().min(0), size: z.number().int().min(1), kind: z.enum(FEATURE_KINDS as [FeatureBlock['kind'], ...FeatureBlock['kind'][]]) })).optional(),
    tfidf: z.array(z.object({ start: z.number(), size: z.number() })).optional(),
  })),
  target: z.object({ name: z.string(), classes: z.array(z.string()) }),
  groups: z.object({ name: z.string(), levels: z.array(z.string()) }).optional(),
  ids: z.array(z.string()).optional(),
  providedSplit: z.boolean(),
});
type Header = z.infer<typeof HeaderSchema>;

const align8 = (n: number): number => (n + 7) & ~7;

export function encodeDataset(ds: Dataset): Buffer {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('big-endian hosts are not supported by the dataset cache');
  // Built field by field in a fixed order: the same dataset always gives the same bytes.
  const header: Header = {
    name: ds.name,
    nRows: ds.nRows,
    modalities: ds.modalities.map((m) => ({
      name: m.name, features: [...m.features], width: m.width,
      ...(m.blocks ? { blocks: m.blocks.map((b) => ({ start: b.start, size: b.size, kind: b.kind })) } : {}),
    })),
    target: { name: ds.target.name, classes: [...ds.target.classes] },
    ...(ds.groups ? { groups: { name: ds.groups.name, levels: [...ds.groups.levels] } } : {}),
    ...(ds.ids ? { ids: [...ds.ids] } : {}),
    providedSplit: ds.providedSplit !== undefined,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const blocks: ArrayBufferView[] = [...ds.modalities.map((m) => m.values), ds.target.codes];
  if (ds.groups) blocks.push(ds.groups.codes);
  if (ds.providedSplit) blocks.push(ds.providedSplit);
  // Layout: magic(6) pad(2) version u32, jsonLength u32, json, pad → blocks (each padded to 8) → SHA-256 of all that.
  let size = align8(16 + json.length);
  for (const b of blocks) size += align8(b.byteLength);
  const out = Buffer.alloc(size + CHECKSUM_BYTES);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(DATASET_CACHE_VERSION, 8);
  out.writeUInt32LE(json.length, 12);
  json.copy(out, 16);
  let o = align8(16 + json.length);
  for (const b of blocks) {
    const bytes = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    bytes.copy(out, o);
    o += align8(b.byteLength);
  }
  createHash('sha256').update(out.subarray(0, size)).digest().copy(out, size);
  return out;
}

/**
 * Why the bytes are no usable dataset cache. The message is about the bytes only: the caller knows
 * which dataset (or bundle) they belong to, and so what to do next (the store: import the dataset
 * again from its files, which rebuilds the cache; a bundle: export it again).
 */
function corrupt(why: string): DrmmError {
  return new DrmmError('CONFLICT', `the cached dataset (parsed data) is unreadable: ${why}`, {
    hint: 'Import the dataset again from its source files (same spec): the import rebuilds its parsed data. Without the files, import its run bundle again.',
  });
}

/** The format version of cache bytes, or undefined when they are no DRMM dataset cache at all. */
export function cacheFormatVersion(buf: Uint8Array): number | undefined {
  if (buf.length < 16 || Buffer.from(buf.buffer, buf.byteOffset, 6).toString('latin1') !== MAGIC) return undefined;
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).readUInt32LE(8);
}

/** A version-2 header's TF-IDF blocks, checked to lie within the modality. */
function checkedTfidf(m: Header['modalities'][number]): { start: number; size: number }[] {
  const blocks = m.tfidf ?? [];
  for (const b of blocks) {
    if (!(Number.isInteger(b.start) && Number.isInteger(b.size) && b.start >= 0 && b.size > 0 && b.start + b.size <= m.width)) throw corrupt(`bad TF-IDF block in modality '${m.name}'`);
  }
  return blocks;
}

/** Every code in [0, count) (`what` names them in the message). */
function checkCodes(codes: Int32Array | Int8Array, count: number, what: string): void {
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (!(c >= 0 && c < count)) throw corrupt(`${what} of row ${i + 1} is ${c}, outside 0…${count - 1}`);
  }
}

export function decodeDataset(buf: Buffer): Dataset {
  try {
    return decode(buf);
  } catch (e) {
    if (e instanceof DrmmError) throw e;
    throw corrupt((e as Error)?.message ?? String(e));
  }
}

function decode(whole: Buffer): Dataset {
  const version = cacheFormatVersion(whole);
  if (version === undefined) throw corrupt('not a DRMM dataset cache');
  if (!READABLE_VERSIONS.has(version)) throw corrupt(`format version ${version}, this build reads ${[...READABLE_VERSIONS].join(', ')}`);
  let buf = whole;
  if (version >= 4) {
    if (whole.length < 16 + CHECKSUM_BYTES) throw corrupt('truncated');
    buf = whole.subarray(0, whole.length - CHECKSUM_BYTES);
    const sum = createHash('sha256').update(buf).digest();
    if (!sum.equals(whole.subarray(whole.length - CHECKSUM_BYTES))) throw corrupt('its checksum does not match its bytes (changed or truncated on disk)');
  }
  const jsonLength = buf.readUInt32LE(12);
  if (16 + jsonLength > buf.length) throw corrupt('truncated header');
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString('utf8', 16, 16 + jsonLength));
  } catch {
    throw corrupt('unreadable header');
  }
  const parsed = HeaderSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw corrupt(`bad header field '${issue.path.join('.') || '(root)'}': ${issue.message}`);
  }
  const h = parsed.data;
  let o = align8(16 + jsonLength);
  const take = (bytes: number): ArrayBuffer => {
    if (!Number.isSafeInteger(bytes) || o + bytes > buf.length) throw corrupt('truncated data');
    // Copy into a fresh, aligned buffer (a Node Buffer may sit at any offset of a shared pool).
    const ab = new ArrayBuffer(bytes);
    new Uint8Array(ab).set(buf.subarray(o, o + bytes));
    o += align8(bytes);
    return ab;
  };
  const n = h.nRows;
  const modalities = h.modalities.map((m): ModalityMatrix => {
    if (m.features.length !== m.width) throw corrupt(`modality '${m.name}' names ${m.features.length} features for width ${m.width}`);
    const mm: ModalityMatrix = { name: m.name, features: m.features, width: m.width, values: new Float32Array(take(n * m.width * 4)) };
    const blocks = version >= 3 ? m.blocks : deriveBlocks(mm, version === 2 ? checkedTfidf(m) : []);
    if (blocks) {
      const why = blocksProblem(blocks, m.width);
      if (why) throw corrupt(`bad feature blocks in modality '${m.name}': ${why}`);
      mm.blocks = blocks.map((b) => ({ start: b.start, size: b.size, kind: b.kind }));
    }
    return mm;
  });
  const target = { name: h.target.name, classes: h.target.classes, codes: new Int32Array(take(n * 4)) };
  checkCodes(target.codes, target.classes.length, 'the class code');
  const groups = h.groups ? { name: h.groups.name, levels: h.groups.levels, codes: new Int32Array(take(n * 4)) } : undefined;
  if (groups) checkCodes(groups.codes, groups.levels.length, 'the group code');
  const providedSplit = h.providedSplit ? new Int8Array(take(n)) : undefined;
  if (providedSplit) checkCodes(providedSplit, 3, 'the split part');
  if (h.ids && h.ids.length !== n) throw corrupt(`${h.ids.length} row ids for ${n} rows`);
  if (version >= 4 && o !== buf.length) throw corrupt('bytes left over after the data');
  const ds: Dataset = { name: h.name, nRows: n, modalities, target };
  if (groups) ds.groups = groups;
  if (h.ids) ds.ids = h.ids;
  if (providedSplit) ds.providedSplit = providedSplit;
  return ds;
}

/** SHA-256 of bytes, hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of a file's bytes, hex, read as a stream. */
export function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    const s = createReadStream(path, { highWaterMark: 1 << 20 });
    s.on('data', (chunk) => h.update(chunk));
    s.on('error', (e) => reject(new DrmmError('FILE_NOT_FOUND', `cannot read ${path}: ${e.message}`, { location: { file: path }, hint: 'Check the path.', cause: e })));
    s.on('end', () => resolve(h.digest('hex')));
  });
}
