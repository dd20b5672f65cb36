/**
 * The `dc` role: builds the site's Domain (every DC, FSMO, DNS records) and documents it. Registered in
 * components/registry.ts; the site passes `ready` on as the domain's readiness (`ctx.after.domain`) and `domainJoin`
 * to the roles after it.
 */
import * as pulumi from "@pulumi/pulumi";
import { DomainModel, FSMO_ROLES, recordData } from "../../model/domain";
import { HostModel } from "../../model/site";
import type { DocSections, RoleResult } from "../contracts";
import { SiteContext, siteHost } from "../context";
import { conditionalForwarders, domainOf } from "./common";
import { Domain } from "./DomainController";

/** The docs sections of a domain (pure): DCs and their FSMO roles, DNS (with the records services ask for), AD sites and subnets. */
export function domainDocs(
    domain: DomainModel,
    forwarders: readonly { readonly domain: string; readonly servers: readonly string[] }[] = domain.conditionalForwarders,
): DocSections {
    return {
        "Domain controllers": {
            columns: ["DC", "address", "node", "OS", "flavor", "promotion", "FSMO roles", "time source"],
            rows: domain.dcs.map((d) => [
                d.fqdn,
                d.address,
                d.node,
                d.os,
                domain.flavor,
                d.first ? "creates the forest" : "joins the forest",
                d.roles.join(", ") || "-",
                d.name === domain.pdcEmulator.name ? domain.ntpServers.join(", ") || "-" : `${domain.pdcEmulator.name} (domain hierarchy)`,
            ]),
        },
        "FSMO roles": {
            columns: ["role", "holder"],
            rows: FSMO_ROLES.map((r) => [r, domain.fsmo[r]]),
        },
        DNS: {
            columns: ["what", "value"],
            rows: [
                ["zone", domain.fqdn],
                ["served by", domain.dcs.map((d) => `${d.name} ${d.address}`).join(", ")],
                ["forwarders", domain.forwarders.join(", ") || "-"],
                ...forwarders.map((f) => [
                    `conditional forwarder ${f.domain}`,
                    domain.flavor === "samba" ? `${f.servers.join(", ")} (unbound on each DC, asked first by Samba's internal DNS)` : f.servers.join(", "),
                ]),
                ["reverse zones", domain.reverseZones.join(", ")],
                ["A and PTR records", domain.records.map((r) => `${r.name}${r.a ? "" : " (PTR only)"} ${r.address}`).join(", ")],
                ...(domain.extraZones.length > 0 ? [["zones for names outside the domain", domain.extraZones.join(", ")]] : []),
            ],
        },
        "DNS records for services": {
            columns: ["zone", "name", "type", "value", "asked by", "purpose"],
            rows: domain.extraRecords.map((r) => [r.zone, r.name, r.type, recordData(r), r.owner, r.purpose]),
        },
        "AD sites and subnets": {
            columns: ["site", "subnet", "zone"],
            rows: domain.subnets.map((s) => [domain.adSite, s.cidr, s.zone]),
        },
        "Domain members": {
            columns: ["host", "SSH group", "sudo group", "join account"],
            rows: domain.members.map((m) => [m, domain.linuxLogin?.sshGroup ?? "-", domain.linuxLogin?.sudoGroup ?? "-", domain.joinAccount]),
        },
    };
}

/** RoleBuilder of the `dc` role. */
export function buildDomainControllers(ctx: SiteContext, hosts: readonly HostModel[], parent: pulumi.Resource): RoleResult {
    const domain = domainOf(ctx.model);
    void hosts; // the domain model already orders the DCs (the first creates the forest)
    const d = new Domain(`${ctx.model.site.code.toLowerCase()}-domain`, { ...siteHost(ctx), ca: ctx.ca }, { parent });
    return {
        ready: [d.ready],
        vms: new Map(d.controllers.map((c) => [c.dc.name, c.vm.vm])),
        docs: domainDocs(domain, conditionalForwarders(ctx.model)),
        domainJoin: d.joinPassword ? { password: d.joinPassword } : undefined,
    };
}
