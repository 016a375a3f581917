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
 *
 * A table can be carried from the one of the topology before a sync (`new PlaceTable(previous)`):
 * it keeps the previous table's place ids, logs only the offers of the units indexed anew, and
 * `finish` is told where each previous unit went (`unitMap`, -1 for one gone or indexed anew).
 * A place none of those units touched keeps its entries, renumbered; a touched one is worked
 * out again from its offers, which every finished table keeps for that. Offers stay in unit
 * order either way, so the entries are the ones a table built anew would hold.
 */

/** No value: no unit outside the group brings one. */
export const NONE = 255;

/** Offers grouped between two yields. */
export const OFFERS_PER_STEP = 8192;

/** Offers in place order: place p's are [start[p], start[p + 1]), in the order they came. */
interface Offers {
  start: Int32Array;
  party: Int32Array;
  value: Uint8Array;
  group: Int32Array;
  unit: Int32Array;
}

const offersOf = (n: number, places: number): Offers => ({ start: new Int32Array(places + 1), party: new Int32Array(n), value: new Uint8Array(n), group: new Int32Array(n), unit: new Int32Array(n) });

export class PlaceTable {
  /** Place key → place id: the ids carried from the previous table (shared with it, never written here), then this table's own. */
  private readonly carriedIds: ReadonlyMap<string, number>;
  private readonly ownIds: Map<string, number>;
  readonly keys: string[];
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
  /** The offers the entries were taken from, kept for the table carried from this one. */
  private offers: Offers = offersOf(0, 0);
  private log = { place: new Int32Array(256), party: new Int32Array(256), value: new Uint8Array(256), group: new Int32Array(256), unit: new Int32Array(256) };
  private logged = 0;
  /** The table this one is carried from, until it is finished. */
  private previous: PlaceTable | null;

  constructor(previous: PlaceTable | null = null) {
    this.previous = previous;
    this.keys = previous ? previous.keys.slice() : [];
    // Copying a map of a million ids costs a third of a second: the previous table's maps are
    // shared (a finished table makes no more ids), its own ids copied only while they are few,
    // and the two folded into one only once those outgrow an eighth of the rest.
    if (!previous || previous.carriedIds.size === 0) [this.carriedIds, this.ownIds] = [previous?.ownIds ?? new Map<string, number>(), new Map<string, number>()];
    else if (previous.ownIds.size * 8 < previous.carriedIds.size) [this.carriedIds, this.ownIds] = [previous.carriedIds, new Map(previous.ownIds)];
    else [this.carriedIds, this.ownIds] = [new Map([...previous.carriedIds, ...previous.ownIds]), new Map<string, number>()];
  }

  /** The id of a place, made the first time its key is seen (while the table is built: a finished one's ids are shared with the tables carried from it). */
  id(key: string): number {
    let id = this.carriedIds.get(key) ?? this.ownIds.get(key);
    if (id === undefined) {
      id = this.keys.push(key) - 1;
      this.ownIds.set(key, id);
    }
    return id;
  }

