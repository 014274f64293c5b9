/**
 * End-to-end encryption of everything a lab queue carries that is data: the cell's configuration,
 * the dataset bytes, the live events and the results. The Redis server (and anyone who can read
 * it: the lab's admins, a worker without the key) sees job ids and sizes, never values.
 *
 * Key: 32 random bytes made by the host (`generateLabKey`), given to each worker out of band (a
 * file copied by hand, never through the queue). Key file: one line `drmm-lab-key-1:<base64url>`,
 * written with mode 0600. Key id: the first 16 hex digits of SHA-256("drmm-lab-key-id\n" ‖ key) —
 * stored in clear with each cell so that a worker holding another key can say so instead of
 * failing to decrypt.
 *
 * Envelope, version 1 (AES-256-GCM, Node's crypto):
 *
 *   byte 0        version (0x01)
 *   bytes 1–12    nonce (96 bits, random for every envelope)
 *   bytes 13–n−17 ciphertext
 *   last 16 bytes GCM authentication tag
 *
 * Additional authenticated data: UTF-8 of `drmm-lab/1\n<kind>\n<id>`, where kind is what the payload
 * is (`config`, `event`, `result`, `data`, `check`) and id the cell's job id (a dataset chunk: the
 * host id, the dataset hash and the chunk index). An envelope moved to another job or read as
 * another kind fails authentication. Plaintext: Node's structured-clone serialisation (v8.serialize,
 * the encoding of the host ↔ training process IPC), so NaN, ±Infinity and typed arrays arrive as sent.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { DrmmError } from '../errors';

export const ENVELOPE_VERSION = 1;
export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES;
const KEY_FILE_PREFIX = 'drmm-lab-key-1:';

export type PayloadKind = 'config' | 'event' | 'result' | 'data' | 'check';

/** A lab key: the 32 bytes and their public id. */
export interface LabKey {
  bytes: Buffer;
  /** 16 hex digits; safe to show and to store in clear. */
  id: string;
}

export function labKey(bytes: Buffer): LabKey {
  if (bytes.length !== KEY_BYTES) throw new DrmmError('INVALID_ARGUMENT', `A lab key has ${KEY_BYTES} bytes, this one ${bytes.length}.`, { hint: 'Use a key file made by drmm (drmm experiment --queue … --key-file NEW_FILE creates one).' });
  return { bytes: Buffer.from(bytes), id: keyId(bytes) };
}

export function generateLabKey(): LabKey {
  return labKey(randomBytes(KEY_BYTES));
}

export function keyId(bytes: Buffer): string {
  return createHash('sha256').update('drmm-lab-key-id\n').update(bytes).digest('hex').slice(0, 16);
}

/** The key as the one line of a key file (also what a user pastes into the app's settings). */
export function formatLabKey(key: LabKey): string {
  return `${KEY_FILE_PREFIX}${key.bytes.toString('base64url')}`;
}

/** Reads a key from its text form (a key file's content or a pasted key); whitespace around it is ignored. */
export function parseLabKey(text: string, where = 'the key'): LabKey {
  const t = text.trim();
  if (!t.startsWith(KEY_FILE_PREFIX)) {
    throw new DrmmError('INVALID_ARGUMENT', `${where} is not a DRMM lab key (it should start with '${KEY_FILE_PREFIX}').`, { hint: 'Copy the key file the host made, unchanged.' });
  }
  const bytes = Buffer.from(t.slice(KEY_FILE_PREFIX.length), 'base64url');
  if (bytes.length !== KEY_BYTES) throw new DrmmError('INVALID_ARGUMENT', `${where} is damaged: it holds ${bytes.length} bytes, not ${KEY_BYTES}.`, { hint: 'Copy the key file the host made again, unchanged.' });
  return labKey(bytes);
}

export function readKeyFile(file: string): LabKey {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DrmmError('FILE_NOT_FOUND', `Cannot read the lab key file ${file} (${code ?? (e as Error).message}).`, {
      location: { file }, hint: 'Give the key file the host made (--key-file), copied to this machine by hand.',
    });
  }
  return parseLabKey(text, `The key file ${file}`);
}

/** Writes a key file readable by its owner only (0600); refuses to overwrite one. */
export function writeKeyFile(file: string, key: LabKey): void {
  if (existsSync(file)) throw new DrmmError('CONFLICT', `The key file ${file} exists already.`, { location: { file }, hint: 'Use it, or choose another path for a new key.' });
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, `${formatLabKey(key)}\n`, { mode: 0o600, flag: 'wx' });
  try { chmodSync(file, 0o600); } catch { /* not POSIX */ }
}

/** The key in `file`, made (0600) when the file does not exist; `created` says which. */
export function loadOrCreateKeyFile(file: string): { key: LabKey; created: boolean } {
  if (existsSync(file)) return { key: readKeyFile(file), created: false };
  const key = generateLabKey();
  writeKeyFile(file, key);
  return { key, created: true };
}

export function aad(kind: PayloadKind, id: string): Buffer {
  return Buffer.from(`drmm-lab/${ENVELOPE_VERSION}\n${kind}\n${id}`, 'utf8');
}

/** Encrypts `plain` as an envelope bound to (kind, id). */
export function sealBytes(key: LabKey, kind: PayloadKind, id: string, plain: Uint8Array): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(kind, id));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.from([ENVELOPE_VERSION]), nonce, body, cipher.getAuthTag()]);
}

/** Why an envelope could not be opened. */
export class EnvelopeError extends DrmmError {
  constructor(message: string, hint: string) {
    super('INVALID_ARGUMENT', message, { hint });
  }
}

/** Decrypts and authenticates an envelope made for (kind, id); an EnvelopeError in plain words otherwise. */
export function openBytes(key: LabKey, kind: PayloadKind, id: string, envelope: Uint8Array): Buffer {
  const env = Buffer.from(envelope.buffer, envelope.byteOffset, envelope.byteLength);
  if (env.length < HEADER_BYTES + TAG_BYTES) throw new EnvelopeError(`The ${kind} payload of ${id} is too short to be an envelope (${env.length} bytes).`, 'It was damaged or not written by drmm.');
  if (env[0] !== ENVELOPE_VERSION) throw new EnvelopeError(`The ${kind} payload of ${id} has envelope version ${env[0]}; this drmm reads version ${ENVELOPE_VERSION}.`, 'Run the same drmm version on the host and the workers.');
  const nonce = env.subarray(1, HEADER_BYTES);
  const tag = env.subarray(env.length - TAG_BYTES);
  const body = env.subarray(HEADER_BYTES, env.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key.bytes, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(kind, id));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new EnvelopeError(
      `The ${kind} payload of ${id} cannot be decrypted with key ${key.id}: the key is not the one it was sealed with, or the payload was changed.`,
      'Give this machine the key file of the host that queued it.',
    );
  }
}

/** A value (structured clone) sealed as base64 text, for JSON job data. */
export function sealValue(key: LabKey, kind: PayloadKind, id: string, value: unknown): string {
  return sealBytes(key, kind, id, serialize(value)).toString('base64');
}

export function openValue<T = unknown>(key: LabKey, kind: PayloadKind, id: string, sealed: string): T {
  return deserialize(openBytes(key, kind, id, Buffer.from(sealed, 'base64'))) as T;
}

/** Whether two key ids are the same (constant time; ids are public, this is only tidy). */
export function sameKeyId(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
