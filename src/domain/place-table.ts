/*
 * One kind of place (compute units, host groups, racks, datacenters, …) and, for each place,
 * the parties found there (a tenant, or a tenant's units with what dedication reads of them:
 * shared-places.ts) with the two lowest values their units bring from different trust groups:
 * a workload's own units are never paired with each other, so the scan reads the lowest value
 * from outside its own group.
 *
 * Held in integer columns, place after place (compressed rows): the fleet report visits tens of
 * millions of (place, party) entries, and typed columns keep that walk compact in the cache and
 * out of the garbage collector's way (a map of objects per place cost more per visit as the
 * fleet grew). Built in two steps: offers are logged while units are indexed, then grouped by
 * place in a stable counting sort, so a place's parties keep the order they first came in.
 */

/** No value: no unit outside the group brings one. */
export const NONE = 255;

/** Offers grouped between two yields. */
const OFFERS_PER_STEP = 8192;

export class PlaceTable {
  /** Place key → place id. */
  readonly ids = new Map<string, number>();
  readonly keys: string[] = [];
  /** Place p's entries are [start[p], start[p + 1]). */
  start = new Int32Array(1);
  party = new Int32Array(0);
  first = new Uint8Array(0);
  firstGroup = new Int32Array(0);
  firstUnit = new Int32Array(0);
  second = new Uint8Array(0);
  secondUnit = new Int32Array(0);
  /** Each place's entries ordered by party, for `find`. */
  private byParty = new Int32Array(0);
  private log = { place: new Int32Array(256), party: new Int32Array(256), value: new Uint8Array(256), group: new Int32Array(256), unit: new Int32Array(256) };
  private logged = 0;

  /** The id of a place, made the first time its key is seen. */
  id(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.keys.push(key) - 1;
      this.ids.set(key, id);
    }
    return id;
  }

  /** The id of a place, or -1 when no unit is there. */
  placeOf(key: string): number {
    return this.ids.get(key) ?? -1;
  }

  offer(place: number, party: number, value: number, group: number, unit: number) {
    if (this.logged === this.log.place.length) this.growLog();
    const i = this.logged++;
    this.log.place[i] = place;
    this.log.party[i] = party;
    this.log.value[i] = value;
    this.log.group[i] = group;
    this.log.unit[i] = unit;
  }

  private growLog() {
    const grow = <T extends Int32Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    const { place, party, value, group, unit } = this.log;
    this.log = { place: grow(place), party: grow(party), value: grow(value), group: grow(group), unit: grow(unit) };
  }

  /**
   * Groups the logged offers by place and keeps, per party, the two lowest values of different
   * groups. `parties` bounds the party ids; `searchable` orders each place's parties for `find`.
   */
  *finish(parties: number, searchable: boolean): Generator<void, void> {
    const places = this.keys.length;
    const n = this.logged;
    const { place } = this.log;
    const start = new Int32Array(places + 1);
    for (let i = 0; i < n; i++) start[place[i] + 1]++;
    for (let p = 0; p < places; p++) start[p + 1] += start[p];
    // The offers' fields moved into place order (a stable counting sort), so the pass below reads
    // them in sequence: read through an index, every offer cost five cache misses.
    const sorted = yield* this.sortedLog(start, n);
    this.allocate(n);
    const slotPlace = new Int32Array(parties).fill(-1);
    const slot = new Int32Array(parties);
    let entries = 0;
    for (let p = 0; p < places; p++) {
      const from = start[p];
      start[p] = entries;
      for (let j = from; j < start[p + 1]; j++) {
        if (j % OFFERS_PER_STEP === OFFERS_PER_STEP - 1) yield;
        const q = sorted.party[j];
        if (slotPlace[q] !== p) {
          slotPlace[q] = p;
          slot[q] = entries;
          this.party[entries++] = q;
        }
        this.take(slot[q], sorted.value[j], sorted.group[j], sorted.unit[j]);
      }
    }
    start[places] = entries;
    this.start = start;
    this.trim(entries);
    if (searchable) yield* this.sortByParty();
  }

  /** The log's party, value, group and unit columns in place order, the log's order kept within a place; the log is let go. */
  private *sortedLog(start: Int32Array, n: number): Generator<void, { party: Int32Array; value: Uint8Array; group: Int32Array; unit: Int32Array }> {
    const { place, party, value, group, unit } = this.log;
    const sorted = { party: new Int32Array(n), value: new Uint8Array(n), group: new Int32Array(n), unit: new Int32Array(n) };
    const next = start.slice(0, start.length - 1);
    for (let i = 0; i < n; i++) {
      if (i % OFFERS_PER_STEP === OFFERS_PER_STEP - 1) yield;
      const j = next[place[i]]++;
      sorted.party[j] = party[i];
      sorted.value[j] = value[i];
      sorted.group[j] = group[i];
      sorted.unit[j] = unit[i];
    }
    this.log = { place: new Int32Array(0), party: new Int32Array(0), value: new Uint8Array(0), group: new Int32Array(0), unit: new Int32Array(0) };
    return sorted;
  }

  private allocate(n: number) {
    this.party = new Int32Array(n);
    this.first = new Uint8Array(n).fill(NONE);
    this.firstGroup = new Int32Array(n).fill(-1);
    this.firstUnit = new Int32Array(n).fill(-1);
    this.second = new Uint8Array(n).fill(NONE);
    this.secondUnit = new Int32Array(n).fill(-1);
  }

  private trim(n: number) {
    this.party = this.party.slice(0, n);
    this.first = this.first.slice(0, n);
    this.firstGroup = this.firstGroup.slice(0, n);
    this.firstUnit = this.firstUnit.slice(0, n);
    this.second = this.second.slice(0, n);
    this.secondUnit = this.secondUnit.slice(0, n);
  }

  /** An offer to entry e: the lowest value, and the lowest of another group than the lowest's (ties keep the earlier offer). */
  private take(e: number, v: number, g: number, u: number) {
    if (v < this.first[e]) {
      if (g !== this.firstGroup[e]) {
        this.second[e] = this.first[e];
        this.secondUnit[e] = this.firstUnit[e];
      }
      this.first[e] = v;
      this.firstGroup[e] = g;
      this.firstUnit[e] = u;
    } else if (g !== this.firstGroup[e] && v < this.second[e]) {
      this.second[e] = v;
      this.secondUnit[e] = u;
    }
  }

  private *sortByParty(): Generator<void, void> {
    const byParty = new Int32Array(this.party.length);
    for (let e = 0; e < byParty.length; e++) byParty[e] = e;
    for (let p = 0; p + 1 < this.start.length; p++) {
      if (p % 256 === 255) yield;
      if (this.start[p + 1] - this.start[p] > 1) byParty.subarray(this.start[p], this.start[p + 1]).sort((x, y) => this.party[x] - this.party[y]);
    }
    this.byParty = byParty;
  }

  /** The lowest value entry e holds from outside trust group `group` (NONE if none). */
  valueWithout(e: number, group: number): number {
    return group === this.firstGroup[e] ? this.second[e] : this.first[e];
  }

  /** The unit that brought it (-1 if none). */
  unitWithout(e: number, group: number): number {
    return group === this.firstGroup[e] ? this.secondUnit[e] : this.firstUnit[e];
  }

  /** The entry of `party` at place p (-1 if none): a binary search (the table must be finished `searchable`). */
  find(p: number, party: number): number {
    if (p < 0) return -1;
    let lo = this.start[p];
    let hi = this.start[p + 1];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.byParty[mid];
      if (this.party[e] === party) return e;
      if (this.party[e] < party) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }
}
