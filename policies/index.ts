// The BillU CrossGuard pack: `pulumi preview --policy-pack policies`. Every rule is mandatory (or remediating)
// in every committed stack; a stack may lower one to advisory only through the pack's config with a reason
// (policies/config.<stack>.json, passed with --policy-pack-config).
import { PolicyPack } from "@pulumi/policy";
import { RULES } from "./rules";

new PolicyPack("billu-security", { policies: [...RULES] });
