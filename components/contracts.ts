/**
 * What components share with the layers that read them and with each other: the role-builder contract
 * stacks/site.ts calls, the facts the policy pack (policies/rules) reads off the resources components create (type
 * tokens, the Firewall component's facts, the VM tags, the WAN IP set), and the names of the secrets one component
 * makes and a step of another receives. One pure module, types and constants only, imported by all sides: a policy
 * never imports a component's internals, a component never imports stacks/ or another component's internals. Its
 * imports are type-only, and .dependency-cruiser.cjs (`contracts-pure`) holds that, so loading it runs no other
 * module.
 *
 * Why here and not in a top-level contracts/ folder: everything in it is what components publish, so it sits in
 * the components layer (policies already import only model/ and this file); a new top-level folder would also
 * have to join tsconfig's include list, the lint globs and the layer rules for no gain.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { HostModel } from "../model/site";
import type { SiteContext } from "./context";

// ---- Roles: stacks/site.ts calls a builder per role; components/<role>/role.ts implements it.

/** Extra documentation sections by title (DHCP scopes, DCs, shares, ...): markdown-ready rows. */
export type DocSections = Record<string, { columns: string[]; rows: pulumi.Input<string | number>[][] }>;

/**
 * What a role's builder returns, as values the site threads into the next roles' context (stacks/site.ts `advance`):
 * nothing is pushed into a shared object.
 */
export interface RoleResult {
    /** What later roles wait for (the dc role's is the domain's readiness). */
    readonly ready: readonly pulumi.Resource[];
    /** The Proxmox VM of each host the builder made, by host name (guest steps of later roles and HA follow them). */
    readonly vms: ReadonlyMap<string, pulumi.Resource>;
    /** Documentation sections the role adds to the stack's docs, by title. @default none */
    readonly docs?: DocSections;
    /** The dc role's join account password (secret), when Debian members join the domain. @default none */
    readonly domainJoin?: { readonly password: pulumi.Output<string> };
    /**
     * Stack outputs the role adds, by name, each a secret (read with `pulumi stack output --show-secrets <name>`; the
     * synthesized outputs show `[secret]`). @default none
     */
    readonly secretOutputs?: Readonly<Record<string, pulumi.Output<string>>>;
    /** Stack outputs the role adds (public values only, e.g. the mail domain's DKIM record), by output name. @default none */
    readonly outputs?: Readonly<Record<string, pulumi.Output<string>>>;
}

/**
 * Builds every host of one role. Roles are built in start order (firewall, dc, dhcp, ...), and each gets a context
 * holding what the roles before it returned (`ctx.after`, `ctx.vms`, `ctx.domainJoin`). A role without a builder
 * gets BaseServer VMs.
 */
export type RoleBuilder = (ctx: SiteContext, hosts: readonly HostModel[], parent: pulumi.Resource) => RoleResult;

// ---- Secrets two components pass between them: one makes the value, a step of another receives it on stdin by
// this name (never in a file or on a command line). Named here so neither component imports the other; the step
// scripts read them by the same names (scripts/dc/, scripts/directory/mail-directory.*, scripts/mail/mail.sh).

/**
 * The password of the account Debian members join the domain with: the DC steps create the account with it
 * (components/domain-controller), BaseServer's `ad-join` step joins with it (components/base-server/member.ts).
 */
export const DOMAIN_JOIN_SECRET = "join-password";
/**
 * The mail server's LDAP service account's password: MailServer generates it, the directory's `mail-directory`
 * step sets it on the account (components/directory/mail.ts), the `mail` step binds with it (components/mail).
 */
export const MAIL_LDAP_SECRET = "mail-ldap-password";
/**
 * GLPI's LDAP service account's password (it also logs in to the helpdesk mailbox): AssetsServer generates it, the
 * directory's `assets-directory` step sets it on the account (components/directory/assets.ts), the `glpi-server` step
 * gives it to GLPI (components/assets).
 */
export const ASSETS_LDAP_SECRET = "glpi-ldap-password";

/**
 * The mail domain's DKIM public key (base64 DER, not a secret, but known only at apply time): MailServer generates the
 * key, the `mail-directory` step publishes it in AD DNS through the step's secret channel (its only way in).
 */
export const MAIL_DKIM_PUBLIC_SECRET = "mail-dkim-public";

// ---- Type tokens: our components register with these; the policies find their resources by them.

/**
 * Kea's control socket on a DHCP server (the DHCP step renders it into kea-dhcp4.conf; the Zabbix agent's pool item
 * asks it for the statistics). Debian's unit runs Kea as _kea with UMask 0022: only root or _kea may connect.
 */
