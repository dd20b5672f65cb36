/**
 * Values with no sane bound: every free-text config value is one line of bounded length, SSH public keys are real
 * OpenSSH keys, and a department zone holds its people whether DHCP is on or not. Baseline: the committed dev
 * stack; then one value changed per case.
 */
import { sshPublicKeyProblem } from "../../model/schema";
import { problemsOf, stackRaw } from "../helpers";

/** Real keys from ssh-keygen (public halves only; the private halves were discarded). */
const KEYS = {
    ed25519: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILg0ftu21obN5Tsn609V0QgvAKUfZ9FS6mJH25ds6nV/ ops@example",
    ecdsa384:
        "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBLWfGmrC0ATeniEhI2UlXRZyxZ/F1N+g3q/33yKl8+NzlEkIBeldnxqqab1nH54BSKgY9SvpXKk9AuxvGiAsLHVArNf+JwsIpWPKti7tlw97MYUcBZN2N8XWZ0B/glmFvw== ops@example",
    rsa: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQChF6/ztg9O1oM3cggb6Jf+zQWGfJeKumQXj7zt8Xz0nUabmMg111TIp7aFwqLoHOFHRY8HgyxZODoaMvYwD4spX6yoVhqr/dJj3O84EmCzohlGZ1rtY0d98Qp9D4fQzUg8YemISYYvgDXo2KIgm0gxKZx9KjuiGMsFQGZ/WEo+NjXaPAdgnKJLsbL93u4KsvI6qKlHASxh7OY7JUU1vxRbkeKdv/wb3NGtV0RL0EdViXcSMBKABu4B3dSlE4eZPcp+3pIK5kkIWnu5x4eSkH4iWYOys2ECZr8wBLI9pEfXJVe2rmkxBnOKbRhlxJ3RlCc47BYlr2vvItJX7g8OAtl3 ops@example",
};
const KEY_FIX = "Fix: paste the one line of the key's .pub file (ssh-keygen -y -f <private key> prints it), one key per entry";

test("baseline: the committed dev stack has no problem", () => expect(problemsOf(stackRaw("dev"))).toEqual([]));

describe("free text is one line of bounded length", () => {
    const cases: [string, (r: Record<string, any>) => void, string][] = [
        [
            "a 10 MB site name (it would end up in the CA certificate)",
            (r) => (r.site.name = "x".repeat(10 * 1024 * 1024)),
            'billu:site.name: is 10485760 characters long, more than the 23 it may be. Fix: shorten it to at most 23 (see README, "Configuration")',
        ],
        [
            "a site name one character too long for the CA's common name",
            (r) => (r.site.name = "BillU Paris headquarters"),
            'billu:site.name: is 24 characters long, more than the 23 it may be. Fix: shorten it to at most 23 (see README, "Configuration")',
        ],
        [
            "a company name with a line break (it ends up in rendered files' comments)",
            (r) => (r.site.company = "BillU\nflush ruleset"),
            'billu:site.company: is "BillU\\nflush ruleset", which must be one line, without control characters. Fix: correct the value (see README, "Configuration")',
        ],
        [
            "a flow comment longer than 200 characters",
            (r) => (r.flows[0].comment = "c".repeat(201)),
            'billu:flows[0].comment: is 201 characters long, more than the 200 it may be. Fix: shorten it to at most 200 (see README, "Configuration")',
        ],
        [
            "a bridge name longer than a Linux interface name",
            (r) => (r.network.zones[0].bridge = "vmbr-wan-internet"),
            'billu:network.zones[0].bridge: is 17 characters long, more than the 15 it may be. Fix: shorten it to at most 15 (see README, "Configuration")',
        ],
        [
            "a line break in a field of a service's own schema (the backstop: billu:mail)",
            (r) => (r.mail.aliases[0].to = "GG_DSI\nGG_DIRECTION"),
            'billu:mail.aliases[0].to: is "GG_DSI\\nGG_DIRECTION", which holds a line break or another control character. Fix: write it on one line',
        ],
        [
            "an oversized value in a field of a service's own schema (the backstop)",
            (r) => (r.mail.aliases[0].to = "G".repeat(5000)),
            "billu:mail.aliases[0].to: is 5000 characters long, more than the 1024 any billu: value may be. Fix: shorten it",
        ],
    ];
    test.each(cases)("%s", (_name, mutate, message) => {
        const raw = stackRaw("dev");
        mutate(raw);
        expect(problemsOf(raw)).toEqual([message]);
    });
});

