/**
 * The core types of the site model: zones, hosts, NICs, roles, OS kinds and zone kinds. This module imports nothing
 * (of the model or anything else): every service module (model/services/) and every planner depends on it, never the
 * reverse. The layer rules (.dependency-cruiser.cjs) hold it so.
 */

/**
 * The OS templates a VM is cloned from (billu:proxmox.templates): Debian 12, Windows Server 2022 (Desktop Experience or
 * Core), and the Windows 11 Pro workstation template of the `client` role (Pro: Home cannot join a domain).
 */
export const OS_KINDS = ["debian-12", "windows-2022-gui", "windows-2022-core", "windows-11-pro"] as const;
export type OsKind = (typeof OS_KINDS)[number];

/** The Windows 11 workstation template: clients only; its VM boots UEFI with a TPM 2.0 (Windows 11's requirements). */
export const WINDOWS_CLIENT_OS = "windows-11-pro";

export function isWindows(os: OsKind | string): boolean {
    return os.startsWith("windows");
}

export const ZONE_KINDS = ["wan", "department", "servers", "dmz", "management"] as const;
export type ZoneKind = (typeof ZONE_KINDS)[number];

/**
 * A host role: the key of a service descriptor that declares a role (model/services/registry.ts lists them and
 * derives the config's `role` enum, the host-name codes, the start order and the stateful roles from them).
 */
export type Role = string;

/** An IPv4 network, parsed (model/addressing.ts parses and compares them). */
export interface Cidr {
    /** Network address, dotted. */
    readonly network: string;
    readonly prefix: number;
    /** First and last address of the block as 32-bit integers. */
    readonly first: number;
    readonly last: number;
    readonly text: string;
}

export interface ZoneModel {
    readonly name: string;
    readonly kind: ZoneKind;
    readonly department?: string;
    readonly cidr: Cidr;
    readonly vlanId?: number;
    readonly bridge: string;
    readonly gateway: string;
    /** The router's address in this zone. */
    readonly routerAddress: string;
    readonly dhcp?: { readonly poolStart: string; readonly poolEnd: string };
    /** Index in `billu:network.zones`, for messages. */
    readonly index: number;
}

export interface NicModel {
    readonly zone: string;
    /** Interface name in a cloud-init Debian guest: cloud-init names NICs eth0, eth1, ... in Proxmox NIC order. */
    readonly ifname: string;
    readonly bridge: string;
    readonly vlanId?: number;
    readonly address: string;
    readonly prefix: number;
    /** Default gateway, on the one NIC that carries the default route. */
    readonly gateway?: string;
}

export interface DiskModel {
    readonly datastore: string;
    readonly sizeGiB: number;
}

/** A host of `billu:hosts`, validated and placed in its zone. */
export interface HostModel {
    /** `PAR-DC01`: the naming convention holds (model/naming.ts). */
    readonly name: string;
    readonly role: Role;
    readonly os: OsKind;
    /** Zone of the host's NIC (the router: its management NIC; it has one NIC in every zone). */
    readonly zone: string;
    readonly address: string;
    readonly vmId: number;
    readonly node: string;
    readonly cores: number;
    readonly memoryMiB: number;
    /** First disk: the OS disk; the others are data disks. */
    readonly disks: readonly DiskModel[];
    /** Join the AD domain (Debian hosts: realmd + SSSD). */
    readonly joinDomain: boolean;
    readonly nics: readonly NicModel[];
    /** Template VM id to clone, on the host's node. */
    readonly templateVmId: number;
    /** Stateful roles (DCs, file server, mail) keep data that a replacement would lose. */
    readonly stateful: boolean;
    /** Proxmox start order: the firewall, then DCs, then the rest. */
    readonly startOrder: number;
    /** Index in `billu:hosts`, for messages. */
    readonly index: number;
}

/**
 * The part of a host a planner reads: its name, role, OS, zone, address and position in billu:hosts (for key paths).
 * Planners take this narrow view (the logs and mail planners, the guest resolvers), so their tests build just these
 * fields, and a field added to HostModel reaches them with its type.
 */
export type HostView = Pick<HostModel, "name" | "role" | "os" | "zone" | "address" | "index">;

/** What a descriptor declares about the hosts of its role. */
export interface RoleSpec {
    /** The code in the host name: `DC` gives `PAR-DC01` (2 to 5 capital letters). */
    readonly code: string;
    /** Proxmox start order and build order: lower first (the router is 1, the DCs 2). */
    readonly startOrder: number;
    /** Whether the role keeps data a replacement would lose (protected, HA, backed up). */
    readonly stateful: boolean;
}

/**
 * The facts every planner may read, computed once: the site, its zones and hosts, and what was computed in many
 * places before (the WAN zone, each host's FQDN, the internal networks).
 */
export interface CoreModel {
    readonly site: {
        readonly name: string;
        readonly code: string;
        readonly company: string;
        readonly kind: "company" | "partner";
        readonly environment: "dev" | "prod";
        readonly domain: string;
        readonly netbiosName?: string;
    };
    readonly zones: readonly ZoneModel[];
    readonly hosts: readonly HostModel[];
    /** The router/firewall host (absent only while the config is being reported as invalid). */
    readonly router?: HostModel;
    /** The WAN zone (the internet side of the router). */
    readonly wanZone?: ZoneModel;
    /** Networks of every zone but the WAN. */
    readonly internalNetworks: readonly Cidr[];
    /** The host's name in the site's DNS domain, lower case: `par-mail01.billu.remindme.lan`. */
    fqdn(host: Pick<HostModel, "name">): string;
}
