/*
 * What ARM's `GET /subscriptions/{id}/locations` (api-version 2022-12-01 or later, as
 * `az rest` prints it, or the records of such a list) says of each subscription's regions: which physical zone
 * each logical zone is. Azure maps logical zones to physical ones per subscription, so
 * subscription A's zone 1 may be subscription B's zone 2: only the physical zone
 * (`westeurope-az2`) names one place for everybody.
 */
interface Location {
  id?: string;
  name?: string;
  availabilityZoneMappings?: { logicalZone?: string; physicalZone?: string }[] | null;
}

export class AzureZones {
  private readonly mappings = new Map<string, Map<string, string>>();
  /** Subscriptions whose export names any zone mapping: only such an export can say a region has none (older tools print no mappings at all). */
  private readonly zoneAware = new Set<string>();

  /** Reads a location record; false when the record is not one. */
  add(location: Location): boolean {
    const match = /^\/subscriptions\/([^/]+)\/locations\/([^/]+)$/i.exec(location.id ?? "");
    if (!match) return false;
    const zones = new Map<string, string>();
    for (const m of location.availabilityZoneMappings ?? []) if (m.logicalZone && m.physicalZone) zones.set(m.logicalZone, m.physicalZone.toLowerCase());
    this.mappings.set(key(match[1], location.name ?? match[2]), zones);
    if (zones.size > 0) this.zoneAware.add(match[1].toLowerCase());
    return true;
  }

  /** The physical zone of a subscription's logical zone, when the export says it. */
  physical(subscription: string, location: string, logicalZone: string): string | null {
    return this.mappings.get(key(subscription, location))?.get(logicalZone) ?? null;
  }

  /** True when the region is known to have no zones; false when it has some or nothing says. */
  knownWithoutZones(subscription: string, location: string): boolean {
    return this.zoneAware.has(subscription.toLowerCase()) && this.mappings.get(key(subscription, location))?.size === 0;
  }
}

const key = (subscription: string, location: string) => `${subscription.toLowerCase()}/${location.toLowerCase()}`;

/** Is this record a location (`/subscriptions/…/locations/…`)? */
export const isLocation = (record: { id?: unknown }) => typeof record.id === "string" && /^\/subscriptions\/[^/]+\/locations\/[^/]+$/i.test(record.id);
