// The CBOR codec against RFC 8949's examples (Appendix A) and round trips.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CborError, CborTag, decodeCbor, encodeCbor } from '../../src/protocol/cbor.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('decodes the RFC 8949 appendix A examples', () => {
  const cases: [string, unknown][] = [
    ['00', 0],
    ['17', 23],
    ['1818', 24],
    ['1903e8', 1000],
    ['1a000f4240', 1000000],
    ['1b000000e8d4a51000', 1000000000000],
    ['20', -1],
    ['3863', -100],
    ['3903e7', -1000],
    ['f90000', 0],
    ['f93c00', 1],
    ['f93e00', 1.5],
    ['f97bff', 65504],
    ['f90001', 5.960464477539063e-8],
    ['f9c400', -4],
    ['f97c00', Infinity],
    ['fa47c35000', 100000],
    ['fb3ff199999999999a', 1.1],
    ['fbc010666666666666', -4.1],
    ['f4', false],
    ['f5', true],
    ['f6', null],
    ['60', ''],
    ['6161', 'a'],
    ['6449455446', 'IETF'],
    ['62c3bc', 'ü'],
    ['80', []],
    ['83010203', [1, 2, 3]],
    ['8301820203820405', [1, [2, 3], [4, 5]]],
    ['a0', {}],
    ['a26161016162820203', { a: 1, b: [2, 3] }],
    ['7f657374726561646d696e67ff', 'streaming'],
    ['9fff', []],
    ['9f018202039f0405ffff', [1, [2, 3], [4, 5]]],
    ['bf61610161629f0203ffff', { a: 1, b: [2, 3] }],
  ];
  for (const [h, want] of cases) assert.deepEqual(decodeCbor(hex(h)), want, h);
  assert.ok(Number.isNaN(decodeCbor(hex('f97e00'))));
  assert.deepEqual(decodeCbor(hex('4401020304')), Buffer.from([1, 2, 3, 4]));
  assert.deepEqual(decodeCbor(hex('5f42010243030405ff')), Buffer.from([1, 2, 3, 4, 5]));
});

test('tag 1 is a date (integer and float seconds); other tags are kept', () => {
  assert.deepEqual(decodeCbor(hex('c11a514b67b0')), new Date(1363896240 * 1000));
  assert.deepEqual(decodeCbor(hex('c1fb41d452d9ec200000')), new Date(1363896240.5 * 1000));
  const t = decodeCbor(hex('d74401020304')) as CborTag;
  assert.ok(t instanceof CborTag);
  assert.equal(t.tag, 23);
});

test('encodes the shortest heads and round-trips every type', () => {
  assert.equal(encodeCbor(0).toString('hex'), '00');
  assert.equal(encodeCbor(24).toString('hex'), '1818');
  assert.equal(encodeCbor(1000000).toString('hex'), '1a000f4240');
  assert.equal(encodeCbor(1000000000000).toString('hex'), '1b000000e8d4a51000');
  assert.equal(encodeCbor(-1000).toString('hex'), '3903e7');
  assert.equal(encodeCbor(1.5).toString('hex'), 'fa3fc00000');
  assert.equal(encodeCbor(1.1).toString('hex'), 'fb3ff199999999999a');
  assert.equal(encodeCbor('IETF').toString('hex'), '6449455446');
  assert.equal(encodeCbor({ a: 1, b: [2, 3] }).toString('hex'), 'a26161016162820203');
  assert.equal(encodeCbor(new Date(1363896240000)).toString('hex'), 'c11a514b67b0');
  const value = { s: 'héllo', n: -12.25, big: 2 ** 40, list: [true, false, null], b: Buffer.from('xyz'), d: new Date(1700000000123), nested: { deep: [{ x: 1 }] } };
  assert.deepEqual(decodeCbor(encodeCbor(value)), value);
  // undefined members are left out of maps
  assert.deepEqual(decodeCbor(encodeCbor({ a: 1, b: undefined })), { a: 1 });
  // a long string grows the buffer
  const long = 'x'.repeat(100_000);
  assert.equal(decodeCbor(encodeCbor(long)), long);
});

test('rejects malformed input', () => {
  for (const h of ['', '18', '62c3', '1f', 'ff', '9f01', '5f6161ff', '0000', '62c328']) {
    assert.throws(() => decodeCbor(hex(h)), CborError, h);
  }
  // deep nesting is refused rather than exhausting the stack
  assert.throws(() => decodeCbor(Buffer.alloc(10_000, 0x81)), CborError);
});
