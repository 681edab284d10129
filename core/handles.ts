/**
 * Core-side objects (compiled selectors, loaded label sets, node affinities) are freed by
 * `dispose()`, or when their JS wrapper is garbage collected, whichever comes first.
 */
export class CoreHandle {
  private static readonly registry =
    typeof FinalizationRegistry === "function"
      ? new FinalizationRegistry<() => void>((release) => release())
      : undefined;
  private released = false;

  constructor(
    readonly handle: number,
    private readonly release: (handle: number) => void,
  ) {
    CoreHandle.registry?.register(this, () => release(handle), this);
  }

  get disposed(): boolean {
    return this.released;
  }

  /** The handle, or an error after dispose() (a freed handle may be reused by the core). */
  live(): number {
    if (this.released) throw new Error("kubeling: used after dispose()");
    return this.handle;
  }

  dispose(): void {
    if (this.released) return;
    this.released = true;
    CoreHandle.registry?.unregister(this);
    this.release(this.handle);
  }
}
