import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runWizard } from "../../src/commands/wizard.js";
import { type AppError, InterruptedError, OperationError } from "../../src/core/errors.js";
import type { GlobalOptions, Step } from "../../src/migration/context.js";
import { MemoryReporter } from "../../src/ui/reporter.js";

function dryRunOptions(): GlobalOptions {
  const dir = mkdtempSync(join(tmpdir(), "am-dry-"));
  return { statePath: join(dir, "m.state.json"), yes: true, json: false, dryRun: true, verbose: false, color: false };
}

describe("a dry run that stops", () => {
  it("GIVEN --dry-run WHEN a step fails THEN the hint says to run the dry run again, never to resume a state that was not written", async () => {
    const options = dryRunOptions();
    const failing: Step = { id: "source-connection", title: "Source connection", run: () => Promise.reject(new OperationError("Cannot connect.", { hint: "Check the URL." })) };
    const err = (await runWizard(options, "new", { reporter: new MemoryReporter(), signal: new AbortController().signal }, [failing]).catch((e: unknown) => e)) as AppError;
    expect(err.message).toBe("Cannot connect.");
    expect(err.hint).toBe("Check the URL.\nThis was a dry run: nothing was changed or saved. When that is fixed, run the dry run again.");
    expect(existsSync(options.statePath)).toBe(false);
    expect(readdirSync(join(options.statePath, ".."))).toEqual([]);
  });

  it("GIVEN --dry-run WHEN Ctrl-C arrives THEN it says nothing was changed or saved, and names no resume command", async () => {
    const options = dryRunOptions();
    const stop = new AbortController();
    const waiting: Step = {
      id: "source-connection",
      title: "Source connection",
      run: () => {
        stop.abort();
        return new Promise(() => undefined);
      },
    };
    const err = (await runWizard(options, "new", { reporter: new MemoryReporter(), signal: stop.signal }, [waiting]).catch((e: unknown) => e)) as AppError;
    expect(err).toBeInstanceOf(InterruptedError);
    expect(err.message).toBe("Dry run interrupted during step 1 (Source connection). Nothing was changed or saved.");
    expect(`${err.message} ${err.hint ?? ""}`).not.toMatch(/resume|saved in/);
    expect(existsSync(options.statePath)).toBe(false);
  });
});