  /** The id of a place, or -1 when no unit is there (or none is any more, after a sync). */
  placeOf(key: string): number {
    return this.carriedIds.get(key) ?? this.ownIds.get(key) ?? -1;
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
   * Groups the offers by place and keeps, per party, the two lowest values of different
   * groups. `parties` bounds the party ids; `searchable` orders each place's parties for
   * `find`; a carried table is given where each unit of the previous one went (`unitMap`).
   */
  *finish(parties: number, searchable: boolean, unitMap: Int32Array | null = null): Generator<void, void> {
    const logged = yield* this.sortedLog();
    const previous = this.previous;
    this.previous = null;
    if (previous && !unitMap) throw new Error("a carried place table is finished with its unit map");
    const merged = previous ? yield* mergedOffers(previous.offers, logged, unitMap!) : null;
    this.offers = merged ? merged.offers : logged;
    const dirty = merged?.dirty ?? null;
    yield* this.takeAll(parties, previous, dirty, unitMap);
    if (searchable) yield* this.sortByParty(previous, dirty);
  }

  /** The log in place order (a stable counting sort), so the passes after read it in sequence: read through an index, every offer cost five cache misses. The log is let go. */
  private *sortedLog(): Generator<void, Offers> {
    const n = this.logged;
    const { place, party, value, group, unit } = this.log;
    const sorted = offersOf(n, this.keys.length);
    const { start } = sorted;
    for (let i = 0; i < n; i++) {
      if (i % OFFERS_PER_STEP === OFFERS_PER_STEP - 1) yield;
      start[place[i] + 1]++;
    }
    for (let p = 0; p + 1 < start.length; p++) start[p + 1] += start[p];
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
    this.logged = 0;
    return sorted;
  }

  /**
   * Each place's entries: a place the carry left untouched copies the previous table's, its
   * units renumbered; any other takes its offers. Counted first, so the columns are made at
   * their size once (made at the offers' count and cut to size, a planet's 300,000 offers for
   * 2,500 entries made and copied megabytes per sync). Steps are counted in offers, inside a
   * place too: a datacenter's or a planet's offers are hundreds of thousands.
   */
  private *takeAll(parties: number, previous: PlaceTable | null, dirty: Uint8Array | null, unitMap: Int32Array | null): Generator<void, void> {
    const { offers } = this;
    const clean = (p: number) => previous !== null && dirty !== null && dirty[p] === 0;
    const start = yield* entryStarts(offers, parties, (p) => (clean(p) ? previous!.start[p + 1] - previous!.start[p] : -1));
    const places = start.length - 1;
    this.allocate(start[places]);
    const slotPlace = new Int32Array(parties).fill(-1);
    const slot = new Int32Array(parties);
    let entries = 0;
    let work = 0;
    for (let p = 0; p < places; p++) {
      if (clean(p)) {
        // A clean place's entries are at most one per party: copied in one step.
        for (let e = previous!.start[p]; e < previous!.start[p + 1]; e++) this.copyEntry(previous!, e, entries++, unitMap!);
        work += previous!.start[p + 1] - previous!.start[p] + 1;
        if (work > OFFERS_PER_STEP) {
          work = 0;
          yield;
        }
        continue;
      }
      for (let j = offers.start[p]; j < offers.start[p + 1]; j++) {
        const q = offers.party[j];
        if (slotPlace[q] !== p) {
          slotPlace[q] = p;
          slot[q] = entries;
          this.openEntry(entries++, q);
        }
        this.take(slot[q], offers.value[j], offers.group[j], offers.unit[j]);
        if (++work > OFFERS_PER_STEP) {
          work = 0;
          yield;
        }
      }
    }
    this.start = start;
  }

  /** Entry e of `from` as entry `to` of this table, its units renumbered. */
  private copyEntry(from: PlaceTable, e: number, to: number, unitMap: Int32Array) {
    this.party[to] = from.party[e];
    this.first[to] = from.first[e];
    this.firstGroup[to] = from.firstGroup[e];
    this.firstUnit[to] = from.firstUnit[e] === -1 ? -1 : unitMap[from.firstUnit[e]];
    this.second[to] = from.second[e];
    this.secondUnit[to] = from.secondUnit[e] === -1 ? -1 : unitMap[from.secondUnit[e]];
  }

  /** Entry e, of `party`, before any offer is taken. */
  private openEntry(e: number, party: number) {
    this.party[e] = party;
    this.first[e] = NONE;
    this.firstGroup[e] = -1;
    this.firstUnit[e] = -1;
    this.second[e] = NONE;
    this.secondUnit[e] = -1;
  }

  /** The columns for n entries, each written once by copyEntry or openEntry. */
  private allocate(n: number) {
    this.party = new Int32Array(n);
    this.first = new Uint8Array(n);
    this.firstGroup = new Int32Array(n);
    this.firstUnit = new Int32Array(n);
    this.second = new Uint8Array(n);
    this.secondUnit = new Int32Array(n);
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

  private *sortByParty(previous: PlaceTable | null, dirty: Uint8Array | null): Generator<void, void> {
    const byParty = new Int32Array(this.party.length);
    for (let p = 0; p + 1 < this.start.length; p++) {
      if (p % 256 === 255) yield;
      const [from, to] = [this.start[p], this.start[p + 1]];
      if (previous !== null && dirty !== null && dirty[p] === 0) {
        // An untouched place's entries are the previous ones in the same order: so is their order by party.
        const shift = from - previous.start[p];
        for (let e = from; e < to; e++) byParty[e] = previous.byParty[e - shift] + shift;
        continue;
      }
      for (let e = from; e < to; e++) byParty[e] = e;
      if (to - from > 1) byParty.subarray(from, to).sort((x, y) => this.party[x] - this.party[y]);
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

/**
 * Where each place's entries start: `kept(p)` entries for a place whose entries are copied
 * (-1 for one worked out from its offers: one entry per party among them). In steps of offers.
 */
function* entryStarts(offers: Offers, parties: number, kept: (p: number) => number): Generator<void, Int32Array<ArrayBuffer>> {
  const places = offers.start.length - 1;
  const start = new Int32Array(places + 1);
  const seenAt = new Int32Array(parties).fill(-1);
  let work = 0;
  for (let p = 0; p < places; p++) {
    let n = kept(p);
    if (n === -1) {
      n = 0;
      for (let j = offers.start[p]; j < offers.start[p + 1]; j++) {
        if (seenAt[offers.party[j]] !== p) {
          seenAt[offers.party[j]] = p;
          n++;
        }
        if (++work > OFFERS_PER_STEP) {
          work = 0;
          yield;
        }
      }
    }
    start[p + 1] = start[p] + n;
    if (++work > OFFERS_PER_STEP) {
      work = 0;
      yield;
    }
  }
  return start;
}

/**
 * The previous table's offers whose units stay (renumbered by `unitMap`) merged, place by
 * place and in unit order, with the offers logged since; and the places either touched.
 */
function* mergedOffers(previous: Offers, logged: Offers, unitMap: Int32Array): Generator<void, { offers: Offers; dirty: Uint8Array }> {
  const places = logged.start.length - 1;
  const carriedPlaces = previous.start.length - 1;
  const dirty = new Uint8Array(places);
  const counts = new Int32Array(places + 1);
  let work = 0;
  for (let p = 0; p < places; p++) {
    let n = logged.start[p + 1] - logged.start[p];
    if (n > 0 || p >= carriedPlaces) dirty[p] = 1;
    const [i0, i1] = p < carriedPlaces ? [previous.start[p], previous.start[p + 1]] : [0, 0];
    for (let i = i0; i < i1; i++) {
      if (unitMap[previous.unit[i]] === -1) dirty[p] = 1;
      else n++;
      if (++work > OFFERS_PER_STEP) {
        work = 0;
        yield;
      }
    }
    counts[p + 1] = counts[p] + n;
    if (++work > OFFERS_PER_STEP) {
      work = 0;
      yield;
    }
  }
  const merged = offersOf(counts[places], places);
  merged.start.set(counts);
  for (let p = 0; p < places; p++) {
    let to = merged.start[p];
    let j = logged.start[p];
    const [i0, i1] = p < carriedPlaces ? [previous.start[p], previous.start[p + 1]] : [0, 0];
    for (let i = i0; i <= i1; i++) {
      const unit = i < i1 ? unitMap[previous.unit[i]] : Infinity;
      if (unit === -1) continue;
      for (; j < logged.start[p + 1] && logged.unit[j] < unit; j++) copyOffer(logged, j, merged, to++, logged.unit[j]);
      if (i < i1) copyOffer(previous, i, merged, to++, unit);
      if (++work > OFFERS_PER_STEP) {
        work = 0;
        yield;
      }
    }
    if (++work > OFFERS_PER_STEP) {
      work = 0;
      yield;
    }
  }
  return { offers: merged, dirty };
}

function copyOffer(from: Offers, i: number, to: Offers, j: number, unit: number) {
  to.party[j] = from.party[i];
  to.value[j] = from.value[i];
  to.group[j] = from.group[i];
  to.unit[j] = unit;
}
