/**
 * File exchange over FTP with explicit TLS (`billu:ftp`, issue #19): vsftpd on the host of role `ftp` (`PAR-FTP01`,
 * Debian 12, an AD member through the `ad-join` step). Pure: the schema (its `.describe()` text and defaults are the
 * configuration reference), the checks (through Problems, naming the key path), and the derived `FtpPlan` the
 * renderers (components/ftp/render.ts), the component and the docs read.
 *
 * Design:
 * - Explicit FTPS is required for the login and for every data connection; anonymous is off; every user is
 *   chrooted into the exchange root, which is not writable (the exchange folders below it are).
 * - Who may log in: AD users (PAM, SSSD) of `allowedGroups`, from the subnets of `allowedZones`. The router and the
 *   VM's Proxmox firewall open the control port and the passive range from those zones only (the flows below);
 *   vsftpd's PAM stack checks the same groups and subnets again (pam_access), a second layer behind the router.
 * - The passive range is the catalogue's `ftp-passive` (model/ports.ts), the one the flows open: conntrack's FTP
 *   helper cannot read a PASV reply inside TLS, so the router cannot open data ports on the fly.
 * - Exchange folders: one per department zone (its group) and a common one (all staff), setgid with default ACLs,
 *   so a file keeps its folder's group and permissions whoever uploads it.
 */
import { z } from "zod";
import { isIpv4 } from "./addressing";
import type { HostView, ZoneModel } from "./core";
import { ALL_STAFF_GROUP, departmentGroup } from "./directory";
import { Problems, show } from "./errors";
import { departmentShareName, directoryGroups } from "./fileserver";
import type { HrExport } from "./hr";
import { Catalogue, PortRange, portOf, portsText } from "./ports";

/** The catalogue services (model/ports.ts) the flows to the FTP server name. */
export const FTP_SERVICE = "ftp";
export const FTP_PASSIVE_SERVICE = "ftp-passive";
/** vsftpd's greeting (ftpd_banner): what a client sees first on the control port, and what the acceptance run expects. */
export const FTP_BANNER = "BillU file exchange: FTP over explicit TLS only";
/** Where the exchange folders live: the chroot of every user (root-owned, not writable). */
export const FTP_ROOT = "/srv/ftp";

const FP = "billu:ftp";
const hostName = z.string().min(1).max(63);
const folderName = z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be lower-case kebab-case, at most 63 characters")
    .describe("A folder name under the exchange root.");

export const ftpSchema = z
    .object({
        host: hostName
            .optional()
            .describe("The FTP server: a host of billu:hosts with role ftp (host code FTP, `PAR-FTP01`, Debian 12). @default the site's only host of role ftp"),
        passivePorts: z
            .object({
                min: z.number().int().min(1024).max(65535).default(40000).describe("First port of the passive range (vsftpd pasv_min_port). @default 40000"),
                max: z.number().int().min(1024).max(65535).default(40099).describe("Last port of the passive range (vsftpd pasv_max_port). @default 40099"),
            })
            .strict()
            .default({})
            .describe(
                "The passive data ports: inside the catalogue's ftp-passive (tcp/40000-40099, model/ports.ts), which the flows open, and " +
                    "overlapping no other service. @default 40000-40099",
            ),
        advertisedAddress: z
            .string()
            .optional()
            .describe("The address vsftpd gives clients in its PASV reply (pasv_address), IPv4. @default the FTP server's own address"),
        allowedZones: z
            .array(z.string().min(1))
            .min(1)
            .optional()
            .describe(
                "Zones whose clients may connect: the flows (control port and passive range) are generated from them, and vsftpd's PAM " +
                    "refuses logins from any other subnet. @default every department zone",
            ),
        allowedGroups: z
            .array(z.string().min(1))
            .min(1)
            .default([ALL_STAFF_GROUP])
            .describe(`AD groups (names of the directory plan) whose members may log in; anyone else is refused by PAM. @default [${ALL_STAFF_GROUP}]`),
        folders: z
            .object({
                common: folderName.default("commun").describe("The common folder: read/write for every member of staff. @default commun"),
                departments: z
                    .array(z.string().min(1))
                    .optional()
                    .describe("Departments with an exchange folder (read/write for the department's group). @default every department zone's department"),
            })
            .strict()
            .default({})
            .describe("The exchange folders under /srv/ftp: one per department and a common one. @default every department and `commun`"),
        maxUploadMiB: z
            .number()
            .int()
            .min(1)
            .max(1048576)
            .optional()
            .describe("Largest file a user may upload, MiB (pam_limits fsize): a bigger upload is cut, refused with 451 and deleted. @default no limit"),
    })
    .strict()
    .describe("File exchange over FTP with explicit TLS (vsftpd) on the host of role ftp");

