// BillU infrastructure: the Pulumi entry point. See stacks/program.ts; the exported object is the stack outputs.
import { main } from "./stacks/program";

export = main();
