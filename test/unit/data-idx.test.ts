import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { IdxError, isGzip, parseIdx, readIdx } from '../../src/engine/data/idx';

/** An IDX file of unsigned bytes: magic 00 00 08 <ndims>, big-endian sizes, then the payload. */
function idx(dims: number[], payload: number[], typeByte = 0x08): Uint8Array {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = typeByte;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return new Uint8Array(Buffer.concat([head, Buffer.from(payload)]));
}

const images = idx([2, 2, 3], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
const labels = idx([3], [7, 0, 9]);

test('a raw images file decodes to its dimensions and bytes', async () => {
  const a = await readIdx(images, 'imgs', 'images');
  assert.deepEqual(a.dims, [2, 2, 3]);
  assert.deepEqual(Array.from(a.data), [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  assert.equal(new DataView(images.buffer).getUint32(0), 0x00000803);
});

test('a gzipped labels file is detected by its magic 1f 8b and decodes the same as raw', async () => {
  const gz = new Uint8Array(gzipSync(labels));
  assert.equal(isGzip(gz), true);
  assert.equal(isGzip(labels), false);
  const a = await readIdx(gz, 'labels.gz', 'labels');
  const b = await readIdx(labels, 'labels', 'labels');
  assert.deepEqual(a.dims, [3]);
  assert.deepEqual(Array.from(a.data), [7, 0, 9]);
  assert.deepEqual(Array.from(b.data), Array.from(a.data));
});

test('a labels file where images are expected is a bad magic number, and says which', () => {
  assert.throws(
    () => parseIdx(labels, 'train-images-idx3-ubyte.gz', 'images'),
    (e: unknown) => e instanceof IdxError && e.message === 'train-images-idx3-ubyte.gz: bad magic number 0x00000801: expected 0x00000803 for images (3 dimensions), this file has 1',
  );
});

test('a file that does not start with 00 00 is not an IDX file', () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 1]);
  assert.throws(() => parseIdx(png, 'x.png', 'labels'), /^IdxError: x\.png: bad magic number 0x89504e47: not an IDX file/);
});

test('a data type other than unsigned bytes is refused by name', () => {
  assert.throws(() => parseIdx(idx([1], [0, 0, 0, 0], 0x0d), 'f.idx'), /f\.idx: bad magic number 0x00000d01: data type 0x0d \(float\) is not supported, only unsigned bytes \(0x08\)/);
});

test('a truncated payload names the file, the expected and the found byte counts', async () => {
  const cut = images.subarray(0, images.length - 7); // 5 of the 12 pixel bytes left
  await assert.rejects(readIdx(new Uint8Array(gzipSync(cut)), 'train-images-idx3-ubyte.gz', 'images'), {
    name: 'IdxError',
    message: 'train-images-idx3-ubyte.gz: truncated: expected 12 bytes of pixels (2 × 2 × 3), found 5',
  });
  assert.throws(() => parseIdx(labels.subarray(0, 9), 'l', 'labels'), { message: 'l: truncated: expected 3 bytes of labels (3), found 1' });
});

test('a truncated header and a too-long payload are errors too', () => {
  assert.throws(() => parseIdx(images.subarray(0, 10), 'h', 'images'), { message: 'h: truncated: the header needs 16 bytes (magic and 3 sizes), found 10' });
  assert.throws(() => parseIdx(new Uint8Array([0, 0]), 'tiny'), /tiny: truncated: an IDX file starts with a 4-byte magic number, found 2 bytes/);
  const long = new Uint8Array([...labels, 1, 2]);
  assert.throws(() => parseIdx(long, 'l', 'labels'), { message: 'l: 2 unexpected bytes after the 3 bytes of labels (3): the file is not what its header says' });
});

test('a damaged gzip stream is reported as such', async () => {
  const gz = new Uint8Array(gzipSync(images));
  const broken = gz.slice(0, 20);
  await assert.rejects(readIdx(broken, 'broken.gz', 'images'), /broken\.gz: not a valid gzip file \(.+\); delete it and fetch it again/);
});
