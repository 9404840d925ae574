/**
 * The IDX file format (LeCun's MNIST format, also Fashion-MNIST's), gzipped or raw.
 *
 * Layout: a 4-byte magic number `00 00 <type> <ndims>`, then `ndims` big-endian uint32 sizes,
 * then the payload, row-major. Only unsigned bytes (type 0x08) are used by the datasets here:
 * labels are `0x00000801` (1 dimension) and images `0x00000803` (3 dimensions).
 *
 * Every check names the file and says what is wrong, e.g.
 * `train-images-idx3-ubyte.gz: truncated: expected 47040000 bytes of pixels, found 1000`.
 */
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

const gunzipAsync = promisify(gunzip);

/** A decoded IDX file of unsigned bytes. */
export interface IdxArray {
  /** Sizes of every dimension: `[n]` for labels, `[n, rows, cols]` for images. */
  dims: number[];
  /** The payload, row-major, `prod(dims)` bytes (a view, not a copy, of the decoded buffer). */
  data: Uint8Array;
}

export type IdxKind = 'labels' | 'images';

const UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'short',
  0x0c: 'int',
  0x0d: 'float',
  0x0e: 'double',
};
const KIND_DIMS: Record<IdxKind, number> = { labels: 1, images: 3 };
const KIND_PAYLOAD: Record<IdxKind, string> = { labels: 'labels', images: 'pixels' };

/** An IDX file that cannot be read: the message names the file and what is wrong. */
export class IdxError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'IdxError';
  }
}

/** True when the bytes start with the gzip magic `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips when the bytes are gzipped (detected by the magic `1f 8b`), else returns them as they are. */
export async function maybeGunzip(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = await gunzipAsync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    throw new IdxError(file, `not a valid gzip file (${(e as Error).message}); delete it and fetch it again`);
  }
}

const hex = (n: number) => '0x' + (n >>> 0).toString(16).padStart(8, '0');

/**
 * Parses raw (already gunzipped) IDX bytes. With `kind`, also checks that the magic number is
 * the one for labels (0x00000801) or images (0x00000803).
 */
export function parseIdx(bytes: Uint8Array, file: string, kind?: IdxKind): IdxArray {
  if (bytes.length < 4) {
    throw new IdxError(file, `truncated: an IDX file starts with a 4-byte magic number, found ${bytes.length} bytes in all`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const type = bytes[2];
  const ndims = bytes[3];
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxError(file, `bad magic number ${hex(magic)}: not an IDX file (an IDX file starts with 00 00)`);
  }
  if (type !== UBYTE) {
    const name = TYPE_NAMES[type] ?? 'unknown';
    throw new IdxError(file, `bad magic number ${hex(magic)}: data type 0x${type.toString(16).padStart(2, '0')} (${name}) is not supported, only unsigned bytes (0x08)`);
  }
  if (kind !== undefined && ndims !== KIND_DIMS[kind]) {
    const want = kind === 'labels' ? 0x801 : 0x803;
    throw new IdxError(file, `bad magic number ${hex(magic)}: expected ${hex(want)} for ${kind} (${KIND_DIMS[kind]} dimension${KIND_DIMS[kind] === 1 ? '' : 's'}), this file has ${ndims}`);
  }
  if (ndims === 0) throw new IdxError(file, `bad magic number ${hex(magic)}: zero dimensions`);
  const header = 4 + 4 * ndims;
  if (bytes.length < header) {
    throw new IdxError(file, `truncated: the header needs ${header} bytes (magic and ${ndims} sizes), found ${bytes.length}`);
  }
  const dims: number[] = [];
  let expected = 1;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d);
    if (size === 0 && d > 0) throw new IdxError(file, `dimension ${d} has size 0`);
    dims.push(size);
    expected *= size;
  }
  const what = kind ? KIND_PAYLOAD[kind] : 'data';
  const found = bytes.length - header;
  if (found < expected) {
    throw new IdxError(file, `truncated: expected ${expected} bytes of ${what} (${dims.join(' × ')}), found ${found}`);
  }
  if (found > expected) {
    throw new IdxError(file, `${found - expected} unexpected bytes after the ${expected} bytes of ${what} (${dims.join(' × ')}): the file is not what its header says`);
  }
  return { dims, data: bytes.subarray(header) };
}

/** Reads IDX bytes, gzipped or raw, and checks them (magic, dimensions, length). */
export async function readIdx(bytes: Uint8Array, file: string, kind?: IdxKind): Promise<IdxArray> {
  return parseIdx(await maybeGunzip(bytes, file), file, kind);
}
