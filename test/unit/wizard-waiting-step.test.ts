import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runWizard } from "../../src/commands/wizard.js";
import type { GlobalOptions, Step } from "../../src/migration/context.js";
import { readState } from "../../src/state/store.js";
import { MemoryReporter } from "../../src/ui/reporter.js";

/** A step that waits (StepOutcome.waitsFor) while `gate.waiting`, as step 13 does during the rollback window. */
function steps(log: string[], gate: { waiting: boolean }): Step[] {
  return [
    { id: "one", title: "One", run: () => (log.push("one"), Promise.resolve({ summary: "first done" })) },
    {
      id: "two",
      title: "Two",
      run: (ctx) => {
        log.push("two");
        if (gate.waiting) {
          ctx.reporter.info("waiting: run `finish` later");
          return Promise.resolve({ waitsFor: "waits for the window" });
        }
        return Promise.resolve({ summary: "second done" });
      },
    },
    { id: "three", title: "Three", run: () => (log.push("three"), Promise.resolve()) },
  ];
}

describe("a step that waits (the cleanup during the rollback window)", () => {
  it("GIVEN a step returns waitsFor WHEN the wizard runs THEN it ends without an error, the step stays pending with that summary, later steps do not run; AND WHEN resumed after the wait THEN it runs to the end", async () => {
    const options: GlobalOptions = { statePath: join(mkdtempSync(join(tmpdir(), "am-wait-")), "m.state.json"), yes: true, json: false, dryRun: false, verbose: false, color: false };
    const log: string[] = [];
    const gate = { waiting: true };
    const io = (reporter: MemoryReporter) => ({ reporter, signal: new AbortController().signal });

    const first = new MemoryReporter();
    await runWizard(options, "new", io(first), steps(log, gate));
    expect(log).toEqual(["one", "two"]);
    expect(first.lines.join("\n")).toContain("waiting: run `finish` later");
    expect(first.lines.join("\n")).not.toContain("Every step is done");
    let state = await readState(options.statePath);
    expect(state.steps["two"]).toMatchObject({ status: "pending", summary: "waits for the window", attempts: 1 });
    expect(state.steps["three"]).toBeUndefined();

    // Resumed while it still waits: asked again, waits again, no error.
    await runWizard(options, "resume", io(new MemoryReporter()), steps(log, gate));
    expect(log).toEqual(["one", "two", "two"]);

    gate.waiting = false;
    const last = new MemoryReporter();
    await runWizard(options, "resume", io(last), steps(log, gate));
    expect(log).toEqual(["one", "two", "two", "two", "three"]);
    expect(last.lines.join("\n")).toContain("Every step is done");
    state = await readState(options.statePath);
    expect(state.steps["two"]).toMatchObject({ status: "done", summary: "second done" });
  });
});
