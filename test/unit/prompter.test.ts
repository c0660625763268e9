import { describe, expect, it } from "vitest";
import type { UsageError } from "../../src/core/errors.js";
import { ExitCode } from "../../src/core/errors.js";
import { stateAnswerBook } from "../../src/state/answers.js";
import { type Answer, type MigrationState, newState } from "../../src/state/schema.js";
import type { TextQuestion } from "../../src/ui/questions.js";
import { AnsweringPrompter } from "../../src/ui/prompter.js";
import { MemoryReporter } from "../../src/ui/reporter.js";
import { ScriptedTerminal } from "../support/scripted-terminal.js";

function prompter(opts: { recorded?: Record<string, Answer>; config?: Record<string, Answer>; terminal?: ScriptedTerminal; yes?: boolean }) {
  const book: Record<string, Answer> = { ...opts.recorded };
  const p = new AnsweringPrompter({
    book: { get: (id) => book[id], set: (id, v) => (book[id] = v) },
    config: opts.config ?? {},
    configPath: "answers.json",
    ...(opts.terminal ? { terminal: opts.terminal } : {}),
    yes: opts.yes ?? false,
    reporter: new MemoryReporter(),
  });
  return { p, book };
}

describe("prompter", () => {
  it("GIVEN an answer recorded by an earlier run WHEN the same question comes THEN the terminal is not asked", async () => {
    const terminal = new ScriptedTerminal({});
    const { p } = prompter({ recorded: { "aurora.clusterId": "prod-aurora" }, terminal });
    expect(await p.text({ id: "aurora.clusterId", message: "Cluster id" })).toBe("prod-aurora");
    expect(terminal.asked).toEqual([]);
  });

  it("GIVEN a terminal WHEN a question is answered THEN the answer is recorded for resume", async () => {
    const { p, book } = prompter({ terminal: new ScriptedTerminal({ "task.threshold": 7 }) });
    expect(await p.number({ id: "task.threshold", message: "Threshold", default: 5 })).toBe(7);
    expect(book["task.threshold"]).toBe(7);
  });

  it("GIVEN --config answers WHEN asked THEN they are used, validated and recorded", async () => {
    const { p, book } = prompter({ config: { "source.schemas": ["public", "billing"] } });
    const got = await p.multiSelect({
      id: "source.schemas",
      message: "Schemas",
      choices: [
        { value: "public", name: "public" },
        { value: "billing", name: "billing" },
      ],
    });
    expect(got).toEqual(["public", "billing"]);
    expect(book["source.schemas"]).toEqual(["public", "billing"]);
  });

  it("GIVEN a bad --config value WHEN asked THEN exit 2 names the key and the problem", async () => {
    const { p } = prompter({ config: { "sync.threshold": "soon" } });
    const err = (await p.number({ id: "sync.threshold", message: "Threshold" }).catch((e: unknown) => e)) as UsageError;
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.message).toContain('"sync.threshold"');
    expect(err.message).toContain("expected a number");
  });

  it("GIVEN --yes WHEN a question has a default THEN the default is taken without asking", async () => {
    const terminal = new ScriptedTerminal({});
    const { p, book } = prompter({ yes: true, terminal });
    expect(await p.confirm({ id: "aurora.reader", message: "Add a reader?", default: true })).toBe(true);
    expect(terminal.asked).toEqual([]);
    expect(book["aurora.reader"]).toBe(true);
  });

  it("GIVEN --yes WHEN a required question has no default THEN the error names the config key", async () => {
    const { p } = prompter({ yes: true });
    const err = (await p.text({ id: "source.url", message: "Source PostgreSQL URL" }).catch((e: unknown) => e)) as UsageError;
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.hint).toContain('"source.url"');
  });

  it("GIVEN no terminal and no --yes WHEN a question comes THEN the error says to use --config", async () => {
    const { p } = prompter({});
    const err = (await p.select({ id: "aurora.mode", message: "Cluster", choices: [{ value: "new", name: "new" }], default: "new" }).catch((e: unknown) => e)) as UsageError;
    expect(err.hint).toContain('"aurora.mode"');
  });

  it("GIVEN a password question WHEN answered THEN it is returned but never recorded", async () => {
    const { p, book } = prompter({ terminal: new ScriptedTerminal({ "source.password": "hunter2" }) });
    expect(await p.secret({ id: "source.password", message: "Password" })).toBe("hunter2");
    expect(JSON.stringify(book)).not.toContain("hunter2");
  });

  it("GIVEN a destructive action WHEN there is no terminal and no --yes THEN it is refused, naming --yes", async () => {
    const { p } = prompter({});
    const err = (await p.confirmDestructive({ id: "cleanup.deleteTask", message: "Delete the task?" }).catch((e: unknown) => e)) as UsageError;
    expect(err.hint).toContain("--yes");
  });

  it("GIVEN --yes and a --config file answering a destructive confirmation false WHEN it comes THEN the config's no wins and the action is declined", async () => {
    const { p } = prompter({ yes: true, config: { "cleanup.dropSlot": false } });
    expect(await p.confirmDestructive({ id: "cleanup.dropSlot", message: "Drop the slot?" })).toBe(false);
    expect(await p.confirmDestructive({ id: "cleanup.deleteTask", message: "Delete the task?" })).toBe(true);
  });

  it("GIVEN a destructive action WHEN the person answers in the terminal THEN the answer is not recorded (asked each time)", async () => {
    const { p, book } = prompter({ terminal: new ScriptedTerminal({ "cleanup.deleteTask": false }) });
    expect(await p.confirmDestructive({ id: "cleanup.deleteTask", message: "Delete the task?" })).toBe(false);
    expect(book["cleanup.deleteTask"]).toBeUndefined();
  });
});

