import { describe, expect, it } from "vitest";
import { eligibleEngineVersions } from "../../src/plan/engine-version.js";
import { majorOf } from "../../src/plan/pg-version.js";

describe("majorOf: one reading of a PostgreSQL version", () => {
  it.each([
    [150004, 15],
    [170000, 17],
    [100023, 10],
    [90624, 9.6],
    [90400, 9.4],
    [0, 0],
    [Number.NaN, 0],
  ])("GIVEN server_version_num %d THEN the major is %d", (num, major) => {
    expect(majorOf(num)).toBe(major);
  });

  it.each([
    ["15.4", 15],
    ["16", 16],
    ["9.6.24", 9.6],
    ["16beta1", 16],
    ["17.2 (Debian 17.2-1.pgdg120+1)", 17],
    ["", 0],
    ["devel", 0],
  ])("GIVEN the version string %j THEN the major is %d", (text, major) => {
    expect(majorOf(text)).toBe(major);
  });

  it("GIVEN a number and the string of the same server THEN both give the same major", () => {
    expect(majorOf(90624)).toBe(majorOf("9.6.24"));
    expect(majorOf(150004)).toBe(majorOf("15.4"));
  });

  it("GIVEN Aurora's engine versions THEN only majors at least the source's are offered, by MajorEngineVersion or EngineVersion", () => {
    const offered = eligibleEngineVersions([{ EngineVersion: "14.9", MajorEngineVersion: "14" }, { EngineVersion: "15.4" }, { EngineVersion: "16.1", Status: "deprecated" }], 15);
    expect(offered).toEqual({ choices: ["15.4"], proposed: "15.4" });
  });
});
