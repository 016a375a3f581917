import { describe, expect, it } from "vitest";
import { replicaInput } from "../../src/cli/place-command.ts";

/*
 * `tenancy place`'s replica options as the service reads them: a container's traits
 * (--runtime, --privileged, --node-files) describe a container even without --replica, since
 * the service's default (a plain runc container in a VM) would prove more than was asked.
 */
describe("tenancy place's replica", () => {
  it("is the service's default when nothing describes it", () => {
    expect(replicaInput({})).toBeNull();
  });

  it("is a container when only its traits are given", () => {
    expect(replicaInput({ nodeFiles: true, runtime: "kata" })).toEqual({ kind: "CONTAINER", runtime: "kata", privileged: null, nodeFiles: true });
    expect(replicaInput({ privileged: true })).toEqual({ kind: "CONTAINER", runtime: null, privileged: true, nodeFiles: null });
  });

  it("is what --replica names, any other word passed on for the service to refuse", () => {
    expect(replicaInput({ replica: "vm" })).toEqual({ kind: "VIRTUAL_MACHINE", runtime: null, privileged: null, nodeFiles: null });
    expect(replicaInput({ replica: "Container", nodeFiles: true })).toEqual({ kind: "CONTAINER", runtime: null, privileged: null, nodeFiles: true });
    expect(replicaInput({ replica: "pod" })?.kind).toBe("pod");
  });
});
