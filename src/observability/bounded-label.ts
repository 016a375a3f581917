/*
 * A label whose values come from outside (clients' operation names, pushed sources' names):
 * the first `max` distinct values are kept, later new ones count as `overflow`, so no caller
 * can grow a metric's series without bound.
 */
export class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(
    private readonly max: number,
    private readonly overflow = "other",
  ) {}

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size >= this.max) return this.overflow;
    this.seen.add(value);
    return value;
  }
}
