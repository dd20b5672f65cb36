// labs/monitoring/render.js <outputs.json> <resources.json> <server address> <out document> <out agents dir>:
// the lab's Zabbix configuration document (renderZabbixConfig of dist/components/monitoring/zabbix-config.js) for
// the dev model's router, DHCP, web and mail hosts, and the agent configs of those hosts.
//
// TODO(lead): until the monitoring plan (model/monitoring.ts, branch mon-role) is merged and synth renders both
// the document and the agents' configs, this lab renders them here from the dev outputs. When synth does, read
// out/dev/rendered/PAR-MON01/... and the agents' rendered zabbix_agent2.conf instead (and read them back).
// Lab overrides (the only differences from the model): short item intervals (service 5s, capacity 10s, slow 30s)
// so the lab finishes in seconds, not minutes; the IT group is one lab member whose mail reaches the lab's sink.
"use strict";
const fs = require("fs");
const path = require("path");
const { renderZabbixConfig } = require(path.join(__dirname, "../../dist/components/monitoring/zabbix-config.js"));

const [outputsPath, resourcesPath, server, docPath, agentsDir] = process.argv.slice(2);
const o = JSON.parse(fs.readFileSync(outputsPath, "utf8"));
const res = JSON.parse(fs.readFileSync(resourcesPath, "utf8")).resources;
const web = res.find((r) => r.type === "billu:web:WebDmz").inputs;
const byRole = (role) => o.hosts.find((h) => h.role === role);
const hosts = ["firewall", "dhcp", "web", "mail"].map(byRole);
const mail = byRole("mail");
const domain = web.intranetName.split(".").slice(1).join(".");
const input = {
    site: o.site,
    hosts: hosts.map((h) => ({
        name: h.name,
        address: h.address,
        role: h.role,
        zone: h.zone,
        os: "linux",
        pskIdentity: `${h.name}-psk`,
    })),
    webSites: [
        { name: web.intranetName, port: web.intranetPorts[0] },
        { name: web.publicName, port: web.publishedListeners.find((l) => l.scheme === "https").hostPort },
    ],
    dhcpScopes: o.zones.filter((z) => z.dhcpPool).map((z, i) => ({ id: i + 1, name: z.name })),
    mail: { relay: mail.address, port: 25, helo: `mon.${domain}`, from: `zabbix@${domain}` },
    itGroup: { name: "IT", members: [{ username: "it-oncall", fullName: "IT on call", email: `it-oncall@${domain}` }] },
    intervals: { service: "5s", capacity: "10s", slow: "30s" },
};
const doc = renderZabbixConfig(input);
fs.writeFileSync(docPath, JSON.stringify(doc, null, 2) + "\n");
fs.mkdirSync(agentsDir, { recursive: true });
for (const h of input.hosts) {
    const d = path.join(agentsDir, h.name);
    fs.mkdirSync(d, { recursive: true });
    const conf = [
        `Hostname=${h.name}`,
        `Server=${server}`,
        `ServerActive=${server}`,
        `ListenIP=${h.address}`,
        "ListenPort=10050",
        "TLSConnect=psk",
        "TLSAccept=psk",
        `TLSPSKIdentity=${h.pskIdentity}`,
        `TLSPSKFile=${d}/agent.psk`,
        `PidFile=${d}/agent.pid`,
        `LogFile=${d}/agent.log`,
        "LogFileSize=0",
        `ControlSocket=${d}/agent.sock`,
        `PluginSocket=${d}/plugin.sock`,
        "Timeout=3",
        "",
    ];
    fs.writeFileSync(path.join(d, "zabbix_agent2.conf"), conf.join("\n"));
    console.log(`${h.name} ${h.role} ${h.zone} ${h.address} ${h.pskIdentity}`);
}
