import { describe, expect, it } from "vitest";
import { WIZARD_STEPS } from "../../src/wizard/steps.js";
import { STEP_TITLES } from "../../src/wizard/step-titles.js";

describe("the step titles status prints without loading the steps", () => {
  it("GIVEN the wizard's steps WHEN compared with the light list THEN ids, titles and order are the same", () => {
    expect(STEP_TITLES.map((s) => [s.id, s.title])).toEqual(WIZARD_STEPS.map((s) => [s.id, s.title]));
  });
});
