/**
 * A parsed dataset as compact bytes, for the store's cache (keyed by the content hash of its
 * files): `DRMMDS` magic, format version, a JSON header (names, features, classes, levels, ids,
 * block sizes), then 8-byte-aligned binary blocks (Float32 modality values, Int32 codes, Int8
 * provided split), little-endian. Round trip is exact, NaN included.
 *
 * Versions (the binary layout is the same in all three; only the header grows):
 * 1. names, features and values only (a `tfidf` text column stored already IDF-weighted, L2-normalised).
 * 2. adds each modality's TF-IDF blocks (raw term counts whose IDF is fit at preparation).
 * 3. adds each modality's feature kinds (`ModalityMatrix.blocks`, preprocessing v2, METHOD.md §1), which
 *    replace the TF-IDF blocks (now the blocks of kind `tfidf`).
 * Each bump makes an older build refuse a cache it would misread. Versions 1 and 2 are still read: their
 * kinds are derived from the feature names the encoders write (`col=level`, `note#0 …`) checked against the
 * values (blocks.ts `deriveBlocks`). That is chosen over calling such a cache stale and re-reading the
 * source files because the training process has only the cache (the store's `cache/<hash>.bin`, or a
 * bundle's copy), and the source files may have moved or gone since the import; the derivation gives the
 * kinds a fresh import would, so the dataset trains under preprocessing v2 all the same.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { DrmmError } from '../errors';
import type { Dataset, FeatureBlock, ModalityMatrix } from './dataset';
import { blocksProblem, deriveBlocks } from './blocks';

const MAGIC = 'DRMMDS';
export const DATASET_CACHE_VERSION = 3;
/** Versions this build decodes. */
const READABLE_VERSIONS = new Set([1, 2, 3]);

interface Header {
  name: string;
  nRows: number;
  /**
   * `blocks`: since version 3, when the modality has them (absent: all numeric). `tfidf`: version 2 only,
   * when the modality had TF-IDF blocks.
   */
  modalities: { name: string; features: string[]; width: number; blocks?: FeatureBlock[]; tfidf?: { start: number; size: number }[] }[];
  target: { name: string; classes: string[] };
  groups?: { name: string; levels: string[] };
  ids?: string[];
  providedSplit: boolean;
}

const align8 = (n: number): number => (n + 7) & ~7;

export function encodeDataset(ds: Dataset): Buffer {
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('big-endian hosts are not supported by the dataset cache');
  const header: Header = {
    name: ds.name,
    nRows: ds.nRows,
    modalities: ds.modalities.map((m) => ({ name: m.name, features: m.features, width: m.width, ...(m.blocks ? { blocks: m.blocks } : {}) })),
    target: { name: ds.target.name, classes: ds.target.classes },
    groups: ds.groups ? { name: ds.groups.name, levels: ds.groups.levels } : undefined,
    ids: ds.ids,
    providedSplit: ds.providedSplit !== undefined,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const blocks: ArrayBufferView[] = [...ds.modalities.map((m) => m.values), ds.target.codes];
  if (ds.groups) blocks.push(ds.groups.codes);
  if (ds.providedSplit) blocks.push(ds.providedSplit);
  // Layout: magic(6) pad(2) version u32, jsonLength u32, json, pad → blocks (each padded to 8).
  let size = align8(16 + json.length);
  for (const b of blocks) size += align8(b.byteLength);
  const out = Buffer.alloc(size);
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
  return out;
}

function corrupt(why: string): DrmmError {
  return new DrmmError('INVALID_ARGUMENT', `cached dataset is unreadable: ${why}`, { hint: 'Delete the cache entry; the dataset will be read again from its files.' });
}

/** A version-2 header's TF-IDF blocks, checked to lie within the modality. */
function checkedTfidf(m: Header['modalities'][number]): { start: number; size: number }[] {
  const blocks = m.tfidf ?? [];
  for (const b of blocks) {
    if (!(Number.isInteger(b.start) && Number.isInteger(b.size) && b.start >= 0 && b.size > 0 && b.start + b.size <= m.width)) throw corrupt(`bad TF-IDF block in modality '${m.name}'`);
  }
  return blocks;
}

export function decodeDataset(buf: Buffer): Dataset {
  if (buf.length < 16 || buf.toString('latin1', 0, 6) !== MAGIC) throw corrupt('not a DRMM dataset cache');
  const version = buf.readUInt32LE(8);
  if (!READABLE_VERSIONS.has(version)) throw corrupt(`format version ${version}, this build reads ${[...READABLE_VERSIONS].join(' and ')}`);
  const jsonLength = buf.readUInt32LE(12);
  if (16 + jsonLength > buf.length) throw corrupt('truncated header');
  const h = JSON.parse(buf.toString('utf8', 16, 16 + jsonLength)) as Header;
  let o = align8(16 + jsonLength);
  const take = (bytes: number): ArrayBuffer => {
    if (o + bytes > buf.length) throw corrupt('truncated data');
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
  const groups = h.groups ? { name: h.groups.name, levels: h.groups.levels, codes: new Int32Array(take(n * 4)) } : undefined;
  const providedSplit = h.providedSplit ? new Int8Array(take(n)) : undefined;
  const ds: Dataset = { name: h.name, nRows: n, modalities, target };
  if (groups) ds.groups = groups;
  if (h.ids) ds.ids = h.ids;
  if (providedSplit) ds.providedSplit = providedSplit;
  return ds;
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
