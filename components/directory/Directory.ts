import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "crypto";
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import type { DriftReaderPlan } from "../../model/directory-drift";
import { renderDirectoryLock } from "../../model/directory-lock";
import { AcceptancePlan, ComputerPlan, DirectoryPlan, GroupPlan, OuPlan, PersonPlan } from "../../model/directory";
import type { HomeDirectories } from "../../model/fileserver";
import { isWindows } from "../../model/naming";
import { HostModel } from "../../model/site";
import { connectionTo, GuestAccessArgs } from "../context";
import { GuestStep } from "../guest-step/GuestStep";
import { DirectoryFlavor, passwordSecret, renderDirectoryJson, renderDirectoryStep, renderPasswordPolicyStep } from "./render";

/** One organizational unit of the plan. Its inputs are the OU as planned, so a change shows on this object. */
export class OrganizationalUnit extends pulumi.ComponentResource {
    constructor(name: string, ou: OuPlan, opts?: pulumi.ComponentResourceOptions) {
        super("billu:directory:OrganizationalUnit", name, { dn: ou.dn, name: ou.name, description: ou.description }, opts);
        this.registerOutputs({});
    }
}

/** One global security group of the plan. */
export class Group extends pulumi.ComponentResource {
    constructor(name: string, group: GroupPlan, opts?: pulumi.ComponentResourceOptions) {
        super("billu:directory:Group", name, { sam: group.sam, dn: group.dn, description: group.description, scope: "global", category: "security" }, opts);
        this.registerOutputs({});
    }
}

/**
 * How many chunks the people (and, apart, the computers) are spread over: a FIXED count, so a chunk's members depend
 * only on their own account name (`chunkOf`), never on who else is in the export. An arrival, a departure or a move
 * touches the one chunk holding that name; nobody else is reshuffled. 16 chunks keep a chunk near or under 500
 * entries up to 8,000 people (the 5,000-person bench export: 279 to 346 per chunk), small enough to read in a
 * preview, and 5,000 people cost 32 resources instead of 10,000. Chunking by OU was the alternative; it was not
 * taken because a move or a departure (to the departures OU) would then touch two chunks and an OU can hold
 * thousands. Changing this count re-deals every name: a one-time preview with every chunk updated (components
 * only: nothing real is touched), so change it only with a re-review planned.
 */
export const DIRECTORY_CHUNKS = 16;

/**
 * A name's chunk (0 .. DIRECTORY_CHUNKS - 1): the first 32 bits of the SHA-256 of the lower-cased name, modulo the
 * count. A hash, not the position in the export, so an arrival never moves anyone else.
 */
export function chunkOf(name: string): number {
    return createHash("sha256").update(name.toLowerCase()).digest().readUInt32BE(0) % DIRECTORY_CHUNKS;
}

/** Zero-padded chunk number in resource names (`par-directory-accounts-07`), so they sort. */
function chunkName(n: number): string {
    return String(n).padStart(2, "0");
}

/**
 * One person's account as planned, the value under its account name in an Accounts chunk: place, attributes,
 * groups, enabled. An arrival is a new key, a move or an attribute change an update of that key's fields, a departure
 * an update to `enabled: false` in the departures OU; an account is never deleted (its key stays, disabled).
 */
export function accountInputs(person: PersonPlan): Record<string, pulumi.Input<unknown>> {
    return {
        sam: person.sam,
        upn: person.upn,
        mail: person.mail,
        dn: person.dn,
        displayName: person.displayName,
        department: person.department,
        service: person.service,
        ...contactAttributes(person),
        manager: person.manager ?? "",
        groups: person.groups,
        enabled: person.enabled,
    };
}

/**
 * A chunk of the people's accounts (`billu:directory:Accounts`, issue #24): its one input `accounts` maps each account
 * name of the chunk to the account as planned (accountInputs), so `pulumi preview --diff` shows a person's arrival,
 * move or departure as a change of this chunk that names the person (`accounts["lea.laurent2"].enabled`), while the
 * engine tracks a fixed number of resources whatever the staff (DIRECTORY_CHUNKS).
 */