export type FtpConfig = z.output<typeof ftpSchema>;

export interface FtpFolder {
    /** Folder name under the root (`dsi`, `commun`). */
    readonly name: string;
    /** `<root>/<name>`. */
    readonly path: string;
    readonly kind: "department" | "common";
    readonly department?: string;
    /** The group owning the folder (setgid), read/write by its default ACL: its name in the directory plan. */
    readonly group: string;
}

export interface FtpRequiredFlow {
    readonly from: string;
    readonly to: string;
    readonly service: string;
    readonly why: string;
}

export interface FtpPlan {
    readonly host: { readonly name: string; readonly zone: string; readonly address: string };
    /** Its name in the AD domain: the certificate's name and what clients connect to. */
    readonly fqdn: string;
    readonly certificate: { readonly commonName: string; readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[] };
    readonly controlPort: number;
    readonly passive: { readonly min: number; readonly max: number };
    readonly advertisedAddress: string;
    /** The allowed zones with their subnets (PAM's origin table). */
    readonly allowedZones: readonly { readonly name: string; readonly cidr: string }[];
    /** Allowed AD groups, by their names in the directory plan. */
    readonly allowedGroups: readonly string[];
    readonly root: string;
    readonly folders: readonly FtpFolder[];
    /** The domain's administrators: full access to every folder. */
    readonly adminGroup: string;
    readonly maxUploadMiB?: number;
    /** Whether the site has a log collector this host forwards to: the step then forwards the FTP logs too. */
    readonly forwardLogs: boolean;
    readonly flows: readonly FtpRequiredFlow[];
}

export interface FtpInput {
    readonly cfg: FtpConfig | undefined;
    readonly hosts: readonly (HostView & { readonly joinDomain: boolean })[];
    readonly zones: readonly ZoneModel[];
    /** The AD domain: the users and groups; absent on a site without one (an error when an FTP server is declared). */
    readonly domain?: { readonly fqdn: string };
    readonly hr?: HrExport;
    /** The site's port catalogue (billu:firewall.services included), when the firewall planned soundly. */
    readonly catalogue?: Catalogue;
    /** The hosts the log collector receives from (billu:logs), when the site has one. */
    readonly logClients?: readonly string[];
}

const overlap = (a: PortRange, b: PortRange) => a.proto === b.proto && a.from <= b.to && b.from <= a.to;

/**
 * Checks `billu:ftp` against the hosts, zones, the directory plan and the port catalogue, and derives the plan.
 * Returns undefined when the site has no FTP server and no `billu:ftp`, or when a problem was found.
 */