describe("prompter: correcting an answer", () => {
  it("GIVEN a recorded answer and askAgain WHEN a terminal is there THEN it is asked with the old answer as default and the new one recorded", async () => {
    const terminal = new ScriptedTerminal({ "source.url": "postgres://app@db2:5432/app" });
    const { p, book } = prompter({ recorded: { "source.url": "postgres://app@db1:5432/app" }, terminal });
    expect(await p.text({ id: "source.url", message: "URL", askAgain: true })).toBe("postgres://app@db2:5432/app");
    expect(book["source.url"]).toBe("postgres://app@db2:5432/app");
  });

  it("GIVEN a recorded answer and askAgain WHEN unattended THEN the recorded answer stands", async () => {
    const { p } = prompter({ recorded: { "source.url": "postgres://app@db1:5432/app" }, yes: true });
    expect(await p.text({ id: "source.url", message: "URL", askAgain: true })).toBe("postgres://app@db1:5432/app");
  });
});

describe("prompter: a changed answer wins on retry", () => {
  const at = new Date("2026-05-01T12:00:00Z");
  const clock = { now: () => at, sleep: () => Promise.resolve() };
  const hook = (id: string, extra: Partial<TextQuestion> = {}): TextQuestion => ({ id, message: "Switch command", ...extra });

  function statePrompter(o: { state: MigrationState; config?: Record<string, Answer>; terminal?: ScriptedTerminal; yes?: boolean }) {
    const reporter = new MemoryReporter();
    const p = new AnsweringPrompter({
      book: stateAnswerBook(o.state, clock),
      config: o.config ?? {},
      configPath: "answers.json",
      ...(o.terminal ? { terminal: o.terminal } : {}),
      yes: o.yes ?? false,
      reporter,
    });
    return { p, reporter };
  }

  function failedCutover(): MigrationState {
    const state = newState("aurora-migrate@test", at);
    state.answers["cutover.switchHook"] = "./switch.sh --bad";
    // As the runner leaves a step it retries after a failure.
    state.steps["cutover"] = { status: "running", attempts: 2, findings: [], lastFailure: { message: "The switch hook exited with code 7." } };
    return state;
  }

  it("GIVEN a recorded switch hook WHEN --config gives another one THEN the --config one is used, the change is said, and the old one is kept in the history", async () => {
    const state = failedCutover();
    const { p, reporter } = statePrompter({ state, config: { "cutover.switchHook": "./switch.sh --fixed" }, yes: true });
    expect(await p.text(hook("cutover.switchHook"))).toBe("./switch.sh --fixed");
    expect(state.answers["cutover.switchHook"]).toBe("./switch.sh --fixed");
    expect(reporter.lines.join("\n")).toContain('answer cutover.switchHook changed from "./switch.sh --bad" to "./switch.sh --fixed"');
    expect(state.answerHistory["cutover.switchHook"]).toEqual([{ value: "./switch.sh --bad", replacedAt: at.toISOString(), by: "config" }]);
  });

  it("GIVEN --config repeats the recorded answer WHEN asked THEN nothing is said and no history is added", async () => {
    const state = failedCutover();
    const { p, reporter } = statePrompter({ state, config: { "cutover.switchHook": "./switch.sh --bad" }, yes: true });
    expect(await p.text(hook("cutover.switchHook"))).toBe("./switch.sh --bad");
    expect(reporter.lines.join("\n")).not.toContain("changed from");
    expect(state.answerHistory["cutover.switchHook"]).toBeUndefined();
  });

  it("GIVEN the step failed last time WHEN run in a terminal THEN its question is asked again, the recorded answer as the default, and the new answer replaces it", async () => {
    const state = failedCutover();
    const defaults: unknown[] = [];
    const terminal = new ScriptedTerminal({ "cutover.switchHook": "./switch.sh --fixed" });
    const text = terminal.text.bind(terminal);
    terminal.text = (q: TextQuestion) => (defaults.push(q.default), text(q));
    const { p } = statePrompter({ state, terminal });
    expect(await p.text(hook("cutover.switchHook"))).toBe("./switch.sh --fixed");
    expect(defaults).toEqual(["./switch.sh --bad"]);
    expect(state.answerHistory["cutover.switchHook"]).toEqual([{ value: "./switch.sh --bad", replacedAt: at.toISOString(), by: "terminal" }]);
  });

  it("GIVEN the step failed last time WHEN unattended (--yes) THEN the recorded answer stands and nothing is asked", async () => {
    const state = failedCutover();
    const terminal = new ScriptedTerminal({});
    const { p } = statePrompter({ state, terminal, yes: true });
    expect(await p.text(hook("cutover.switchHook"))).toBe("./switch.sh --bad");
    expect(terminal.asked).toEqual([]);
  });

  it("GIVEN the step did not fail last time WHEN run in a terminal THEN the recorded answer is not asked again", async () => {
    const state = failedCutover();
    state.steps["cutover"] = { status: "running", attempts: 2, findings: [] };
    const terminal = new ScriptedTerminal({});
    const { p } = statePrompter({ state, terminal });
    expect(await p.text(hook("cutover.switchHook"))).toBe("./switch.sh --bad");
    expect(terminal.asked).toEqual([]);
  });

  it("GIVEN a retried step WHEN a password and a destructive confirmation are asked THEN neither is recorded", async () => {
    const state = failedCutover();
    const terminal = new ScriptedTerminal({ "target.password": "hunter2", "cutover.confirmFreeze": true });
    const { p } = statePrompter({ state, terminal });
    expect(await p.secret({ id: "target.password", message: "Password" })).toBe("hunter2");
    expect(await p.confirmDestructive({ id: "cutover.confirmFreeze", message: "Freeze?" })).toBe(true);
    expect(JSON.stringify(state)).not.toContain("hunter2");
    expect(state.answers["cutover.confirmFreeze"]).toBeUndefined();
  });
});
