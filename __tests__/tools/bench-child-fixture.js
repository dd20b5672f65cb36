// A child for bench-child.test.ts: holds <MiB> MiB (touched), spins ~50 ms of CPU, then exits 3 or kills itself.
const [mib, how] = process.argv.slice(2);
const held = Buffer.alloc(Number(mib) * 1024 * 1024, 1);
const end = Date.now() + 50;
let n = 0;
while (Date.now() < end) n += held[n % held.length];
process.stdout.write(`held ${mib} MiB\n`);
if (how === "kill") process.kill(process.pid, "SIGKILL");
process.exitCode = 3;
