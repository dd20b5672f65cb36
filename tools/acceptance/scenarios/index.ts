/** Every scenario, in the order a run takes them; a service's issue adds its own here. */
import type { Scenario } from "../types";
import { dnsScenario } from "./dns";
import { logonScenario } from "./logon";
import { mailScenario } from "./mail";
import { sharesScenario } from "./shares";
import { webScenario } from "./web";

export const SCENARIOS: readonly Scenario[] = [dnsScenario, logonScenario, mailScenario, sharesScenario, webScenario];
