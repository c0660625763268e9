import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runWizard } from "../../src/commands/wizard.js";
import { ExitCode, InterruptedError, OperationError, type AppError } from "../../src/core/errors.js";
import type { GlobalOptions, Step } from "../../src/migration/context.js";
import { readState } from "../../src/state/store.js";
import { MemoryReporter } from "../../src/ui/reporter.js";
import { ScriptedTerminal } from "../support/scripted-terminal.js";

function options(): GlobalOptions {
  return {
    statePath: join(mkdtempSync(join(tmpdir(), "am-run-")), "m.state.json"),
    yes: false,
    json: false,
    dryRun: false,
    verbose: false,
    color: false,
  };
}

/** Three steps: the second asks two questions, then waits until aborted or `release` is set. */
function steps(log: string[], gate: { release: boolean }): Step[] {
  return [
    {
      id: "one",
      title: "One",
      run: async (ctx) => {
        log.push("one:" + (await ctx.prompter.text({ id: "q.one", message: "First?" })));
        return { summary: "first done" };
      },
    },
    {
      id: "two",
      title: "Two",
      run: async (ctx) => {
        const a = await ctx.prompter.text({ id: "q.two", message: "Second?" });
        const b = await ctx.prompter.confirm({ id: "q.three", message: "Third?", default: false });
        log.push(`two:${a}:${b}`);
        while (!gate.release) await ctx.clock.sleep(10, ctx.signal);
        return { findings: [{ check: "x.y", severity: "warning", title: "a finding", found: "something" }] };
      },
    },
    {
      id: "three",
      title: "Three",
      run: () => {
        log.push("three");
        return Promise.resolve();
      },
    },
  ];
}

describe("step runner", () => {
  it("GIVEN the wizard is interrupted in a step WHEN resumed THEN it continues at that step without asking answered questions again", async () => {
    const opts = options();
    const log: string[] = [];
    const gate = { release: false };
    const controller = new AbortController();
    const first = new ScriptedTerminal({
      "q.one": "a",
      "q.two": "b",
      "q.three": () => {
        // Ctrl-C arrives while step two is busy after its questions.
        setTimeout(() => controller.abort(), 30);
        return Promise.resolve(true);
      },
    });
    const err = (await runWizard(opts, "new", { reporter: new MemoryReporter(), terminal: first, signal: controller.signal }, steps(log, gate)).catch(
      (e: unknown) => e,
    )) as AppError;
    expect(err).toBeInstanceOf(InterruptedError);
    expect(err.exitCode).toBe(ExitCode.interrupted);
    expect(err.hint).toContain(`aurora-migrate resume --state ${opts.statePath}`);

    const saved = await readState(opts.statePath);
    expect(saved.steps["one"]?.status).toBe("done");
    expect(saved.steps["two"]?.status).toBe("interrupted");
    expect(saved.answers).toMatchObject({ "q.one": "a", "q.two": "b", "q.three": true });

    gate.release = true;
    const second = new ScriptedTerminal({}); // any question asked now fails the test
    const reporter = new MemoryReporter();
    await runWizard(opts, "resume", { reporter, terminal: second, signal: new AbortController().signal }, steps(log, gate));
    expect(second.asked).toEqual([]);
    expect(log).toEqual(["one:a", "two:b:true", "two:b:true", "three"]);
    expect(reporter.text).toContain('Resuming at "Two"');

    const done = await readState(opts.statePath);
    expect(done.steps["two"]).toMatchObject({ status: "done", attempts: 2 });
    expect(done.steps["two"]?.findings[0]?.check).toBe("x.y");
    expect(Date.parse(done.steps["two"]?.finishedAt ?? "")).toBeGreaterThanOrEqual(Date.parse(done.steps["two"]?.startedAt ?? ""));
  });

  it("GIVEN a step fails WHEN the wizard stops THEN the step is recorded failed with its message and the error names the resume command", async () => {
    const opts = options();
    const failing: Step[] = [
      { id: "ok", title: "Ok", run: () => Promise.resolve({ summary: "fine" }) },
      { id: "bad", title: "Bad", run: () => Promise.reject(new OperationError("the server said no", { hint: "fix the server" })) },
    ];
    const err = (await runWizard(opts, "new", { reporter: new MemoryReporter(), signal: new AbortController().signal }, failing).catch((e: unknown) => e)) as AppError;
    expect(err.exitCode).toBe(ExitCode.failed);
    expect(err.hint).toContain("fix the server");
    expect(err.hint).toContain("aurora-migrate resume");
    const saved = await readState(opts.statePath);
    expect(saved.steps["ok"]?.status).toBe("done");
    expect(saved.steps["bad"]).toMatchObject({ status: "failed", error: { message: "the server said no", hint: "fix the server" } });
  });

  it("GIVEN a state file already exists WHEN start runs again THEN it refuses and points at resume", async () => {
    const opts = options();
    const quick: Step[] = [{ id: "ok", title: "Ok", run: () => Promise.resolve() }];
    await runWizard(opts, "new", { reporter: new MemoryReporter(), signal: new AbortController().signal }, quick);
    const err = (await runWizard(opts, "new", { reporter: new MemoryReporter(), signal: new AbortController().signal }, quick).catch((e: unknown) => e)) as AppError;
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.hint).toContain("aurora-migrate resume");
  });

  it("GIVEN a done step with a verify hook WHEN resuming THEN a vanished resource is reported, not recreated", async () => {
    const opts = options();
    let created = 0;
    let exists = true;
    const list: Step[] = [
      {
        id: "make",
        title: "Make a thing",
        run: () => {
          created += 1;
          return Promise.resolve();
        },
        verify: () => (exists ? Promise.resolve() : Promise.reject(new OperationError("The recorded thing no longer exists."))),
      },
      { id: "later", title: "Later", run: () => Promise.reject(new OperationError("stop here")) },
    ];
    await runWizard(opts, "new", { reporter: new MemoryReporter(), signal: new AbortController().signal }, list).catch(() => undefined);
    exists = false;
    const err = (await runWizard(opts, "resume", { reporter: new MemoryReporter(), signal: new AbortController().signal }, list).catch((e: unknown) => e)) as AppError;
    expect(err.message).toContain("no longer exists");
    expect(created).toBe(1);
  });
});

