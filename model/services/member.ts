/** A member server: a VM of the model with the base step and, when asked, the domain join; no service of its own. */
import { defineService } from "./types";

export const memberService = defineService<undefined, undefined>({
    key: "member",
    title: "a member server",
    role: { code: "SRV", startOrder: 6, stateful: false },
    after: [],
    plan: () => undefined,
});
