/**
 * The SSH host key pinned for each VM resource (what guest connections pass as `hostKey`, components/context.ts):
 * set by ProxmoxVm when it generates a key, read by every guest step of that VM. Its own module, so the guest
 * connection reads it without importing the VM component (and its plan) back.
 */
import type * as pulumi from "@pulumi/pulumi";

const pinnedKeys = new WeakMap<pulumi.Resource, pulumi.Output<string>>();

/** Records the host key a VM resource was given. */
export function pinHostKey(vm: pulumi.Resource, key: pulumi.Output<string>): void {
    pinnedKeys.set(vm, key);
}

/** The SSH host key (`ssh-ed25519 AAAA...`) a VM resource of a ProxmoxVm was given, if any. */
export function pinnedHostKey(vm: pulumi.Resource): pulumi.Output<string> | undefined {
    return pinnedKeys.get(vm);
}
