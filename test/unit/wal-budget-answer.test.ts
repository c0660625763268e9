import { describe, expect, it } from "vitest";
import { ExitCode, UsageError } from "../../src/core/errors.js";
import { recordWalBudget } from "../../src/commands/session.js";
import { newState } from "../../src/state/schema.js";

/** `--wal-budget` / "source.walBudget" in --config: recorded when the session opens, so the waits after step 2 use it. */
describe("the WAL disk budget given at the start of a run", () => {
  it("GIVEN --wal-budget on a resume after step 2 THEN it replaces the recorded answer, the old one kept in the history", () => {
    const state = newState("test", new Date());
    state.answers["source.walBudget"] = "";
    recordWalBudget(state, { "source.walBudget": " 50GB " }, new Date("2026-01-01T00:00:00Z"));
    expect(state.answers["source.walBudget"]).toBe("50GB");
    expect(state.answerHistory["source.walBudget"]).toEqual([{ value: "", replacedAt: "2026-01-01T00:00:00.000Z", by: "config" }]);
  });

  it("GIVEN none given THEN nothing is recorded; GIVEN no size THEN exit 2 before anything runs", () => {
    const state = newState("test", new Date());
    recordWalBudget(state, {}, new Date());
    expect(state.answers["source.walBudget"]).toBeUndefined();
    for (const bad of ["lots", 200]) {
      let err: unknown;
      try {
        recordWalBudget(state, { "source.walBudget": bad }, new Date());
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(ExitCode.usage);
      expect((err as UsageError).message).toMatch(/^The disk budget \(source\.walBudget, --wal-budget\) is not valid: expected/);
    }
  });
});