export class Accounts extends pulumi.ComponentResource {
    constructor(name: string, people: readonly PersonPlan[], opts?: pulumi.ComponentResourceOptions) {
        super("billu:directory:Accounts", name, { accounts: Object.fromEntries(people.map((p) => [p.sam, accountInputs(p)])) }, opts);
        this.registerOutputs({});
    }
}

/**
 * An account's generated initial password (`<name>-password`), a child of `parent`. AD refuses a password
 * holding a 3-letter run of the user's name (Windows checks name tokens), so the letters are consonants only: 3
 * digits + 17 of consonants and symbols, ~117 bits, and always 3 of AD's 4 character classes in practice (digits,
 * plus upper and lower or a symbol).
 */
function accountPassword(name: string, parent: pulumi.Resource): random.RandomPassword {
    return new random.RandomPassword(
        `${name}-password`,
        {
            length: 20,
            upper: false,
            lower: false,
            numeric: true,
            minNumeric: 3,
            special: true,
            minSpecial: 17,
            overrideSpecial: "BCDFGHJKLMNPQRSTVWXZbcdfghjkmnpqrstvwxz!#%+-=?@_",
        },
        { parent },
    );
}

/**
 * An account's attributes as the Account's inputs. The phone numbers (HR's `Telephone fixe`, `Telephone portable`)
 * are personal data the state does not need in clear: they are secrets there (stored encrypted, `[secret]` in a
 * preview), so a changed number still shows as an update of that account. The directory still gets them: the
 * applier's plan file carries them to the first DC (components/directory/render.ts), which sets telephoneNumber and
 * mobile.
 */
export function contactAttributes(person: PersonPlan): Record<string, pulumi.Input<string>> {
    if (!person.attributes) return {};
    const { telephoneNumber, mobile, ...rest } = person.attributes;
    return { ...rest, telephoneNumber: pulumi.secret(telephoneNumber), mobile: pulumi.secret(mobile) };
}

/** One workstation account from `Nom de PC` as planned; a retired one (no longer in the export) stays, disabled. */
export function computerInputs(computer: ComputerPlan): Record<string, unknown> {
    return {
        name: computer.name,
        sam: computer.sam,
        dn: computer.dn,
        ...(computer.description !== undefined ? { description: computer.description } : {}),
        owner: computer.owner,
        enabled: computer.enabled,
    };
}

/** A chunk of the workstation accounts (`billu:directory:Computers`), keyed by computer name, chunked as the people (chunkOf). */
export class Computers extends pulumi.ComponentResource {
    constructor(name: string, computers: readonly ComputerPlan[], opts?: pulumi.ComponentResourceOptions) {
        super("billu:directory:Computers", name, { computers: Object.fromEntries(computers.map((c) => [c.name, computerInputs(c)])) }, opts);
        this.registerOutputs({});
    }
}

/**
 * The acceptance account (`billu:directory.acceptance`, issue #23): its inputs are the account as planned; its
 * password is a child RandomPassword (accountPassword, as a person's), handed to the directory step and exposed as
 * the secret stack output `acceptance.password` that `npm run acceptance` reads.
 */
export class AcceptanceAccount extends pulumi.ComponentResource {
    public readonly password: random.RandomPassword;

    constructor(name: string, account: AcceptancePlan, opts?: pulumi.ComponentResourceOptions) {
        super(
            "billu:directory:AcceptanceAccount",
            name,
            { sam: account.sam, upn: account.upn, dn: account.dn, groups: account.extraGroups, enabled: account.enabled },
            opts,
        );
        this.password = accountPassword(name, this);
        this.registerOutputs({});
    }
}

/**
 * The read-only account of `npm run directory:drift` (`billu:directory.drift.reader`, issue #27): like the acceptance
 * account, a child RandomPassword handed to the directory step and exposed as the secret stack output
 * `driftReaderPassword`.
 */
export class DriftReaderAccount extends pulumi.ComponentResource {
    public readonly password: random.RandomPassword;

