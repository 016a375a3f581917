import { keyList, setting, type ConnectorOptions } from "../connector.ts";

/*
 * Reads EC2 live through the AWS SDK, region by region, into the documents `mapEc2` takes.
 * Credentials come the SDK's standard way (environment, profile, instance role). Any failure
 * (a region denied, a page that errors) throws: nothing is synced rather than a partial
 * snapshot. `endpoint` points the SDK elsewhere (a test server, LocalStack).
 */
export async function fetchEc2(options: ConnectorOptions): Promise<unknown[]> {
  // Loaded on first use: the SDK is large, and most commands never call it.
  const { DescribeAvailabilityZonesCommand, DescribePlacementGroupsCommand, EC2Client, paginateDescribeInstances } = await import("@aws-sdk/client-ec2");
  const regions = keyList(setting(options, "region", process.env.AWS_REGION ?? ""));
  if (regions.length === 0) throw new Error("aws: name the region(s) with --region (or AWS_REGION)");
  const endpoint = setting(options, "endpoint");
  const documents: unknown[] = [];
  for (const region of regions) {
    const client = new EC2Client({ region, ...(endpoint ? { endpoint } : {}), maxAttempts: 3 });
    try {
      const reservations: unknown[] = [];
      for await (const page of paginateDescribeInstances({ client, pageSize: 500 }, {})) reservations.push(...(page.Reservations ?? []));
      const zones = await client.send(new DescribeAvailabilityZonesCommand({}));
      const groups = await client.send(new DescribePlacementGroupsCommand({}));
      documents.push({ Reservations: reservations }, { AvailabilityZones: zones.AvailabilityZones ?? [] }, { PlacementGroups: groups.PlacementGroups ?? [] });
    } catch (error) {
      throw new Error(`aws: region ${region}: ${(error as Error).message}`);
    } finally {
      client.destroy();
    }
  }
  return documents;
}