describe("step runner: retrying a failed step with a changed answer", () => {
  /** A step that runs the command it is given, and fails when it is the broken one. */
  function hookStep(ran: string[]): Step[] {
    return [
      {
        id: "cutover",
        title: "Cutover",
        run: async (ctx) => {
          const command = await ctx.prompter.text({ id: "cutover.switchHook", message: "Switch command" });
          ran.push(command);
          if (command.includes("--bad")) throw new OperationError("The switch hook exited with code 7.", { hint: "Fix the command and run again." });
        },
      },
    ];
  }

  it("GIVEN a step that failed with its recorded command WHEN resumed with a fixed one in --config THEN the fixed one runs, the change is said, and the state keeps the old one", async () => {
    const opts = options();
    const config = join(mkdtempSync(join(tmpdir(), "am-cfg-")), "answers.json");
    writeFileSync(config, JSON.stringify({ "cutover.switchHook": "./switch.sh --bad" }));
    const ran: string[] = [];
    const signal = new AbortController().signal;
    await expect(runWizard({ ...opts, yes: true, configPath: config }, "new", { reporter: new MemoryReporter(), signal }, hookStep(ran))).rejects.toBeInstanceOf(OperationError);

    writeFileSync(config, JSON.stringify({ "cutover.switchHook": "./switch.sh --fixed" }));
    const reporter = new MemoryReporter();
    await runWizard({ ...opts, yes: true, configPath: config }, "resume", { reporter, signal }, hookStep(ran));
    expect(ran).toEqual(["./switch.sh --bad", "./switch.sh --fixed"]);
    expect(reporter.text).toContain('answer cutover.switchHook changed from "./switch.sh --bad" to "./switch.sh --fixed"');
    const saved = await readState(opts.statePath);
    expect(saved.answers["cutover.switchHook"]).toBe("./switch.sh --fixed");
    expect(saved.answerHistory["cutover.switchHook"]?.map((h) => [h.value, h.by])).toEqual([["./switch.sh --bad", "config"]]);
    expect(saved.steps["cutover"]).toMatchObject({ status: "done", attempts: 2 });
    expect(saved.steps["cutover"]?.lastFailure).toBeUndefined();
  });

  it("GIVEN a step that failed WHEN resumed in a terminal THEN its question is asked again and the new answer runs", async () => {
    const opts = options();
    const ran: string[] = [];
    const signal = new AbortController().signal;
    const first = new ScriptedTerminal({ "cutover.switchHook": "./switch.sh --bad" });
    await expect(runWizard(opts, "new", { reporter: new MemoryReporter(), terminal: first, signal }, hookStep(ran))).rejects.toBeInstanceOf(OperationError);
    const second = new ScriptedTerminal({ "cutover.switchHook": "./switch.sh --fixed" });
    await runWizard(opts, "resume", { reporter: new MemoryReporter(), terminal: second, signal }, hookStep(ran));
    expect(second.asked).toEqual(["cutover.switchHook"]);
    expect(ran).toEqual(["./switch.sh --bad", "./switch.sh --fixed"]);
  });
});
