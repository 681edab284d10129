/**
 * An async queue of byte chunks: what Runtime implementations hand out as the streams of
 * `logs` and `execStream` (AsyncIterable<Uint8Array>), filled as output arrives. Shared by
 * the Docker runtime and the simulated one.
 */
export class ByteChannel implements AsyncIterable<Uint8Array> {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private wake: (() => void) | null = null;

  /** Queues a chunk for the reader (empty chunks and chunks after end() are dropped). */
  push(chunk: Uint8Array): void {
    if (this.ended || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.wake?.();
  }

  /** No more chunks: the reader finishes once it has read what is queued. */
  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const next = this.chunks.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}
