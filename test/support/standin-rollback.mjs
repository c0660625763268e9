// For tests: `aurora-migrate rollback` from the BUILT library (dist/), over the DMS stand-in, in a
// process of its own so that a test can SIGKILL it. The CLI binary reaches the stand-in only
// through `demo`; this runs the same command function the binary's `rollback` runs.
// argv: <state file> <port of the server playing Aurora> <answers as JSON> [--switched]
import { runRollbackCommand } from "../../dist/commands/rollback.js";
import { createStandinAws } from "../../dist/standin/aws/index.js";
import { ConsoleReporter } from "../../dist/ui/reporter.js";

const [statePath, port, answers, ...flags] = process.argv.slice(2);
const standin = await createStandinAws({ statePath, auroraServer: { host: "127.0.0.1", port: Number(port), user: "postgres", sslmode: "disable" }, settleMs: 0 });
const reporter = new ConsoleReporter({ stdout: process.stdout, stderr: process.stderr, color: false, verbose: false, json: false });
const options = { statePath, yes: true, json: false, dryRun: false, verbose: false, color: false };
let code = 0;
try {
  await runRollbackCommand(options, flags.includes("--switched") ? { switched: true } : {}, {
    reporter,
    signal: new AbortController().signal,
    flagAnswers: JSON.parse(answers),
    aws: () => Promise.resolve(standin),
  });
} catch (err) {
  process.stderr.write(`FAILED: ${err?.message ?? err}\n${err?.hint ?? ""}\n`);
  code = typeof err?.exitCode === "number" ? err.exitCode : 1;
} finally {
  await standin.close();
}
process.exit(code);
