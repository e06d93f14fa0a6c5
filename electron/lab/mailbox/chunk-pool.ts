/**
 * Reusable buffers for the chunks of a message streamed to a socket. A full download of a 2 GB
 * mailbox would otherwise allocate 2 GB of short-lived buffers, and the garbage collections
 * that so much external memory sets off cost more than reading and converting the bytes
 * (bench:mailbox). A buffer goes back to the pool only when its consumer gives it back, once the
 * socket has taken it (StreamedPart.release); one never given back is collected as any buffer,
 * so only a consumer that gives chunks back asks for pooled ones (FileBody.chunks' `pool`).
 */
export class ChunkPool {
  private readonly free: Buffer[] = [];
  /** The memory of every buffer this pool made: what give() takes back. */
  private readonly mine = new WeakSet<ArrayBufferLike>();
  /** Buffers this pool has made so far (tests: a download that gives its chunks back makes a few). */
  allocated = 0;

  constructor(
    /** The size of each buffer; take() of more makes a buffer of its own, not pooled. */
    readonly bufferBytes: number,
    /** Free buffers kept at most (the rest are collected): bounds what an idle lab holds. */
    readonly maxFree: number,
  ) {}

  /** A buffer of at least `bytes` bytes (a pooled one of bufferBytes when it fits). */
  take(bytes: number): Buffer {
    if (bytes > this.bufferBytes) return Buffer.allocUnsafe(bytes);
    const reused = this.free.pop();
    if (reused) return reused;
    // Its own memory (never a slice of Node's shared pool), so that give() can tell it is ours.
    const b = Buffer.allocUnsafeSlow(this.bufferBytes);
    this.mine.add(b.buffer);
    this.allocated += 1;
    return b;
  }

  /** `chunk` (a view of a buffer from take()) is no longer used: its buffer may be handed out again. Anything else is ignored. */
  give(chunk: Uint8Array): void {
    const memory = chunk.buffer;
    if (!this.mine.has(memory) || this.free.length >= this.maxFree) return;
    if (this.free.some((b) => b.buffer === memory)) return; // given back twice: keep it once
    this.free.push(Buffer.from(memory, 0, this.bufferBytes));
  }

  /** Free buffers held now (tests). */
  get freeCount(): number {
    return this.free.length;
  }
}
