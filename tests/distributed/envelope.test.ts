/**
 * The lab queue's sealing (core/distributed/envelope.ts) and addresses (queue-url.ts), without a
 * server: the envelope's layout (version, nonce, tag), its binding to a job id and a payload kind,
 * a wrong key said in words, key files, and URLs whose password never reaches a label.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  aad, ENVELOPE_VERSION, formatLabKey, generateLabKey, loadOrCreateKeyFile, NONCE_BYTES, openBytes, openValue, parseLabKey, readKeyFile,
  sealBytes, sealValue, TAG_BYTES,
} from '../../core/distributed/envelope';
import { isLoopback, parseQueueUrl, redactQueueUrl } from '../../core/distributed/queue-url';
import { cellJobId, parseCellJobId } from '../../core/distributed/layout';
import { collectArtifacts } from '../../core/distributed/worker';

const work = mkdtempSync(path.join(tmpdir(), 'drmm-envelope-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('envelope v1 (AES-256-GCM)', () => {
  const key = generateLabKey();

  it('is version ‖ 96-bit nonce ‖ ciphertext ‖ 128-bit tag, a fresh nonce each time', () => {
    const plain = Buffer.from('feature values 0.8371');
    const a = sealBytes(key, 'data', 'h/abc/0', plain);
    const b = sealBytes(key, 'data', 'h/abc/0', plain);
    expect(a[0]).toBe(ENVELOPE_VERSION);
    expect(a.length).toBe(1 + NONCE_BYTES + plain.length + TAG_BYTES);
    expect(a.subarray(1, 1 + NONCE_BYTES).equals(b.subarray(1, 1 + NONCE_BYTES))).toBe(false);
    expect(a.includes(plain)).toBe(false);
    expect(openBytes(key, 'data', 'h/abc/0', a).equals(plain)).toBe(true);
    expect(aad('result', 'c-1-2').toString()).toBe('drmm-lab/1\nresult\nc-1-2');
  });

  it('carries structured clones: NaN, ±Infinity and typed arrays survive', () => {
    const v = { loss: Number.NaN, top: Number.POSITIVE_INFINITY, w: new Float32Array([0.5, -1.25]), nested: [{ a: 1 }] };
    const back = openValue<typeof v>(key, 'result', 'c-x', sealValue(key, 'result', 'c-x', v));
    expect(back.loss).toBeNaN();
    expect(back.top).toBe(Number.POSITIVE_INFINITY);
    expect(back.w).toBeInstanceOf(Float32Array);
    expect(Array.from(back.w)).toEqual([0.5, -1.25]);
    expect(back.nested).toEqual([{ a: 1 }]);
  });

  it('is bound to its job id and payload kind (AAD): moved or relabelled, it does not open', () => {
    const sealed = sealBytes(key, 'config', 'c-aaaaaaaaaaaa-1', Buffer.from('{}'));
    expect(() => openBytes(key, 'config', 'c-aaaaaaaaaaaa-2', sealed)).toThrow(/cannot be decrypted/);
    expect(() => openBytes(key, 'result', 'c-aaaaaaaaaaaa-1', sealed)).toThrow(/cannot be decrypted/);
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 20] ^= 1;
    expect(() => openBytes(key, 'config', 'c-aaaaaaaaaaaa-1', flipped)).toThrow(/changed/);
  });

  it('says which key failed, and refuses other envelope versions', () => {
    const other = generateLabKey();
    const sealed = sealBytes(key, 'event', 'c-1', Buffer.from('x'));
    expect(() => openBytes(other, 'event', 'c-1', sealed)).toThrow(new RegExp(`key ${other.id}`));
    const v2 = Buffer.from(sealed);
    v2[0] = 2;
    expect(() => openBytes(key, 'event', 'c-1', v2)).toThrow(/envelope version 2/);
    expect(() => openBytes(key, 'event', 'c-1', Buffer.alloc(5))).toThrow(/too short/);
  });
});

describe('lab keys', () => {
  it('round-trip through a key file readable by its owner only; junk is refused in words', () => {
    const file = path.join(work, 'keys', 'lab.key');
    const made = loadOrCreateKeyFile(file);
    expect(made.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = loadOrCreateKeyFile(file);
    expect(again.created).toBe(false);
    expect(again.key.id).toBe(made.key.id);
    expect(again.key.bytes.equals(made.key.bytes)).toBe(true);
    expect(readKeyFile(file).id).toMatch(/^[0-9a-f]{16}$/);
    expect(parseLabKey(`  ${formatLabKey(made.key)}\n`).id).toBe(made.key.id);
    mkdirSync(path.join(work, 'bad'), { recursive: true });
    writeFileSync(path.join(work, 'bad', 'k'), 'hunter2');
    expect(() => readKeyFile(path.join(work, 'bad', 'k'))).toThrow(/not a DRMM lab key/);
    expect(() => parseLabKey('drmm-lab-key-1:AAAA')).toThrow(/damaged/);
    expect(() => readKeyFile(path.join(work, 'missing.key'))).toThrow(/Cannot read the lab key file/);
  });
});

describe('queue URLs', () => {
  it('take credentials, TLS, database and prefix; the label has no password', () => {
    const a = parseQueueUrl('redis://drmm:s%40cret@lab.example:6380/2?prefix=lab-1');
    expect(a).toMatchObject({ tls: false, host: 'lab.example', port: 6380, db: 2, username: 'drmm', password: 's@cret', prefix: 'lab-1' });
    expect(a.label).toBe('redis://drmm@lab.example:6380/2 prefix lab-1');
    expect(a.label).not.toContain('cret');
    const b = parseQueueUrl('rediss://u:p@10.0.0.5?ca=/etc/lab-ca.pem');
    expect(b).toMatchObject({ tls: true, port: 6379, db: 0, prefix: 'drmm', caFile: '/etc/lab-ca.pem' });
    expect(isLoopback(parseQueueUrl('redis://127.0.0.1'))).toBe(true);
    expect(isLoopback(b)).toBe(false);
    expect(redactQueueUrl('redis://drmm:secret@h:1/0')).toBe('redis://drmm:***@h:1/0');
  });

  it('refuse what is not a Redis address, in words', () => {
    expect(() => parseQueueUrl('http://lab:6379')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => parseQueueUrl('redis://h/99')).toThrow(/0–15/);
    expect(() => parseQueueUrl('redis://h?ca=/x.pem')).toThrow(/rediss/);
    expect(() => parseQueueUrl('redis://h?prefix=a:b')).toThrow(/prefix/);
    expect(() => parseQueueUrl('redis://h?timeout=3')).toThrow(/unknown parameter 'timeout'/);
    expect(() => parseQueueUrl('not a url with secret@')).toThrow(/not a URL/);
  });

  it('cell job ids carry the host and the run, nothing else', () => {
    expect(cellJobId('0123456789ab', 42)).toBe('c-0123456789ab-42');
    expect(parseCellJobId('c-0123456789ab-42')).toEqual({ hostId: '0123456789ab', runId: 42 });
    expect(parseCellJobId('c-xyz-1')).toBeUndefined();
  });
});

describe('artifacts a worker sends back', () => {
  it('are the files under each artifact, relative to the run folder; nothing outside it', () => {
    const dir = path.join(work, 'run');
    mkdirSync(path.join(dir, 'model'), { recursive: true });
    writeFileSync(path.join(dir, 'model', 'model.json'), '{}');
    writeFileSync(path.join(dir, 'model', 'weights.bin'), Buffer.from([1, 2, 3]));
    const out = collectArtifacts(dir, [{ kind: 'model', path: path.join(dir, 'model') }]);
    expect(out.refs).toEqual([{ kind: 'model', path: 'model' }]);
    expect(out.files.map((f) => f.path)).toEqual(['model/model.json', 'model/weights.bin']);
    expect(() => collectArtifacts(dir, [{ kind: 'x', path: path.join(work, 'elsewhere') }])).toThrow(/outside/);
  });
});
