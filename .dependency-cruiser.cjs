/**
 * The layer rules of billu-infra (issue 15, "Layer rules enforced"), checked by `npm run lint`:
 *
 *   tools/, index.ts          entry points (synth, docs, lab helpers, the Pulumi program)
 *   stacks/                   wires components into a site
 *   components/  policies/    resources and CrossGuard rules, side by side
 *   model/                    pure planning from config, no Pulumi
 *
 * A module may import its own layer and the layers below, never one above; no import cycles (type-only imports
 * count: a cycle through a type still ties two modules' changes together). Components never reach into another
 * component's internals, except the shared modules below; policies see components only through
 * components/contracts.ts. __tests__ may import anything and scripts/, labs/ are outside (they are not cruised).
 *
 * Known violations (.dependency-cruiser-known-violations.json, `depcruise --ignore-known`) would be ignored until
 * their fix lands; the file is empty (`[]`) since issue 15 fixed the last ones, and __tests__/tools/layers.test.ts
 * keeps it so: fix a new violation, never baseline it. Two components that must agree on something share it
 * through the model (pure data), components/contracts.ts (type tokens, facts, the names of secrets one makes and
 * another's step receives) or a shared module below; what one component renders for another's resource is passed
 * in as a value (components/registry.ts hands the directory's `mail-directory` step renderer to the mail role).
 */

/**
 * Modules every component may import (decided from the code of 2026-12, issue 15):
 * - guest-step/: the step every host runs its configuration through;
 * - proxmox-vm/: the VM every host is;
 * - base-server/: the common base (VM, base step, chrony, domain join) every Linux role builds on (its member.ts
 *   renders the krb5.conf the DCs write too);
 * - site-ca/: the site's CA every TLS certificate is signed by;
 * - firewall/VmFirewall.ts: the Proxmox NIC firewall proxmox-vm attaches to every VM (its rules come from
 *   the flow matrix, so it lives beside the router's firewall);
 * - paths.ts, context.ts, contracts.ts: repository paths, the site context, the shared contracts.
 */
const SHARED_COMPONENTS = [
    "^components/guest-step/",
    "^components/proxmox-vm/",
    "^components/base-server/",
    "^components/site-ca/",
    "^components/firewall/VmFirewall\\.ts$",
    "^components/paths\\.ts$",
    "^components/context\\.ts$",
    "^components/contracts\\.ts$",
    // The one header helper every renderer writes its generated files' first lines with.
    "^components/header\\.ts$",
    // Postfix's master(5) lines, the same on both Postfix hosts (the mail server and the inbound relay).
    "^components/postfix-master\\.ts$",
];

/** A forbidden dependency: an import from a module matching `from` of one matching `to` fails `npm run lint`. */
const forbid = (name, comment, from, to) => ({ name, severity: "error", comment, from, to });

/** A layer's upward rule: its modules import none of the folders `above` it, nor index.ts (the entry point). */
const notUpward = (name, layer, above, comment) => forbid(name, comment, { path: `^${layer}/` }, { path: `^(${above.join("|")})/|^index\\.ts$` });

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
    forbidden: [
        forbid("no-circular", "An import cycle: break it by moving the shared part into a module both import.", {}, { circular: true }),
        notUpward(
            "model-imports-only-model",
            "model",
            ["components", "policies", "stacks", "tools"],
            "model/ is the bottom layer: pure planning that imports no component, policy, stack or tool.",
        ),
        notUpward(
            "components-not-upward",
            "components",
            ["policies", "stacks", "tools"],
            "components/ may import model/ and components/, never stacks/, tools/, policies/ or index.ts.",
        ),
        notUpward(
            "policies-not-upward",
            "policies",
            ["stacks", "tools"],
            "policies/ may import model/ and components/contracts.ts, never stacks/, tools/ or index.ts.",
        ),
        forbid(
            "policies-only-component-contracts",
            "A policy reads what components publish through components/contracts.ts, never a component's internals.",
            { path: "^policies/" },
            { path: "^components/", pathNot: "^components/contracts\\.ts$" },
        ),
        notUpward("stacks-not-upward", "stacks", ["tools"], "stacks/ may import model/, components/, policies/ and stacks/, never tools/ or index.ts."),
        forbid(
            "no-cross-component",
            "A component imports another component only through the shared modules (SHARED_COMPONENTS in .dependency-cruiser.cjs).",
            { path: "^components/([^/]+)/" },
            { path: "^components/", pathNot: ["^components/$1/", ...SHARED_COMPONENTS] },
        ),
        forbid(
            "components-root-only-shared",
            "The shared files at components/ (context.ts, contracts.ts, paths.ts) import only shared modules.",
            // components/registry.ts is the component half of the service registry: it imports every role's builder.
            { path: "^components/[^/]+$", pathNot: "^components/registry\\.ts$" },
            { path: "^components/", pathNot: SHARED_COMPONENTS },
        ),
        forbid(
            "contracts-pure",
            "components/contracts.ts is what components and policies share: types and constants only, no runtime import.",
            { path: "^components/contracts\\.ts$" },
            { dependencyTypesNot: ["type-only"] },
        ),
        forbid("not-to-tests", "Program code never imports __tests__.", { pathNot: "^__tests__/" }, { path: "^__tests__/" }),
    ],
    options: {
        doNotFollow: { path: "node_modules" },
        exclude: { path: "^(node_modules|dist|out|lab-work|coverage|scripts|labs)/" },
        // Type-only imports are dependencies too (the RoleBuilder type tied components/ to stacks/).
        tsPreCompilationDeps: true,
        tsConfig: { fileName: "tsconfig.json" },
        moduleSystems: ["cjs", "es6"],
    },
};
