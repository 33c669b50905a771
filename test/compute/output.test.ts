// Captured output: lines split across chunks, the bounded ring, cursors for per-invocation logs, the log file.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Clock } from '../../src/clock/clock.js';
import { OutputBuffer } from '../../src/compute/output.js';
import { tempDir as makeTempDir } from './helpers.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = makeTempDir();
  dirs.push(d);
  return d;
};
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('output buffer', () => {
  it('splits chunks into lines per stream, including split UTF-8 and CRLF', () => {
    const out = new OutputBuffer({ clock: new Clock() });
    const seen: string[] = [];
    const off = out.onLine((l) => seen.push(`${l.stream}:${l.text}`));
    const euro = Buffer.from('€\n');
    out.write('stdout', Buffer.from('hel'));
    out.write('stderr', Buffer.from('oops\r\n'));
    out.write('stdout', Buffer.from('lo\nwor'));
    out.write('stdout', euro.subarray(0, 1));
    out.write('stdout', euro.subarray(1));
    out.write('stdout', 'unterminated');
    assert.deepEqual(seen, ['stderr:oops', 'stdout:hello', 'stdout:wor€']);
    out.end();
    assert.deepEqual(seen, ['stderr:oops', 'stdout:hello', 'stdout:wor€', 'stdout:unterminated']);
    off();
    out.write('stdout', 'after\n');
    assert.equal(seen.length, 4);
    assert.deepEqual(
      out.lines().map((l) => l.seq),
      [0, 1, 2, 3, 4],
    );
  });

  it('keeps memory bounded, dropping the oldest lines', () => {
    const out = new OutputBuffer({ clock: new Clock(), ringBytes: 10_000 });
    for (let i = 0; i < 5_000; i++) out.write('stdout', `line ${i} ${'x'.repeat(50)}\n`);
    const lines = out.lines();
    assert.ok(out.truncated);
    assert.ok(lines.length < 200 && lines.length > 50, String(lines.length));
    assert.equal(lines.at(-1)!.text.startsWith('line 4999 '), true);
    assert.equal(out.cursor(), 5_000);
    // one endless line is cut into pieces instead of growing
    out.write('stdout', 'y'.repeat(40_000));
    assert.ok(out.lines().every((l) => l.text.length <= 16 * 1024));
  });

  it("gives the lines after a cursor (one invocation's logs)", () => {
    const clock = new Clock();
    const out = new OutputBuffer({ clock });
    out.write('stdout', 'before\n');
    const cursor = out.cursor();
    clock.advance(5);
    out.write('stderr', 'during 1\nduring 2\n');
    assert.deepEqual(
      out.lines(cursor).map((l) => l.text),
      ['during 1', 'during 2'],
    );
    assert.equal(out.text(cursor), 'during 1\nduring 2\n');
    assert.ok(out.lines(cursor)[0]!.time >= out.lines()[0]!.time + 5000);
  });

  it('appends raw output to its file and reads back all of this start', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'console.log');
    fs.writeFileSync(file, 'earlier boot\n');
    const out = new OutputBuffer({ clock: new Clock(), ringBytes: 200, logPath: file });
    for (let i = 0; i < 100; i++) out.write(i % 2 ? 'stderr' : 'stdout', `chunk ${i}\n`);
    out.note('stderr', 'a note');
    const all = await out.readAll();
    assert.ok(all.startsWith('chunk 0\nchunk 1\n'));
    assert.ok(all.endsWith('chunk 99\na note\n'));
    assert.ok(out.truncated, 'memory kept only the tail');
    await out.close();
    assert.ok(fs.readFileSync(file, 'utf8').startsWith('earlier boot\nchunk 0\n'));
  });

  it('caps the log file', async () => {
    const file = path.join(tempDir(), 'console.log');
    const out = new OutputBuffer({ clock: new Clock(), logPath: file, logFileBytes: 1000 });
    for (let i = 0; i < 100; i++) out.write('stdout', `${'z'.repeat(99)}\n`);
    await out.close();
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(text.length < 1100);
    assert.match(text, /log file limit reached/);
  });
});
