import { portOf } from "../../model/ports";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { promises as fsp } from "fs";
import * as path from "path";
import { encodeSecrets, GuestOs, renderStep, StepSpec } from "./render";

export interface GuestConnection {
    /** Address Pulumi connects to (over SSH, through the router from the management zone). */
    readonly host: string;
    readonly user: string;
    /**
     * Secret SSH private key. @default the SSH agent: the provider reads SSH_AUTH_SOCK itself when it connects, so
     * the socket's path (new at every login) never enters the connection's inputs and re-runs nothing
     */
    readonly privateKey?: pulumi.Input<string>;
    /**
     * The machine the address belongs to (its Proxmox VM). Every command of the step is replaced with it
     * (`replaceWith`): a VM re-created with the same id and address comes back blank, and its steps must run again
     * even though what they push has not changed. @default none (the step follows its content only)
     */
    readonly machine?: pulumi.Resource;
    /**
     * The guest's SSH host public key (`ssh-ed25519 AAAA...`): the connection accepts that key only, so the secrets a
     * step sends go to that guest, not to whatever answers first on its address. @default none: any key is accepted
     * (Windows guests, whose host key the stack does not generate)
     */
    readonly hostKey?: pulumi.Input<string>;
    /**
     * How long to keep dialling a guest that does not answer yet, in seconds (a first boot: cloud-init on Debian,
     * sysprep and cloudbase-init on Windows). @default 600 on Linux, 1800 on Windows
     */
    readonly sshWaitSeconds?: number;
}

/** The provider's longest pause between two dials (pulumi-command's retry: backoff capped at 5 s). */
const DIAL_PAUSE_MAX_SECONDS = 5;
/** Each dial gives up after this many seconds. */
const PER_DIAL_TIMEOUT_SECONDS = 10;

/**
 * pulumi-command bounds its dialling by a count of failed dials, not by time: the count that keeps it dialling at
 * least `seconds` when each refused dial returns at once and waits at most DIAL_PAUSE_MAX_SECONDS before the next.
 */
export function dialErrorLimitFor(seconds: number): number {
    return Math.ceil(seconds / DIAL_PAUSE_MAX_SECONDS);
}

export interface GuestStepArgs extends StepSpec {
    /** Host name, as in the model (`PAR-DHCP01`): the folder of its rendered files. */
    readonly host: string;
    /** Step name, kebab-case, unique on the host (`kea`, `nftables`). */
    readonly step: string;
    /** The guest's OS: `linux` runs the step with bash, `windows` with PowerShell (paths and line ends follow). */
    readonly os: GuestOs;
    /** How to reach the guest: address, user, key (absent: the SSH agent), pinned host key, the VM it follows. */
    readonly connection: GuestConnection;
    /** The value of each secret the spec names (others are ignored). @default none: the spec names no secret */
    readonly secretValues?: Readonly<Record<string, pulumi.Input<string> | undefined>>;
    /**
     * More secret values computed together, by name, in ONE Output (say, thousands derived from one key): each name of
     * `secrets` that `secretValues` does not bind must be a key of it (others are ignored). One Output per value costs
     * the SDK ~23 KiB until the step registers: the 10,000 extension secrets of a 5,000-person PBX were 235 MiB of the
     * synth's heap (issue #24). @default none: `secretValues` binds every secret
     */
    readonly secretMap?: pulumi.Input<Readonly<Record<string, string>>>;
    /** Local folder the rendered files are written to (`out/<stack>/rendered` under synth). */
    readonly renderDir: string;
    /**
     * What must be done before this step starts: the VM, the router's configuration, earlier steps. (A component's
     * own `dependsOn` does not hold back its children, so the step passes these to its first command.)
     * @default nothing: the step starts as soon as Pulumi reaches it
     */
    readonly after?: readonly pulumi.Resource[];
}

/** Local path of a guest path under the render folder (`C:/x` becomes `C/x`). */
export function renderedPath(renderDir: string, host: string, guestPath: string): string {
    return path.join(renderDir, host, guestPath.replace(/^([A-Z]):/, "$1"));
}

/**
 * Writes a rendered file. Asynchronously: the writes of a site's ~150 files overlap the rest of the program instead
 * of holding it (~40% of building a site's resources when written one by one). The copy's `source` waits for the
 * write, so no registration (and no `pulumi up` reading the asset) ever sees a missing or partial file, and a
 * failed write fails the copy that needs it. A missing folder is created on the first write that needs it.
 *
 * An async function, so the promise is of this realm: pulumi.output() must recognize it as a promise (under jest,
 * fs's promises come from another realm and would be serialized as a plain object, never awaited).
 */
