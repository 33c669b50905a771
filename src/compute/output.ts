// A workload's captured output: stdout and stderr split into timestamped lines kept in a ring bounded by
// bytes, and the raw bytes appended to a log file (bounded too) so that a console shows everything.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Clock } from '../clock/clock.js';
import type { OutputLine, OutputLog } from './driver.js';

export const DEFAULT_RING_BYTES = 256 * 1024;
export const DEFAULT_LOG_FILE_BYTES = 64 * 1024 * 1024;
/** a line longer than this is cut, so one endless line cannot grow without bound */
const MAX_LINE = 16 * 1024;
/** approximate per-line overhead counted against the ring's budget */
const LINE_OVERHEAD = 48;

type Stream = 'stdout' | 'stderr';

interface PendingLine {
  decoder: StringDecoder;
  text: string;
}

export interface OutputOptions {
  clock: Clock;
  ringBytes?: number;
  /** append raw output here */
  logPath?: string;
  logFileBytes?: number;
}

export class OutputBuffer implements OutputLog {
  private ring: OutputLine[] = [];
  private head = 0;
  private bytes = 0;
  private nextSeq = 0;
  private dropped = false;
  private partials: Partial<Record<Stream, PendingLine>> = {};
  private listeners: Array<(line: OutputLine) => void> = [];
  private readonly clock: Clock;
  private readonly ringBytes: number;
  private readonly file: LogFile | undefined;

  constructor(options: OutputOptions) {
    this.clock = options.clock;
    this.ringBytes = options.ringBytes ?? DEFAULT_RING_BYTES;
    if (options.logPath) this.file = new LogFile(options.logPath, options.logFileBytes ?? DEFAULT_LOG_FILE_BYTES);
  }

  get truncated(): boolean {
    return this.dropped;
  }

  /** Takes a chunk as it came from the process. */
  write(stream: Stream, chunk: Buffer | string): void {
    this.file?.append(chunk);
    const p = (this.partials[stream] ??= { decoder: new StringDecoder('utf8'), text: '' });
    let text = p.text + (typeof chunk === 'string' ? chunk : p.decoder.write(chunk));
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      this.push(stream, text.slice(0, nl > 0 && text[nl - 1] === '\r' ? nl - 1 : nl));
      text = text.slice(nl + 1);
    }
    while (text.length > MAX_LINE) {
      this.push(stream, text.slice(0, MAX_LINE));
      text = text.slice(MAX_LINE);
    }
    p.text = text;
  }

  /** A line the driver itself reports (e.g. why the workload could not start); goes to the file too. */
  note(stream: Stream, text: string): void {
    this.flushPartial(stream);
    this.file?.append(text + '\n');
    this.push(stream, text);
  }

  /** Emits unterminated last lines (the streams have ended). */
  end(): void {
    this.flushPartial('stdout');
    this.flushPartial('stderr');
  }

  onLine(cb: (line: OutputLine) => void): () => void {
    this.listeners.push(cb);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== cb);
    };
  }

  cursor(): number {
    return this.nextSeq;
  }

  lines(since = 0): OutputLine[] {
    const out: OutputLine[] = [];
    for (let i = this.head; i < this.ring.length; i++) {
      const line = this.ring[i]!;
      if (line.seq >= since) out.push(line);
    }
    return out;
  }

  text(since = 0): string {
    return this.lines(since)
      .map((l) => l.text + '\n')
      .join('');
  }

  async readAll(): Promise<string> {
    if (this.file) {
      const all = await this.file.readSinceOpen();
      if (all !== undefined) return all;
    }
    const partial = (this.partials.stdout?.text ?? '') + (this.partials.stderr?.text ?? '');
    return this.text() + partial;
  }

  /** Finishes pending file writes and releases the file. */
  async close(): Promise<void> {
    this.end();
    await this.file?.close();
  }

  private flushPartial(stream: Stream): void {
    const p = this.partials[stream];
    if (!p) return;
    const rest = p.text + p.decoder.end();
    p.text = '';
    if (rest) this.push(stream, rest);
  }

  private push(stream: Stream, text: string): void {
    const line: OutputLine = { seq: this.nextSeq++, time: this.clock.now(), stream, text };
    this.ring.push(line);
    this.bytes += text.length + LINE_OVERHEAD;
    while (this.bytes > this.ringBytes && this.head < this.ring.length - 1) {
      const old = this.ring[this.head++]!;
      this.bytes -= old.text.length + LINE_OVERHEAD;
      this.dropped = true;
    }
    if (this.head > 1024 && this.head * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.head);
      this.head = 0;
    }
    for (const cb of this.listeners) {
      try {
        cb(line);
      } catch (err) {
        console.error('[compute] output listener failed:', err);
      }
    }
  }
}

/** Appends to a file through one lazily opened handle, batching what arrives while a write is in flight. */
class LogFile {
  private handle: fsp.FileHandle | undefined;
  private pending: Buffer[] = [];
  private flushing: Promise<void> | undefined;
  private written = 0;
  private full = false;
  private failed = false;
  private readonly startOffset: number;

  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
  ) {
    let size = 0;
    try {
      size = fs.statSync(path).size;
    } catch {
      /* new file */
    }
    this.startOffset = size;
  }

  append(chunk: Buffer | string): void {
    if (this.full || this.failed) return;
    let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.written + buf.length > this.maxBytes) {
      buf = Buffer.concat([buf.subarray(0, Math.max(0, this.maxBytes - this.written)), Buffer.from('\n[cumulus: log file limit reached]\n')]);
      this.full = true;
    }
    this.written += buf.length;
    this.pending.push(buf);
    this.flushing ??= this.drain();
  }

  async readSinceOpen(): Promise<string | undefined> {
    await this.idle();
    if (this.failed) return undefined;
    try {
      const fh = await fsp.open(this.path, 'r');
      try {
        const { size } = await fh.stat();
        const len = Math.max(0, size - this.startOffset);
        const buf = Buffer.alloc(len);
        await fh.read(buf, 0, len, this.startOffset);
        return buf.toString('utf8');
      } finally {
        await fh.close();
      }
    } catch {
      return this.written === 0 ? '' : undefined;
    }
  }

  async close(): Promise<void> {
    await this.idle();
    const h = this.handle;
    this.handle = undefined;
    await h?.close().catch(() => undefined);
  }

  private async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length) {
        const batch = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
        this.pending = [];
        this.handle ??= await fsp.open(this.path, 'a');
        await this.handle.write(batch);
      }
    } catch (err) {
      this.failed = true;
      this.pending = [];
      console.error(`[compute] cannot write ${this.path}:`, (err as Error).message);
    } finally {
      this.flushing = undefined;
    }
  }
}