export function planFtp(input: FtpInput, problems: Problems): FtpPlan | undefined {
    const { hosts, zones } = input;
    const before = problems.count;
    const servers = hosts.filter((h) => h.role === "ftp");
    if (!input.cfg && servers.length === 0) return undefined;
    const cfg = input.cfg ?? ftpSchema.parse({});

    let host: FtpInput["hosts"][number] | undefined;
    if (cfg.host !== undefined) {
        host = hosts.find((h) => h.name === cfg.host);
        if (!host) {
            problems.add(
                `${FP}.host`,
                `${show(cfg.host)} is not a host of billu:hosts`,
                servers.length > 0
                    ? `name a host of role ftp (${servers.map((h) => h.name).join(", ")})`
                    : "add the FTP server to billu:hosts (role: ftp, os: debian-12, joinDomain: true, e.g. PAR-FTP01) and name it here",
            );
        } else if (host.role !== "ftp") {
            problems.add(`${FP}.host`, `${show(cfg.host)} has role ${host.role}, not ftp`, `give the FTP server its own host of role ftp (e.g. PAR-FTP01)`);
            host = undefined;
        }
    } else if (servers.length === 0) {
        problems.add(
            "billu:hosts",
            "has no host of role ftp, but billu:ftp is set",
            "add the FTP server to billu:hosts (role: ftp, os: debian-12, joinDomain: true, e.g. PAR-FTP01), or remove billu:ftp",
        );
    } else if (servers.length > 1) {
        problems.add(
            "billu:hosts",
            `has ${servers.length} hosts of role ftp (${servers.map((h) => h.name).join(", ")}) and billu:ftp.host names none`,
            "set billu:ftp.host to the one that serves, or declare a single host of role ftp",
        );
    } else {
        host = servers[0];
    }
    if (host) {
        const hp = (k: string) => `billu:hosts[${host!.index}].${k}`;
        if (host.os.startsWith("windows")) {
            problems.add(hp("os"), `${show(host.os)} cannot run vsftpd`, `use os: debian-12 for the FTP server ${host.name}`);
        } else if (!host.joinDomain) {
            problems.add(
                hp("joinDomain"),
                `is false, but ${host.name} is the FTP server: its users are AD users (PAM through SSSD)`,
                `set billu:hosts[${host.index}].joinDomain: true`,
            );
        }
    }
    if (!input.domain) {
        problems.add(
            FP,
            "is set, but the site has no AD domain: the FTP users are AD users",
            "declare the domain (billu:domain and its DCs), or remove billu:ftp",
        );
    }

    // The passive range: ordered, clear of every other service, inside the ftp-passive the flows open.
    const { min, max } = cfg.passivePorts;
    if (min > max) {
        problems.add(
            `${FP}.passivePorts`,
            `min ${min} is above max ${max}`,
            "give the first port of the range as min and the last as max (e.g. min: 40000, max: 40099)",
        );
    } else if (input.catalogue) {
        const range: PortRange = { proto: "tcp", from: min, to: max };
        // A bundle is made of other services, and a site's catch-all (every TCP port) overlaps everything by design.
        const catchAll = (s: { ports: readonly PortRange[] }) => s.ports.some((p) => p.proto === "tcp" && p.from === 1 && p.to === 65535);
        const clash = [...input.catalogue.services.values()].find(
            (s) => !s.bundle && !catchAll(s) && s.name !== FTP_PASSIVE_SERVICE && s.ports.some((p) => overlap(p, range)),
        );
        const passive = input.catalogue.get(FTP_PASSIVE_SERVICE);
        if (clash) {
            problems.add(
                `${FP}.passivePorts`,
                `tcp/${min}-${max} overlaps the service ${clash.name} (${portsText(clash.ports)})`,
                `choose a range inside ${FTP_PASSIVE_SERVICE} (${passive ? portsText(passive.ports) : "model/ports.ts"}), which no other service uses`,
            );
        } else if (passive && !passive.ports.some((p) => p.proto === "tcp" && p.from <= min && max <= p.to)) {
            problems.add(
                `${FP}.passivePorts`,
                `tcp/${min}-${max} is not inside ${FTP_PASSIVE_SERVICE} (${portsText(passive.ports)}), the range the router and the VM firewall open`,
                `choose a range inside ${portsText(passive.ports)}`,
            );
        }
    }
    if (cfg.advertisedAddress !== undefined && !isIpv4(cfg.advertisedAddress)) {
        problems.add(
            `${FP}.advertisedAddress`,
            `${show(cfg.advertisedAddress)} is not an IPv4 address`,
            "write the address clients reach the server at (dotted IPv4, e.g. 10.20.10.51), or leave it out for the server's own",
        );
    }

    // Zones: each must exist, once; the WAN never.
    const zoneByName = new Map(zones.map((z) => [z.name, z]));
    const departmentZones = zones.filter((z) => z.kind === "department" && z.department);
    const allowedZoneNames = cfg.allowedZones ?? departmentZones.map((z) => z.name);
    if (cfg.allowedZones === undefined && departmentZones.length === 0) {
        problems.add(`${FP}.allowedZones`, "is not set and the site has no department zone", "list the zones whose clients may connect");
    }
    const seenZones = new Map<string, number>();
    (cfg.allowedZones ?? []).forEach((name, i) => {
        const p = `${FP}.allowedZones[${i}]`;
        const z = zoneByName.get(name);
        if (!z) {
            problems.add(
                p,
                `${show(name)} is not a zone of billu:network.zones`,
                `name one of ${zones
                    .filter((x) => x.kind !== "wan")
                    .map((x) => x.name)
                    .join(", ")}`,
            );
        } else if (seenZones.has(name)) {
            problems.add(p, `${show(name)} is already ${FP}.allowedZones[${seenZones.get(name)}]`, "name each zone once");
        } else if (z.kind === "wan") {
            problems.add(p, `${show(name)} is the WAN: FTP is for staff inside the site`, "remove it; staff outside connect through the VPN");
        }
        seenZones.set(name, i);
    });

    // Groups and folders from the directory plan.
    const departments = [...new Set(departmentZones.map((z) => z.department!))];
    const groups = directoryGroups(input.hr, departments);
    const groupHelp = `use ${ALL_STAFF_GROUP}, a department group (${departments.map(departmentGroup).join(", ")}) or a service group (directory naming)`;
    cfg.allowedGroups.forEach((g, i) => {
        if (!groups.has(g)) problems.add(`${FP}.allowedGroups[${i}]`, `${show(g)} is not a group of the directory plan`, groupHelp);
    });
    const folderDepartments = cfg.folders.departments ?? departments;
    cfg.folders.departments?.forEach((d, i) => {
        if (!departments.includes(d)) {
            problems.add(`${FP}.folders.departments[${i}]`, `${show(d)} is not the department of any department zone`, `use one of ${departments.join(", ")}`);
        }
    });
    const folders: FtpFolder[] = [
        ...folderDepartments
            .filter((d) => departments.includes(d))
            .map((d) => ({ name: departmentShareName(d), kind: "department" as const, department: d, group: departmentGroup(d) })),
        { name: cfg.folders.common, kind: "common" as const, group: ALL_STAFF_GROUP },
    ].map((f) => ({ ...f, path: `${FTP_ROOT}/${f.name}` }));
    const clash = folders.find((f) => f.kind === "department" && f.name === cfg.folders.common);
    if (clash) {
        problems.add(
            `${FP}.folders.common`,
            `${show(cfg.folders.common)} is already the folder of the department ${clash.department}`,
            "give the common folder another name (e.g. commun)",
        );
    }

    if (problems.count > before || !host || !input.domain) return undefined;
    const server = host;
    const fqdn = `${server.name.toLowerCase()}.${input.domain.fqdn.toLowerCase()}`;
    const allowedZones = allowedZoneNames.map((n) => ({ name: n, cidr: zoneByName.get(n)!.cidr.text }));
    return {
        host: { name: server.name, zone: server.zone, address: server.address },
        fqdn,
        certificate: { commonName: fqdn, dnsNames: [fqdn], ipAddresses: [server.address] },
        controlPort: portOf(FTP_SERVICE),
        passive: { min, max },
        advertisedAddress: cfg.advertisedAddress ?? server.address,
        allowedZones,
        allowedGroups: [...cfg.allowedGroups],
        root: FTP_ROOT,
        folders,
        adminGroup: "Domain Admins",
        maxUploadMiB: cfg.maxUploadMiB,
        forwardLogs: input.logClients?.includes(server.name) ?? false,
        flows: allowedZones.flatMap((z) =>
            [FTP_SERVICE, FTP_PASSIVE_SERVICE].map((service) => ({
                from: z.name,
                to: server.name,
                service,
                why: service === FTP_SERVICE ? `staff of ${z.name} log in over explicit TLS` : `staff of ${z.name} transfer files in passive mode`,
            })),
        ),
    };
}
