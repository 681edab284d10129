// The fields every Filter and Score reads for every node, copied out of the NodeInfo objects
// into one contiguous table (a row per node, in the cache's node order). A cycle walks the
// rows in order, so the hot loop streams through memory instead of chasing one scattered
// object per node; plugins dereference the NodeInfo only for what the row cannot answer
// (labels, taints, images, scalar resources) and only when the row's flags say it matters.

export const ALLOC_CPU = 0;
export const ALLOC_MEMORY = 1;
export const ALLOC_EPHEMERAL = 2;
export const ALLOC_PODS = 3;
export const REQ_CPU = 4;
export const REQ_MEMORY = 5;
export const REQ_EPHEMERAL = 6;
export const NON_ZERO_CPU = 7;
export const NON_ZERO_MEMORY = 8;
export const POD_COUNT = 9;
export const FLAGS = 10;
/** Changes whenever the node's set of pods changes (or its row moves): memo keys. */
export const POD_VERSION = 11;
/** i64 fields per row. */
export const STRIDE = 12;

// FLAGS bits.
export const UNSCHEDULABLE: i64 = 1;
/** A NoSchedule or NoExecute taint. */
export const HARD_TAINTS: i64 = 2;
export const PREFER_NO_SCHEDULE_TAINTS: i64 = 4;
export const HAS_IMAGES: i64 = 8;
/** Host ports in use. */
export const USED_PORTS: i64 = 16;
/** Extended (scalar) resources allocatable or requested. */
export const SCALAR_RESOURCES: i64 = 32;

@inline export function field(row: usize, f: i32): i64 {
  return load<i64>(row + (<usize>f << 3));
}

@inline export function hasFlag(row: usize, flag: i64): bool {
  return (load<i64>(row + (<usize>FLAGS << 3)) & flag) != 0;
}

let versions: i64 = 0;

/** A fresh POD_VERSION value (unique across tables and nodes). */
export function nextPodVersion(): i64 {
  return ++versions;
}

export class NodeTable {
  rows: StaticArray<i64> = new StaticArray<i64>(0);

  /** Room for `count` rows (rows move when the table grows: never during a cycle). */
  ensure(count: i32): void {
    if (this.rows.length >= count * STRIDE) return;
    let capacity = max(64, this.rows.length / STRIDE);
    while (capacity < count) capacity <<= 1;
    const rows = new StaticArray<i64>(capacity * STRIDE);
    memory.copy(changetype<usize>(rows), changetype<usize>(this.rows), <usize>this.rows.length << 3);
    this.rows = rows;
  }

  /** The address of row `index`; valid until the table grows. */
  @inline row(index: i32): usize {
    return changetype<usize>(this.rows) + ((<usize>index * STRIDE) << 3);
  }

  /** The index of the row at `row` (an address from row()). */
  @inline indexOf(row: usize): i32 {
    return <i32>((row - changetype<usize>(this.rows)) / (<usize>STRIDE << 3));
  }

  @inline set(index: i32, f: i32, value: i64): void {
    store<i64>(this.row(index) + (<usize>f << 3), value);
  }
}
