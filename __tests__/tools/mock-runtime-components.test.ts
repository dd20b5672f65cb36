/**
 * synth's recording mock monitor answers a component's registration itself (issue #24: the SDK's MockMonitor
 * converted a component's inputs four more times, and the SDK formatted each whole response into a debug message):
 * the component's URN, its recorded inputs and its children are what the base monitor gave, and the response prints
 * as one short line. A small program under the recording mock runtime.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { installRecordingMocks, RecordedResource, SynthMocks, waitForRegistrations } from "../../tools/mock-runtime";

class Box extends pulumi.ComponentResource {
    constructor(name: string, props: Record<string, pulumi.Input<unknown>>, opts?: pulumi.ComponentResourceOptions) {
        super("test:index:Box", name, props, opts);
        this.registerOutputs({});
    }
}

let recorded: RecordedResource[];
const debug: string[] = [];
let urns: string[];

beforeAll(async () => {
    jest.spyOn(pulumi.log, "debug").mockImplementation(async (msg: string) => void debug.push(msg));
    recorded = installRecordingMocks(new SynthMocks(), "proj", "dev");
    const box = new Box("box", { people: { "lea.laurent2": { enabled: true, mobile: pulumi.secret("+33 6 00 00 00 00") } }, groups: ["GG_A", "GG_B"] });
    const child = new Box("inner", { n: 1 }, { parent: box });
    const pw = new random.RandomPassword("pw", { length: 12 }, { parent: child });
    urns = await Promise.all([box.urn, child.urn, pw.urn].map((u) => new Promise<string>((resolve) => u.apply(resolve))));
    await waitForRegistrations();
});

test("a component keeps its URN and its inputs as recorded; its children's URNs hold its type", () => {
    expect(urns).toEqual([
        "urn:pulumi:dev::proj::test:index:Box::box",
        "urn:pulumi:dev::proj::test:index:Box$test:index:Box::inner",
        "urn:pulumi:dev::proj::test:index:Box$random:index/randomPassword:RandomPassword::pw",
    ]);
    expect(recorded.map((r) => [r.name, r.custom, r.parent ?? "", r.inputs])).toEqual([
        ["box", false, "", { groups: ["GG_A", "GG_B"], people: { "lea.laurent2": { enabled: true, mobile: "[secret]" } } }],
        ["inner", false, urns[0], { n: 1 }],
        ["pw", true, urns[1], { length: 12 }],
    ]);
});

test("every registration's response prints as one short line in the SDK's debug message, not as its whole Struct", () => {
    const finished = debug.filter((m) => m.startsWith("RegisterResource RPC finished"));
    expect(finished.map((m) => m.replace(/^.*, resp: /, ""))).toEqual(urns.map((u) => `RegisterResourceResponse(${u})`));
});