describe("SSH public keys", () => {
    test.each(Object.entries(KEYS))("a real %s key passes, with or without its comment", (_type, key) => {
        expect(sshPublicKeyProblem(key)).toBeUndefined();
        expect(sshPublicKeyProblem(key.split(" ").slice(0, 2).join(" "))).toBeUndefined();
        const raw = stackRaw("dev");
        raw.guest.sshPublicKeys = [key];
        expect(problemsOf(raw)).toEqual([]);
    });

    const cases: [string, string, string][] = [
        [
            "two keys in one entry (a newline)",
            `${KEYS.ed25519}\n${KEYS.ed25519}`,
            "holds a line break or another control character: give one key per list entry, on one line",
        ],
        [
            "an unknown key type",
            KEYS.ed25519.replace("ssh-ed25519", "ssh-dss"),
            'has key type "ssh-dss", not one of ssh-ed25519, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-rsa, sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com',
        ],
        ["a body that is not base64", "ssh-ed25519 AAAA!!notbase64 ops@example", "has a key body that is not base64"],
        [
            "a body of another key type",
            KEYS.ed25519.replace("ssh-ed25519", "ssh-rsa"),
            "has a key body that does not start with its type ssh-rsa (a truncated key, or another key's type)",
        ],
        ["a truncated body", "ssh-rsa AAAAB3Nz", "has a key body that does not start with its type ssh-rsa (a truncated key, or another key's type)"],
        [
            "a private key pasted instead",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            "is a private key: never put one in the stack config; give the public half (its .pub file)",
        ],
        [
            "an authorized_keys option before the key",
            `from="10.0.0.0/8" ${KEYS.ed25519}`,
            'has key type "from=\\"10.0.0.0/8\\"", not one of ssh-ed25519, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-rsa, sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com',
        ],
        [
            "a comment with a control character",
            `${KEYS.ed25519}\u0007`,
            "holds a line break or another control character: give one key per list entry, on one line",
        ],
    ];
    test.each(cases)("refused: %s", (_name, key, problem) => {
        const raw = stackRaw("dev");
        raw.guest.sshPublicKeys = [KEYS.ed25519, key];
        expect(problemsOf(raw)).toEqual([
            `billu:guest.sshPublicKeys[1]: is ${JSON.stringify(key)}, which is not an OpenSSH public key: it ${problem}. ${KEY_FIX}`,
        ]);
    });

    test("a key longer than any real one is refused without being echoed", () => {
        const raw = stackRaw("dev");
        raw.guest.sshPublicKeys = [`ssh-rsa ${"A".repeat(9000)}`];
        expect(problemsOf(raw)).toEqual([
            `billu:guest.sshPublicKeys[0]: is "ssh-rsa ${"A".repeat(112)}"... (9008 characters), which is not an OpenSSH public key: it is 9008 characters long, more than the 8192 a public key needs. ${KEY_FIX}`,
        ]);
    });
});

describe("a department zone holds its people, with DHCP on or off", () => {
    test("a /31 department zone with DHCP off (40 people)", () => {
        const raw = stackRaw("dev");
        const z = raw.network.zones[6];
        Object.assign(z, { cidr: "10.20.22.0/31", gateway: "10.20.22.0", dhcp: { enabled: false } });
        raw.dhcp.reservations = raw.dhcp.reservations.filter((r: { zone: string }) => r.zone !== "lan-dev");
        expect(problemsOf(raw)).toEqual([
            'billu:network.zones[6].cidr: 10.20.22.0/31 holds 1 address besides the router\'s, but department "Développement logiciel" needs 100 (40 people in the HR export x 2 devices per person (billu:dhcp.devicesPerPerson) + 25% margin (billu:dhcp.marginPercent)). Fix: widen the zone to a /25 or larger',
        ]);
    });
    test("the same department with DHCP off in its /24 has room", () => {
        const raw = stackRaw("dev");
        raw.network.zones[6].dhcp = { enabled: false };
        raw.dhcp.reservations = raw.dhcp.reservations.filter((r: { zone: string }) => r.zone !== "lan-dev");
        expect(problemsOf(raw)).toEqual([]);
    });
    test("a /25 is too small for 40 people at 2.6 devices + 25% (126 usable, less the router's)", () => {
        const raw = stackRaw("dev");
        Object.assign(raw.network.zones[6], { cidr: "10.20.22.0/25", dhcp: { enabled: false } });
        raw.dhcp.devicesPerPerson = 2.6;
        raw.dhcp.reservations = raw.dhcp.reservations.filter((r: { zone: string }) => r.zone !== "lan-dev");
        expect(problemsOf(raw)).toEqual([
            'billu:network.zones[6].cidr: 10.20.22.0/25 holds 125 addresses besides the router\'s, but department "Développement logiciel" needs 130 (40 people in the HR export x 2.6 devices per person (billu:dhcp.devicesPerPerson) + 25% margin (billu:dhcp.marginPercent)). Fix: widen the zone to a /24 or larger',
        ]);
    });
});
