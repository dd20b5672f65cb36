import type { HostModel } from "../../model/core";
import { hostInputs } from "../../model/services/hosts";

// A host whose own address (the router's management NIC) differs from its first NIC's: the planners read the first NIC's.
const host = {
    name: "PAR-FTP01",
    role: "ftp",
    os: "debian-12",
    zone: "dmz",
    address: "10.20.0.9",
    nics: [{ address: "172.16.120.21" }, { address: "10.20.0.9" }],
    disks: [{ sizeGiB: 20 }],
    joinDomain: true,
    vmId: 321,
    index: 4,
} as unknown as HostModel;

const view = { name: "PAR-FTP01", role: "ftp", os: "debian-12", zone: "dmz", address: "172.16.120.21", index: 4 };

describe("hostInputs (the client, ftp and monitoring planners' view of billu:hosts)", () => {
    it("gives the HostView fields, with the first NIC's address, and nothing else", () => {
        expect(hostInputs([host])).toStrictEqual([view]);
    });

    it("adds exactly the extra fields a planner names", () => {
        expect(hostInputs([host], "joinDomain")).toStrictEqual([{ ...view, joinDomain: true }]);
        expect(hostInputs([host], "disks")).toStrictEqual([{ ...view, disks: [{ sizeGiB: 20 }] }]);
        expect(hostInputs([host], "joinDomain", "disks")).toStrictEqual([{ ...view, joinDomain: true, disks: [{ sizeGiB: 20 }] }]);
    });
});
