/**
 * The connection a GuestStep's commands use, under the SDK's mocks (mocks first, then `await import`): dialled for a
 * time budget per OS, and no SSH agent socket path in the inputs (it changes at every login and would re-run every
 * step; the provider reads SSH_AUTH_SOCK itself).
 */
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { waitForRegistrations } from "../../tools/mock-runtime";

const registered: { type: string; name: string; inputs: Record<string, unknown> }[] = [];

beforeAll(() => {
    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        "billu-infra",
        "dev",
        false,
    );
});

test("Debian and Windows guests are dialled for 10 and 30 minutes; the agent socket stays out of the inputs", async () => {
    process.env.SSH_AUTH_SOCK = "/tmp/ssh-XXXX/agent.1234";
    const { GuestStep, dialErrorLimitFor } = await import("../../components/guest-step/GuestStep");
    const renderDir = mkdtempSync(path.join(tmpdir(), "billu-conn-"));
    const common = { files: [], script: "true", renderDir };
    new GuestStep("lin", { ...common, host: "PAR-SRV01", step: "a", os: "linux", connection: { host: "10.0.0.1", user: "billu-admin" } });
    new GuestStep("win", { ...common, host: "PAR-DC01", step: "b", os: "windows", connection: { host: "10.0.0.2", user: "billu-admin" } });
    new GuestStep("slow", {
        ...common,
        host: "PAR-SRV02",
        step: "c",
        os: "linux",
        connection: { host: "10.0.0.3", user: "billu-admin", sshWaitSeconds: 3600 },
    });
    await waitForRegistrations();
    const conns = registered
        .filter((r) => r.type === "command:remote:Command")
        // pulumi-command declares the connection secret: the mocks see it in its secret envelope.
        .map((r) => [r.name, (r.inputs.connection as { value: Record<string, unknown> }).value] as const)
        .sort(([a], [b]) => a.localeCompare(b));
    expect(conns.map(([n, c]) => [n, c.host, c.dialErrorLimit, c.perDialTimeout, "agentSocketPath" in c])).toEqual([
        ["lin-apply", "10.0.0.1", 120, 10, false],
        ["lin-prepare", "10.0.0.1", 120, 10, false],
        ["slow-apply", "10.0.0.3", 720, 10, false],
        ["slow-prepare", "10.0.0.3", 720, 10, false],
        ["win-apply", "10.0.0.2", 360, 10, false],
        ["win-prepare", "10.0.0.2", 360, 10, false],
    ]);
    expect(dialErrorLimitFor(1)).toBe(1);
});