    constructor(name: string, account: DriftReaderPlan, opts?: pulumi.ComponentResourceOptions) {
        super("billu:directory:DriftReaderAccount", name, { sam: account.sam, upn: account.upn, dn: account.dn }, opts);
        this.password = accountPassword(name, this);
        this.registerOutputs({});
    }
}

export interface DirectoryArgs extends GuestAccessArgs {
    /** The directory plan (`model.directory`): OUs, groups, accounts, computers, the acceptance account, the password policy. */
    readonly plan: DirectoryPlan;
    /** The DC that creates the forest (the domain's first, else the first host of role dc): the steps run there. */
    readonly dc: HostModel;
    /** That DC's VM (built by the dc role), which the steps follow. */
    readonly dcVm: pulumi.Resource;
    /** How the steps apply the plan: `samba` on a Debian DC, `windows` (the ActiveDirectory module) on a Windows one. */
    readonly flavor: DirectoryFlavor;
    /** The domain's readiness (forest, other DCs, FSMO, DNS records): the apply step waits for it. */
    readonly domainReady: readonly pulumi.Resource[];
    /**
     * Where the plan came from (`billu:directory.hrCsv` and `.lock`), named in the `directory.json` offline synth writes
     * (`BILLU_HR_CSV` and `BILLU_DIRECTORY_LOCK` override them there, as synth's --hr-csv and --directory-lock).
     */
    readonly sources: { readonly hrCsv: string; readonly lock?: string };
    /**
     * Each person's extension by account name (the telephony plan's, model/telephony.ts ipPhonesOf), written into AD's
     * `ipPhone`; a leaver's is cleared. @default undefined: no PBX on the site, `ipPhone` is left as it is.
     */
    readonly ipPhones?: ReadonlyMap<string, string>;
    /**
     * The site's home share (model/fileserver.ts homeDirectoriesOf): each enabled account's `homeDirectory` is
     * `<root>\<account>` and its `homeDrive` the letter. @default undefined: no home share, both are left as they are.
     */
    readonly homes?: HomeDirectories;
}

/** Samba on a Debian DC, the ActiveDirectory module on a Windows one. */
export function directoryFlavor(dc: HostModel): DirectoryFlavor {
    return isWindows(dc.os) ? "windows" : "samba";
}

/** Items grouped by chunk number, in chunk order; within a chunk, in plan order. */
function bucket<T>(items: readonly T[], chunk: (item: T) => number): Map<number, T[]> {
    const m = new Map<number, T[]>();
    for (const item of items) {
        const n = chunk(item);
        const list = m.get(n);
        if (list) list.push(item);
        else m.set(n, [item]);
    }
    return new Map([...m].sort(([a], [b]) => a - b));
}

/** Resource-name part of an account or computer name (`lea.laurent2`, `pc0001`). */
function key(s: string): string {
    return s.toLowerCase().replace(/[^a-z0-9.-]/g, "-");
}

/**
 * The directory of a company site, from the model's plan: one resource per OU and group, the people and the computers
 * in a fixed number of chunks keyed by name (so `pulumi preview --diff` shows a change per object, naming it, and the
 * engine's resources grow with the OU and group tree, not with the staff: issue #24), and the guest step that applies the whole plan on the first DC after
 * the domain is up. Under offline synth it also writes `directory.json` and the updated lock.
 */
export class Directory extends pulumi.ComponentResource {
    /** The people's account chunks (billu:directory:Accounts), in chunk order. */
    public readonly accounts: Accounts[];
    /** The apply step on the first DC. */
    public readonly step: GuestStep;
    /** The password policy step on the first DC (billu:directory.accountPolicy), after the apply step. */
    public readonly policyStep?: GuestStep;
    public readonly ready: pulumi.Resource[];
    /** The acceptance account and its generated password (a secret), when the plan has one. */
    public readonly acceptance?: { readonly account: string; readonly password: pulumi.Output<string> };
    /** The read-only account of `npm run directory:drift` and its generated password (a secret), when the plan has one. */
    public readonly driftReader?: { readonly account: string; readonly password: pulumi.Output<string> };

