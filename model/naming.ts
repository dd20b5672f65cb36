/**
 * The naming convention: every host is `<SITE>-<ROLE><NN>[-<TAG>]`, e.g. `PAR-DC01`, `PAR-FW01`, `ECO-FW01`,
 * `PAR-FS02-ARCHIVE`. SITE is the site code (2 to 4 capital letters), ROLE the role's code (see ROLE_CODES), NN two
 * digits from 01, TAG an optional qualifier (capital letters and digits, at most 10).
 * Windows hosts must also fit NetBIOS: at most 15 characters.
 */
import { HOST_NAME_PATTERN } from "./host-name";
import { OsKind, Role, ROLE_CODES } from "./schema";

export const NETBIOS_MAX = 15;

export function hostName(siteCode: string, role: Role, index: number): string {
    return `${siteCode}-${ROLE_CODES[role]}${String(index).padStart(2, "0")}`;
}

export function isWindows(os: OsKind): boolean {
    return os.startsWith("windows");
}

/** Why a name breaks the convention, or undefined when it follows it. */
export function namingViolation(name: string, siteCode: string, role: Role, os: OsKind): string | undefined {
    const code = ROLE_CODES[role];
    const m = HOST_NAME_PATTERN.exec(name);
    if (!m || m[1] !== siteCode || m[2] !== code || m[3] === "00") {
        return `does not follow the naming convention <SITE>-<ROLE><NN>[-<TAG>] (expected ${siteCode}-${code}01, ${siteCode}-${code}02, ...)`;
    }
    if (isWindows(os) && name.length > NETBIOS_MAX) {
        return `is ${name.length} characters long, more than the ${NETBIOS_MAX} a Windows (NetBIOS) name allows`;
    }
    return undefined;
}
