/**
 * PAR-CLI01 (the client role, issue #23) added to a committed stack's config: labs/client/dev-client.json, which the
 * client lab adds to dev the same way. dev does not declare it yet (its host list and flows are pinned by many tests).
 */
import { readFileSync } from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { ROOT, stackRaw } from "./helpers";

const fixture = () => JSON.parse(readFileSync(path.join(ROOT, "labs/client/dev-client.json"), "utf8"));

/** dev's raw config (as stackRaw gives it) with PAR-CLI01 and its flows. */
export function devWithClient(): Record<string, any> {
    const raw = stackRaw("dev");
    const add = fixture();
    raw.hosts.push(add.host);
    raw.flows.push(...add.flows);
    return raw;
}

/** Pulumi.dev.yaml's text with PAR-CLI01 and its flows, for a variant synth. */
export function devWithClientYaml(): string {
    const doc = parse(readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
    const add = fixture();
    doc.config["billu:hosts"].push(add.host);
    doc.config["billu:flows"].push(...add.flows);
    return stringify(doc);
}
