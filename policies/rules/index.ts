/** Every rule of the BillU pack, in report order. Pinned by __tests__/policies/pack.test.ts. */
import { disallowDualHomedVms } from "./disallow-dual-homed-vms";
import { disallowIntranetFromWan } from "./disallow-intranet-from-wan";
import { disallowWanToLan } from "./disallow-wan-to-lan";
import { disallowWanToRouter } from "./disallow-wan-to-router";
import { disallowVpnAnySelector } from "./disallow-vpn-any-selector";
import { enableVmNicFirewall } from "./enable-vm-nic-firewall";
import { enforceDefaultDeny } from "./enforce-default-deny";
import { enforceDmzIsolation } from "./enforce-dmz-isolation";
import { enforceSecretInputs } from "./enforce-secret-inputs";
import { enforceVpnStrongCrypto } from "./enforce-vpn-strong-crypto";
import { protectStatefulVms } from "./protect-stateful-vms";
import { requireDcNodeSpread } from "./require-dc-node-spread";
import { requireHaForStatefulVms } from "./require-ha-for-stateful-vms";
import { protectFileserverDataDisks } from "./protect-fileserver-data-disks";
import { requireDistinctRaid1Datastores } from "./require-distinct-raid1-datastores";
import { protectBackupStorage } from "./protect-backup-storage";
import { requireBackupJobForStatefulVms } from "./require-backup-job-for-stateful-vms";
import { requireInGuestBackupForStatefulHosts } from "./require-in-guest-backup-for-stateful-hosts";
import { requirePartnerGrant } from "./require-partner-grant";
import { BilluRule } from "./rule";

export const RULES: readonly BilluRule[] = [
    enableVmNicFirewall,
    disallowDualHomedVms,
    enforceSecretInputs,
    protectStatefulVms,
    disallowWanToLan,
    disallowWanToRouter,
    enforceDmzIsolation,
    enforceDefaultDeny,
    enforceVpnStrongCrypto,
    disallowVpnAnySelector,
    requireDcNodeSpread,
    requireHaForStatefulVms,
    requireDistinctRaid1Datastores,
    protectFileserverDataDisks,
    disallowIntranetFromWan,
    requireBackupJobForStatefulVms,
    protectBackupStorage,
    requireInGuestBackupForStatefulHosts,
    requirePartnerGrant,
];
