/**
 * Core-side objects (compiled selectors, loaded label sets, node affinities) are freed by
 * `dispose()`, or when their JS wrapper is garbage collected, whichever comes first.
 */
export class CoreHandle {
  private released = false;

  constructor(
    readonly handle: number,
    private readonly releaser: Releaser,
  ) {
    releaser.registry?.register(this, handle, this);
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
    this.releaser.registry?.unregister(this);
    this.releaser.release(this.handle);
  }
}

/** How one kind of handle is freed; one per kind per core, shared by all its handles. */
export class Releaser {
  readonly registry?: FinalizationRegistry<number>;
  constructor(readonly release: (handle: number) => void) {
    if (typeof FinalizationRegistry === "function") this.registry = new FinalizationRegistry(release);
  }
}
