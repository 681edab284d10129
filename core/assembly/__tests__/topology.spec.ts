import { PairCounts } from "../scheduler/topology";

// PairCounts: kube-scheduler's per-cycle maps from (topology key, value) to a count, as an
// open-addressing table that clears by bumping a stamp. `size` is len() of Go's map (zero
// counts deleted); `entries` also counts domains seen with count 0.
describe("PairCounts", () => {
  it("adds per (key, value) and tells keys and values apart", () => {
    const t = new PairCounts();
    t.add(1, 2, 3);
    t.add(2, 1, 5);
    t.add(1, 2, -1);
    expect(t.get(1, 2)).toBe(2);
    expect(t.get(2, 1)).toBe(5);
    expect(t.get(1, 1)).toBe(0);
    expect(t.has(1, 1)).toBe(false);
    expect(t.size).toBe(2);
  });

  it("keeps domains touched at 0 as entries but not in size; minimum sees them", () => {
    const t = new PairCounts();
    t.touch(7, 1);
    t.add(7, 2, 4);
    expect(t.entries).toBe(2);
    expect(t.size).toBe(1);
    expect(t.minimum()).toBe(0);
    t.add(7, 2, -4);
    expect(t.size).toBe(0);
    expect(t.has(7, 2)).toBe(true);
  });

  it("grows past its first capacity without losing counts, negative value ids included", () => {
    const t = new PairCounts();
    for (let v = -500; v < 500; v++) t.add(9, v, <i64>(v + 1000));
    expect(t.entries).toBe(1000);
    for (let v = -500; v < 500; v++) expect(t.get(9, v)).toBe(<i64>(v + 1000));
    expect(t.minimum()).toBe(500);
  });

  it("clear() forgets everything at once, and the table is reusable", () => {
    const t = new PairCounts();
    for (let v = 0; v < 100; v++) t.add(1, v, 1);
    t.clear();
    expect(t.entries).toBe(0);
    expect(t.size).toBe(0);
    expect(t.get(1, 5)).toBe(0);
    expect(t.minimum()).toBe(i64.MAX_VALUE);
    t.add(1, 5, 2);
    expect(t.get(1, 5)).toBe(2);
    expect(t.entries).toBe(1);
  });
});
