// ControllerExpectations: after a controller asks for N pods to be created or deleted it
// waits to see them in its informer before acting again on that key, so a cache that lags
// behind its own writes never makes it create twice. Expectations expire after 5 minutes
// (a lost watch event must not block a controller forever).
const TTL_MS = 5 * 60 * 1000;

interface Expected {
  add: number;
  del: number;
  at: number;
}

export class Expectations {
  private readonly byKey = new Map<string, Expected>();

  constructor(private readonly now: () => number) {}

  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    return (e.add <= 0 && e.del <= 0) || this.now() - e.at > TTL_MS;
  }

  expect(key: string, add: number, del: number): void {
    this.byKey.set(key, { add, del, at: this.now() });
  }

  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.add--;
  }

  deletionObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.del--;
  }

  /** A create or delete that failed will never be observed. */
  lower(key: string, add: number, del: number): void {
    const e = this.byKey.get(key);
    if (!e) return;
    e.add -= add;
    e.del -= del;
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }
}