export const KEA_CONTROL_SOCKET = "/run/kea/kea4-ctrl-socket";

export const FIREWALL_TYPE = "billu:network:Firewall";
export const VPN_TYPE = "billu:vpn:SiteToSiteVpn";
export const TRUST_TYPE = "billu:trust:ForestTrust";
export const WEB_TYPE = "billu:web:WebDmz";

// The providers' resource types our components create (the providers' own tokens, written once here).
export const VM_TYPE = "proxmoxve:index/vmLegacy:VmLegacy";
export const RULES_TYPE = "proxmoxve:firewall/rulesLegacy:RulesLegacy";
export const OPTIONS_TYPE = "proxmoxve:firewall/optionsLegacy:OptionsLegacy";
export const CLUSTER_FIREWALL_TYPE = "proxmoxve:cluster/firewallLegacy:FirewallLegacy";
export const IPSET_TYPE = "proxmoxve:firewall/ipsetLegacy:IpsetLegacy";
export const HA_RESOURCE_TYPE = "proxmoxve:index/haresource:Haresource";
export const RANDOM_PASSWORD_TYPE = "random:index/randomPassword:RandomPassword";
export const BACKUP_JOB_TYPE = "proxmoxve:backup/job:Job";
export const PBS_STORAGE_TYPE = "proxmoxve:storage/pbs:Pbs";
export const NFS_STORAGE_TYPE = "proxmoxve:storage/nfs:Nfs";

// ---- The in-guest backup's facts (billu:backup), read by require-in-guest-backup-for-stateful-hosts.

/**
 * One host's in-guest backup client: a child of the host's base step that carries the client's part (restic, its
 * settings, its timer or scheduled task), so the fact exists only where the client is really shipped.
 */
export const BACKUP_CLIENT_TYPE = "billu:backup:BackupClient";
/** The data every service declared (the requirements channel's `backup` kind), one resource per site. */
export const BACKUP_DATA_TYPE = "billu:backup:DeclaredData";

export interface BackupClientFact {
    /** The host, as in the model and its VM's name (`PAR-FS01`). */
    host: string;
    os: "linux" | "windows";
    /** The backup server it sends to (`par-bkp01.billu.remindme.lan:8000`). */
    server: string;
    /** When it runs (systemd OnCalendar on Linux, the same expression on Windows). */
    schedule: string;
    /** The classes of data it backs up (`directory`, `files`, ...). */
    dataClasses: string[];
    /** The absolute paths restic backs up. */
    paths: string[];
}

export interface BackupDataFact {
    /** Every data set a service of the site declared: the host keeping it, its class and its paths. */
    sets: { host: string; dataClass: string; paths: string[] }[];
}

// ---- Proxmox names the firewall and the VMs carry.

/** The cluster IP set that means "the internet" (components/firewall/DatacenterFirewall.ts creates it). */
export const WAN_IPSET = "billu-wan";
/** How a Proxmox firewall rule names that set. */
export const WAN_IPSET_REF = `+${WAN_IPSET}`;

/** The Proxmox tags every VM gets (components/proxmox-vm/plan.ts), which the VM rules of the pack select by. */
export const VM_TAG = {
    managed: "billu",
    stateful: "stateful",
    stateless: "stateless",
    env: (environment: string): string => `env-${environment}`,
    role: (role: string): string => `role-${role}`,
} as const;

// ---- The Firewall component's facts (its resource inputs and outputs), read by the firewall rules of the pack.

export interface MemberFact {
    kind: string;
    name: string;
    zone?: string;
    zoneKind?: string;
    addresses: string[];
}

export interface FlowFact {
    index: number;
    from: string;
    to: string;
    service: string;
    ports: string;
    sources: MemberFact[];
    destinations: MemberFact[];
    dmzAllowed?: string;
}

export interface PublishedFact {
    index: number;
    service: string;
    host: string;
    zone: string;
    zoneKind: string;
    address: string;
    ports: string;
    publicPorts: string;
}

export interface FirewallFacts {
    engine: string;
    router: string;
    wanAddress: string;
    routerNics: { nic: string; zone: string; kind: string }[];
    zones: { name: string; kind: string; networks: string[] }[];
    flows: FlowFact[];
    published: PublishedFact[];
    routerPolicies: Record<string, string>;
    /** The paired VPN peer's gateway (absent: no tunnel paired). */
    vpnPeerGateway?: string;
    /** The router's input rules on its WAN interface: protocol, ports (`udp/500 udp/4500`; empty: every port), sources (empty: any). */
    wanInput?: { proto: string; ports: string; sources: string[]; comment: string }[];
}
