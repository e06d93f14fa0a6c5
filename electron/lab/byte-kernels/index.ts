/**
 * The byte kernels of kernels.wat, loaded once: the per-byte work of a download (a stored
 * message's LF → CRLF and mboxrd unquoting, the JSON text of the recorded copy, the count of
 * bare LFs that sizes a Maildir file) in WebAssembly SIMD, several times faster than the
 * JavaScript line loops they stand in for (bench:mailbox). The rules stay where they belong
 * (body.ts ServedLines, recorder.ts printableAsciiJson): those keep their JavaScript form as the
 * reference and for what a kernel leaves to them, and the tests compare both.
 *
 * One module instance and one memory for the process: every call is synchronous, so calls never
 * overlap. The memory grows to about three times the largest input passed (a read of
 * STREAM_READ_BYTES, an event of MAX_EVENT_PAYLOAD_BYTES) and stays there.
 */
import { KERNELS_WASM_BASE64 } from './kernels-wasm.js';

// The WebAssembly global as far as this module uses it (its types come with lib.dom, which the engine does not load).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
};

interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  served(input: number, len: number, out: number, flags: number): number;
  json(input: number, len: number, out: number): number;
  bareLfs(input: number, len: number, prevCr: number): number;
}

/** Where inputs start in the kernels' memory (below: nothing; kept aligned). */
const INPUT_AT = 0;
/** Bytes after each output that a kernel may scribble on (it stores 16-byte blocks whole). */
const SLACK = 16;
const PAGE = 64 * 1024;

let kernels: KernelExports | null = null;
let memory: Buffer = Buffer.alloc(0);

function load(): KernelExports {
  const module = new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  return new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
}

/** The kernels, with room for an input of `inputBytes` and an output of `outputBytes` after it; returns the output's offset. */
function room(inputBytes: number, outputBytes: number): { k: KernelExports; out: number } {
  const k = (kernels ??= load());
  const out = INPUT_AT + align(inputBytes + SLACK);
  const need = out + outputBytes + SLACK;
  if (k.memory.buffer.byteLength < need) k.memory.grow(Math.ceil((need - k.memory.buffer.byteLength) / PAGE));
  // A grown memory has a new buffer: views of the old one are detached.
  if (memory.buffer !== k.memory.buffer) memory = Buffer.from(k.memory.buffer);
  return { k, out };
}

const align = (n: number) => (n + 15) & ~15;

/** What servedCrlf needs to know about the bytes before the chunk. */
export interface ServedState {
  /** The chunk is from an mbox: a quoted From line (">From ", ">>From ", …) loses one ">". */
  mbox: boolean;
  /** The byte before the chunk was a CR (an LF first in the chunk has its CR). */
  prevCr: boolean;
  /** The chunk starts a line. */
  atLineStart: boolean;
}

/**
 * The served form of `chunk` (ServedLines' rules: bare LF → CRLF, mboxrd unquoting), in `into`
 * when it has room (else in a new buffer), which the caller may keep; null when a line at the
 * chunk's end starts with ">" and the chunk ends before it is known whether it is a quoted From
 * line (ServedLines converts that chunk).
 */
export function servedCrlf(chunk: Uint8Array, state: ServedState, into?: Buffer): Buffer | null {
  const len = chunk.length;
  // A chunk read straight into servedInput(): already where the kernel reads (no grow below, as servedInput made room).
  const inPlace = chunk.buffer === memory.buffer && chunk.byteOffset === INPUT_AT;
  const { k, out } = room(len, 2 * len);
  if (!inPlace) memory.set(chunk, INPUT_AT);
  const n = k.served(INPUT_AT, len, out, (state.mbox ? 1 : 0) | (state.prevCr ? 2 : 0) | (state.atLineStart ? 4 : 0));
  if (n < 0) return null;
  const result = into && into.length >= n ? into.subarray(0, n) : Buffer.allocUnsafe(n);
  memory.copy(result, 0, out, out + n);
  return result;
}

/**
 * Where servedCrlf reads its input, `bytes` of it, for a caller that reads a file straight there
 * (readSync into this view, then servedCrlf of the bytes read): a chunk from a file then costs
 * no copy into the kernels' memory. A view of that memory, valid until the next call here (a
 * call may grow the memory, which detaches it): fill it and convert it at once, synchronously.
 */
export function servedInput(bytes: number): Buffer {
  room(bytes, 2 * bytes);
  return memory.subarray(INPUT_AT, INPUT_AT + bytes);
}

/**
 * The body of the JSON string (no quotes) of `bytes` when they are all printable ASCII, tab, CR
 * or LF, escaped as JSON.stringify escapes them; null otherwise. The result is a view of the
 * kernels' memory, valid until the next call here: copy it before anything else runs.
 */
export function printableAsciiJsonBytes(bytes: Uint8Array): Buffer | null {
  const { k, out } = room(bytes.length, 2 * bytes.length);
  memory.set(bytes, INPUT_AT);
  const n = k.json(INPUT_AT, bytes.length, out);
  return n < 0 ? null : memory.subarray(out, out + n);
}

/** How many LFs of `bytes` have no CR before them (`prevCr`: the byte before `bytes` was a CR). */
export function bareLfCount(bytes: Uint8Array, prevCr: boolean): number {
  const { k } = room(bytes.length, 0);
  memory.set(bytes, INPUT_AT);
  return k.bareLfs(INPUT_AT, bytes.length, prevCr ? 1 : 0);
}