    constructor(name: string, args: DirectoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:directory:Directory", name, {}, opts);
        const { plan, dc, flavor } = args;

        for (const ou of plan.ous) new OrganizationalUnit(`${name}-ou-${ou.key}`, ou, { parent: this });
        for (const g of plan.groups) new Group(`${name}-group-${key(g.sam)}`, g, { parent: this });
        // People and computers in DIRECTORY_CHUNKS chunks each, by a hash of their name (chunkOf): a chunk with
        // nobody yet is not registered (it appears with its first member).
        const peopleByChunk = bucket(plan.people, (p) => chunkOf(p.sam));
        this.accounts = [...peopleByChunk].map(([n, people]) => new Accounts(`${name}-accounts-${chunkName(n)}`, people, { parent: this }));
        for (const [n, computers] of bucket(plan.computers, (c) => chunkOf(c.name)))
            new Computers(`${name}-computers-${chunkName(n)}`, computers, { parent: this });
        const acceptance = plan.acceptance ? new AcceptanceAccount(`${name}-acceptance`, plan.acceptance, { parent: this }) : undefined;
        if (plan.acceptance && acceptance) this.acceptance = { account: plan.acceptance.sam, password: pulumi.secret(acceptance.password.result) };
        const driftReader = plan.driftReader ? new DriftReaderAccount(`${name}-drift-reader`, plan.driftReader, { parent: this }) : undefined;
        if (plan.driftReader && driftReader) this.driftReader = { account: plan.driftReader.sam, password: pulumi.secret(driftReader.password.result) };

        // People's initial passwords are generated by the applier on the DC (issue #24); only the service accounts' are here.
        const secrets: Record<string, pulumi.Input<string>> = {};
        if (plan.acceptance && acceptance) secrets[passwordSecret(plan.acceptance.sam)] = acceptance.password.result;
        if (plan.driftReader && driftReader) secrets[passwordSecret(plan.driftReader.sam)] = driftReader.password.result;
        const r = renderDirectoryStep(plan, flavor, args.ipPhones, args.homes);
        this.step = new GuestStep(
            `${name}-apply`,
            {
                host: dc.name,
                step: "directory",
                os: flavor === "samba" ? "linux" : "windows",
                connection: connectionTo(args, dc, args.dcVm),
                renderDir: args.renderDir,
                after: [...args.domainReady],
                files: r.files,
                script: r.script,
                secrets: Object.keys(secrets),
                secretValues: secrets,
            },
            { parent: this },
        );
        if (plan.passwordPolicy) {
            const p = renderPasswordPolicyStep(plan.passwordPolicy, flavor);
            this.policyStep = new GuestStep(
                `${name}-password-policy`,
                {
                    host: dc.name,
                    step: "password-policy",
                    os: flavor === "samba" ? "linux" : "windows",
                    connection: connectionTo(args, dc, args.dcVm),
                    renderDir: args.renderDir,
                    // A PSO names the plan's groups and the acceptance account: they exist once the directory step ran.
                    after: [this.step.apply],
                    files: p.files,
                    script: p.script,
                },
                { parent: this },
            );
        }
        this.ready = [this.step.apply, ...(this.policyStep ? [this.policyStep.apply] : [])];
        // Never blocking (a department nobody is left in): shown by `pulumi up` and on synth's stderr.
        for (const w of plan.warnings) void pulumi.log.warn(w, this);
        writeSynthArtifacts(plan, args.sources);
        this.registerOutputs({ summary: plan.summary });
    }
}

/** Under offline synth (BILLU_SYNTH_OUT): `directory.json` and the updated lock, beside resources.json. */
function writeSynthArtifacts(plan: DirectoryPlan, sources: DirectoryArgs["sources"]): void {
    const out = process.env.BILLU_SYNTH_OUT;
    if (!out) return;
    mkdirSync(out, { recursive: true });
    writeFileSync(
        path.join(out, "directory.json"),
        renderDirectoryJson(plan, { hrCsv: process.env.BILLU_HR_CSV ?? sources.hrCsv, lock: process.env.BILLU_DIRECTORY_LOCK ?? sources.lock }),
    );
    writeFileSync(path.join(out, "directory.lock.json"), renderDirectoryLock(plan.lock));
}
