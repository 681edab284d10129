// Objects the host holds on to (compiled selectors, loaded label sets, node affinities)
// live in handle tables: the host sees a positive i32, the core keeps the reference so the
// garbage collector leaves it alone until the host releases it.

export class Handles<T> {
  private items: Array<T | null> = [null]; // handle 0 is "none"
  private free: Array<i32> = [];

  add(item: T): i32 {
    if (this.free.length > 0) {
      const h = this.free.pop();
      this.items[h] = item;
      return h;
    }
    this.items.push(item);
    return this.items.length - 1;
  }

  get(h: i32): T | null {
    return h > 0 && h < this.items.length ? this.items[h] : null;
  }

  release(h: i32): void {
    if (h > 0 && h < this.items.length && this.items[h] !== null) {
      this.items[h] = null;
      this.free.push(h);
    }
  }

  get live(): i32 {
    return this.items.length - 1 - this.free.length;
  }
}
