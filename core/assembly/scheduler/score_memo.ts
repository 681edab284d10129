// Scores that depend only on a node's row and a couple of numbers of the pod (its cpu and
// memory requests) are remembered per node and reused while the row's POD_VERSION and those
// numbers stay the same. In a stream of pods of one shape, each cycle changes one node — the
// one the previous pod was assumed on — so every other node's score is last cycle's, and a
// lookup replaces the divisions the formulas need (which must stay divisions to round as Go
// does).

import { NodeTable, POD_VERSION, STRIDE, field } from "./node_table";

export class RowScoreMemo {
  private versions: StaticArray<i64> = new StaticArray<i64>(0);
  private scores: StaticArray<i64> = new StaticArray<i64>(0);
  private inputA: i64 = 0;
  private inputB: i64 = 0;
  private inputC: i64 = 0;

  constructor(private table: NodeTable) {}

  /** Starts a scoring pass whose inputs (pod requests, plugin settings) are (a, b, c): forgets all if they changed. */
  begin(a: i64, b: i64, c: i64 = 0): void {
    const rows = this.table.rows.length / STRIDE;
    if (this.versions.length < rows) {
      // Fresh arrays: version 0 is never a row's (versions start at 1).
      this.versions = new StaticArray<i64>(rows);
      this.scores = new StaticArray<i64>(rows);
    } else if (a != this.inputA || b != this.inputB || c != this.inputC) {
      const versions = this.versions;
      for (let i = 0; i < versions.length; i++) unchecked((versions[i] = 0));
    }
    this.inputA = a;
    this.inputB = b;
    this.inputC = c;
  }

  /** The remembered score of the node at `row`, or -1. */
  @inline get(row: usize): i64 {
    const i = this.table.indexOf(row);
    // i < rows <= versions.length: begin() sized the arrays to the table.
    return unchecked(this.versions[i]) == field(row, POD_VERSION) ? unchecked(this.scores[i]) : -1;
  }

  @inline set(row: usize, score: i64): void {
    const i = this.table.indexOf(row);
    unchecked((this.versions[i] = field(row, POD_VERSION)));
    unchecked((this.scores[i] = score));
  }
}
