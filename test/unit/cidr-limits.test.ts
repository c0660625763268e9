import { describe, expect, it } from "vitest";
import { ExitCode, type AppError } from "../../src/core/errors.js";
import { validateCidr } from "../../src/plan/aws-identifiers.js";
import { checkDmsCidr } from "../../src/plan/preflight/dms-cidr.js";
import { auroraClusterStep } from "../../src/steps/aurora-cluster.js";
import { FakeAws } from "../support/aws/fake-aws.js";
import { harness, sourceState } from "../support/aws/harness.js";

describe("address ranges opened to a database", () => {
  it("GIVEN a /1 to /7 range WHEN it is checked as this tool's address range THEN it is refused like pg_hba.conf's, naming how many addresses it opens; /8 and narrower pass", () => {
    for (let prefix = 1; prefix <= 7; prefix++) {
      const cidr = `${2 ** (8 - prefix)}.0.0.0/${prefix}`;
      expect(validateCidr(cidr), cidr).toMatch(new RegExp(`a /${prefix} range would open the database to [\\d,]+ addresses; give /8 or narrower`));
      // The pg_hba check refuses the same ranges.
      expect(checkDmsCidr(cidr), cidr).toHaveProperty("problem");
    }
    expect(validateCidr("64.0.0.0/2")).toContain("1,073,741,824 addresses");
    expect(validateCidr("10.0.0.0/8")).toBeUndefined();
    expect(checkDmsCidr("10.0.0.0/8")).toEqual({ cidr: "10.0.0.0/8" });
    expect(validateCidr("203.0.113.7/32")).toBeUndefined();
  });

  it("GIVEN aurora.clientCidr 64.0.0.0/2 in the config WHEN step 3 runs THEN it stops with exit 2 naming the key, before anything is created", async () => {
    const fake = new FakeAws();
    const h = harness(fake, sourceState("postgres://app@10.0.1.5:5432/shop", "shop"), { answers: { "aurora.clientCidr": "64.0.0.0/2" } });
    const err = (await auroraClusterStep.run(h.ctx).catch((e: unknown) => e)) as AppError;
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.message).toContain('"aurora.clientCidr"');
    expect(err.message).toContain("a /2 range would open the database");
    expect(fake.calls.filter((c) => /^(create|authorize)/.test(c.method))).toEqual([]);
  });
});
