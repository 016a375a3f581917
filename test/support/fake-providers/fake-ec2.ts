import { listen, type FakeServer } from "./listen.ts";

/*
 * A local EC2 Query API (the XML the real service answers) serving the describe-* fixtures, so
 * the real AWS SDK parses real responses: DescribeInstances in pages of `pageSize`
 * reservations with NextToken, DescribeAvailabilityZones, DescribePlacementGroups. Requests
 * signed for a region in `deniedRegions` get EC2's UnauthorizedOperation.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

// The XML element names that are not the JSON key with a lower-case first letter, by the
// structure they sit in (from the EC2 API model).
const NAMES: Record<string, Record<string, string>> = {
  DescribeInstancesResult: { Reservations: "reservationSet" },
  DescribeAvailabilityZonesResult: { AvailabilityZones: "availabilityZoneInfo" },
  DescribePlacementGroupsResult: { PlacementGroups: "placementGroupSet" },
  Reservation: { Groups: "groupSet", Instances: "instancesSet" },
  Instance: {
    BlockDeviceMappings: "blockDeviceMapping",
    NetworkInterfaces: "networkInterfaceSet",
    SecurityGroups: "groupSet",
    Tags: "tagSet",
    State: "instanceState",
    PublicDnsName: "dnsName",
    StateTransitionReason: "reason",
    PublicIpAddress: "ipAddress",
  },
  AvailabilityZone: { Messages: "messageSet", State: "zoneState" },
  PlacementGroup: { Tags: "tagSet" },
};
const ITEM_TYPE: Record<string, string> = { Reservations: "Reservation", Instances: "Instance", AvailabilityZones: "AvailabilityZone", PlacementGroups: "PlacementGroup" };

const escape = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

function xml(value: Json, type: string): string {
  if (value === null) return "";
  if (Array.isArray(value)) return value.map((item) => `<item>${xml(item, type)}</item>`).join("");
  if (typeof value === "object") {
    return Object.entries(value)
      .map(([key, child]) => {
        const name = NAMES[type]?.[key] ?? key.charAt(0).toLowerCase() + key.slice(1);
        return `<${name}>${xml(child, ITEM_TYPE[key] ?? key)}</${name}>`;
      })
      .join("");
  }
  return escape(String(value));
}

export async function fakeEc2(fixtures: { instances: any; zones: any; groups: any }, options: { pageSize?: number; deniedRegions?: string[] } = {}): Promise<FakeServer> {
  const pageSize = options.pageSize ?? 2;
  return listen((request, body, response) => {
    const form = new URLSearchParams(body);
    const region = /Credential=[^/]+\/\d+\/([^/]+)\/ec2\//.exec(String(request.headers.authorization))?.[1] ?? "";
    const answer = (status: number, text: string) => {
      response.writeHead(status, { "content-type": "text/xml;charset=UTF-8" });
      response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${text}`);
    };
    if (options.deniedRegions?.includes(region)) {
      return answer(403, `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>denied-1</RequestID></Response>`);
    }
    const action = form.get("Action");
    const wrap = (result: string, inner: string) => `<${result}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-${action}</requestId>${inner}</${result}Response>`;
    switch (action) {
      case "DescribeInstances": {
        const start = Number(form.get("NextToken") ?? 0);
        const page = fixtures.instances.Reservations.slice(start, start + pageSize);
        const next = start + pageSize < fixtures.instances.Reservations.length ? { NextToken: String(start + pageSize) } : {};
        return answer(200, wrap("DescribeInstances", xml({ Reservations: page, ...next } as Json, "DescribeInstancesResult")));
      }
      case "DescribeAvailabilityZones":
        return answer(200, wrap("DescribeAvailabilityZones", xml(fixtures.zones, "DescribeAvailabilityZonesResult")));
      case "DescribePlacementGroups":
        return answer(200, wrap("DescribePlacementGroups", xml(fixtures.groups, "DescribePlacementGroupsResult")));
      default:
        return answer(400, `<Response><Errors><Error><Code>InvalidAction</Code><Message>${escape(String(action))}</Message></Error></Errors></Response>`);
    }
  });
}
