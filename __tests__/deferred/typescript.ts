// The stand-in for typescript (see stand-in.ts): the real module loads on first use.
import { realPath, standIn } from "./stand-in";

const file = realPath("typescript");
// eslint-disable-next-line @typescript-eslint/no-require-imports
module.exports = standIn(() => require(file), false);
