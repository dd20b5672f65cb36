/** Every scenario, in the order a run takes them; a service's issue adds its own here. */
import type { Scenario } from "../types";
import { backupScenario } from "./backup";
import { dhcpScenario } from "./dhcp";
import { dnsScenario } from "./dns";
import { ftpScenario } from "./ftp";
import { gpoScenario } from "./gpo";
import { logonScenario } from "./logon";
import { mailScenario } from "./mail";
import { monitoringScenario } from "./monitoring";
import { sharesScenario } from "./shares";
import { telephonyScenario } from "./telephony";
import { ticketScenario } from "./ticket";
import { vpnScenario } from "./vpn";
import { webScenario } from "./web";

export const SCENARIOS: readonly Scenario[] = [
    dnsScenario,
    logonScenario,
    dhcpScenario,
    mailScenario,
    sharesScenario,
    ftpScenario,
    webScenario,
    vpnScenario,
    telephonyScenario,
    monitoringScenario,
    backupScenario,
    ticketScenario,
    gpoScenario,
];
