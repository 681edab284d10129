// Resource names as dense indices, and quantities as the scheduler compares them: CPU in
// millicores (Quantity.MilliValue), everything else in units (Quantity.Value); both round
// up. Each distinct quantity string is parsed once.

import { intern, stringOf } from "../strings/intern";
import { parseQuantity, parsedMilli, parsedValue } from "../resources/quantity";

export const CPU = 0;
export const MEMORY = 1;
export const EPHEMERAL_STORAGE = 2;
export const PODS = 3;

const indexById = new Map<i32, i32>();
const idByIndex = new Array<i32>();

function register(name: string): i32 {
  const id = intern(name);
  const index = idByIndex.length;
  indexById.set(id, index);
  idByIndex.push(id);
  return index;
}

register("cpu");
register("memory");
register("ephemeral-storage");
register("pods");

/** The dense index of a resource name id, registering names seen for the first time. */
export function resourceIndex(nameId: i32): i32 {
  if (indexById.has(nameId)) return indexById.get(nameId);
  const index = idByIndex.length;
  indexById.set(nameId, index);
  idByIndex.push(nameId);
  return index;
}

export function resourceCount(): i32 {
  return idByIndex.length;
}

export function resourceName(index: i32): i32 {
  return idByIndex[index];
}

/** Extended resources, hugepages and the like: everything but cpu, memory, ephemeral-storage, pods. */
@inline export function isScalar(index: i32): bool {
  return index > PODS;
}

const milliById = new Map<i32, i64>();
const valueById = new Map<i32, i64>();

/** The quantity behind a string id in the unit `resource` is compared in (0 if unparsable). */
export function quantityOf(resource: i32, quantityId: i32): i64 {
  const cache = resource == CPU ? milliById : valueById;
  if (cache.has(quantityId)) return cache.get(quantityId);
  let amount: i64 = 0;
  if (parseQuantity(stringOf(quantityId))) amount = resource == CPU ? parsedMilli : parsedValue;
  cache.set(quantityId, amount);
  return amount;
}

/**
 * A per-resource amount vector, grown on demand (absent resources are 0). One StaticArray
 * behind the object: the filter and score loops read it for every node, so each pointer
 * hop saved is a cache miss saved on large clusters.
 */
export class Amounts {
  values: StaticArray<i64> = new StaticArray<i64>(0);

  @inline get(resource: i32): i64 {
    const values = this.values;
    return resource < values.length ? unchecked(values[resource]) : 0; // bound checked
  }

  set(resource: i32, amount: i64): void {
    if (resource >= this.values.length) {
      const grown = new StaticArray<i64>(max(resource + 1, PODS + 1));
      for (let r = 0; r < this.values.length; r++) grown[r] = this.values[r];
      this.values = grown;
    }
    this.values[resource] = amount;
  }

  add(resource: i32, amount: i64): void {
    this.set(resource, this.get(resource) + amount);
  }

  addAll(other: Amounts, sign: i64 = 1): void {
    const from = other.values;
    const n = from.length;
    if (n > this.values.length) this.set(n - 1, this.get(n - 1)); // grows to n
    const to = this.values;
    // to.length >= n == from.length
    for (let r = 0; r < n; r++) unchecked((to[r] += sign * unchecked(from[r])));
  }

  /** Per resource, the larger of this and `other`. */
  maxWith(other: Amounts): void {
    for (let r = 0; r < other.values.length; r++) if (other.values[r] > this.get(r)) this.set(r, other.values[r]);
  }

  /** Any non-zero amount of an extended (scalar) resource. */
  hasScalar(): bool {
    const values = this.values;
    for (let r = PODS + 1; r < values.length; r++) if (unchecked(values[r]) != 0) return true; // r < length
    return false;
  }

  /** All amounts back to 0 (keeps the storage: for scratch vectors reused per record). */
  clear(): void {
    const values = this.values;
    for (let r = 0; r < values.length; r++) unchecked((values[r] = 0)); // r < length
  }

  /** A copy with storage of its own. */
  clone(): Amounts {
    const copy = new Amounts();
    copy.values = StaticArray.slice<i64>(this.values);
    return copy;
  }

  isZero(): bool {
    for (let r = 0; r < this.values.length; r++) if (this.values[r] != 0) return false;
    return true;
  }
}

export function resourceNameString(index: i32): string {
  return stringOf(resourceName(index));
}