export async function writeRendered(file: string, content: string): Promise<void> {
    try {
        await fsp.writeFile(file, content);
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        await fsp.mkdir(path.dirname(file), { recursive: true });
        await fsp.writeFile(file, content);
    }
}

/**
 * Configures something inside a guest: stages the rendered files (`remote.CopyToRemote`, one per file, after a
 * `prepare` command creates the staging folders), then runs the generated, idempotent run script
 * (`remote.Command`). Triggers are the hash of everything staged, so an unchanged step re-runs nothing and a
 * changed one re-runs only itself. Secrets never sit in a staged file: they reach the script on stdin, the
 * command's output is not logged and is stored as a secret.
 */
export class GuestStep extends pulumi.ComponentResource {
    /** The apply command: depend on it to order later steps after this one. */
    public readonly apply: command.remote.Command;
    /** sha256 of everything the step stages. */
    public readonly hash: string;

    constructor(name: string, args: GuestStepArgs, opts?: pulumi.ComponentResourceOptions) {
        super("billu:guest:GuestStep", name, {}, opts);
        const secretNames = [...(args.secrets ?? [])];
        const secretValues: Record<string, pulumi.Input<string>> = {};
        const fromMap: string[] = [];
        const unbound = (n: string) => new Error(`guest step ${args.host}/${args.step} needs the secret ${n}, but no value is bound to it`);
        for (const n of secretNames) {
            const v = args.secretValues?.[n];
            if (v !== undefined) secretValues[n] = v;
            else if (args.secretMap !== undefined) fromMap.push(n);
            else throw unbound(n);
        }
        const r = renderStep({ host: args.host, step: args.step, os: args.os, files: args.files, dirs: args.dirs, script: args.script, secrets: secretNames });
        this.hash = r.hash;
        const connection: command.types.input.remote.ConnectionArgs = {
            host: args.connection.host,
            user: args.connection.user,
            port: portOf("ssh"),
            hostKey: args.connection.hostKey,
            privateKey: args.connection.privateKey ? pulumi.secret(args.connection.privateKey) : undefined,
            dialErrorLimit: dialErrorLimitFor(args.connection.sshWaitSeconds ?? (args.os === "windows" ? 1800 : 600)),
            perDialTimeout: PER_DIAL_TIMEOUT_SECONDS,
        };
        const replaceWith = args.connection.machine ? [args.connection.machine] : undefined;
        const prepare = new command.remote.Command(
            `${name}-prepare`,
            { connection, create: r.prepare, triggers: [r.hash] },
            { parent: this, dependsOn: [...(args.after ?? [])], replaceWith },
        );
        const copies = r.staged.map((s, i) => {
            const local = renderedPath(args.renderDir, args.host, s.guestPath);
            return new command.remote.CopyToRemote(
                `${name}-copy-${i}`,
                {
                    connection,
                    source: pulumi.output(writeRendered(local, s.content).then(() => new pulumi.asset.FileAsset(local))),
                    remotePath: s.remotePath,
                    triggers: [createHash("sha256").update(s.content).digest("hex")],
                },
                { parent: this, dependsOn: [prepare], replaceWith },
            );
        });
        const hasSecrets = secretNames.length > 0;
        const stdin = hasSecrets
            ? pulumi.secret(
                  pulumi.all([pulumi.all(secretValues), fromMap.length > 0 ? args.secretMap! : {}]).apply(([v, map]) => {
                      const all: Record<string, string> = { ...(v as Record<string, string>) };
                      for (const n of fromMap) {
                          if (!Object.prototype.hasOwnProperty.call(map, n)) throw unbound(n);
                          all[n] = map[n];
                      }
                      return encodeSecrets(all);
                  }),
              )
            : undefined;
        // A changed secret must re-run the step, but its value must not sit in the triggers: use its hash.
        const secretsHash = hasSecrets ? pulumi.secret(stdin!.apply((s) => createHash("sha256").update(s).digest("hex"))) : undefined;
        this.apply = new command.remote.Command(
            `${name}-apply`,
            {
                connection,
                create: r.command,
                stdin,
                triggers: hasSecrets ? [r.hash, secretsHash] : [r.hash],
                logging: hasSecrets ? "none" : "stdoutAndStderr",
            },
            {
                parent: this,
                dependsOn: copies,
                replaceWith,
                additionalSecretOutputs: hasSecrets ? ["stdout", "stderr"] : [],
            },
        );
        this.registerOutputs({ hash: this.hash });
    }
}
