import ora from "ora";
import { describe, expect, it } from "vitest";
import { ConsoleReporter } from "../../src/ui/reporter.js";
import { screenLines } from "../support/terminal-screen.js";

/** A terminal stream as Node's tty.WriteStream writes it: readline's cursor codes, all recorded. */
function fakeTty(columns: number): NodeJS.WritableStream & { isTTY: boolean; columns: number; raw: () => string } {
  const chunks: string[] = [];
  const write = (s: string): boolean => (chunks.push(s), true);
  const stream = {
    isTTY: true,
    columns,
    write,
    cursorTo: (x: number) => write(`\u001b[${x + 1}G`),
    moveCursor: (dx: number, dy: number) => write((dy < 0 ? `\u001b[${-dy}A` : dy > 0 ? `\u001b[${dy}B` : "") + (dx > 0 ? `\u001b[${dx}C` : dx < 0 ? `\u001b[${-dx}D` : "")),
    clearLine: (dir: number) => write(dir < 0 ? "\u001b[1K" : dir > 0 ? "\u001b[0K" : "\u001b[2K"),
    raw: () => chunks.join(""),
  };
  return stream as unknown as NodeJS.WritableStream & { isTTY: boolean; columns: number; raw: () => string };
}

const FRAME = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

describe("the reporter's live line", () => {
  it("GIVEN a spinner on an 80-column terminal WHEN lines, warnings and an error are printed meanwhile THEN each stands on its own line and the spinner is redrawn below them", () => {
    const tty = fakeTty(80);
    const r = new ConsoleReporter({ stdout: tty, stderr: tty, color: false, verbose: false, json: false, ora });
    const s = r.spinner("Full load 66% · 1 loaded, 1 loading, 0 queued, 0 errored (running)");
    r.info("DMS created the replication slot abc on the source (recorded; cleanup drops it).");
    r.warn("careful");
    r.error("bad");
    expect(screenLines(tty.raw(), 80).at(-1)).toMatch(FRAME);
    s.succeed("Full load finished");
    expect(screenLines(tty.raw(), 80).filter((l) => l !== "")).toEqual([
      "DMS created the replication slot abc on the source (recorded; cleanup drops it).",
      "! careful",
      "✖ bad",
      "✔ Full load finished",
    ]);
  });

  it("GIVEN a terminal narrower than 20 columns WHEN a wait starts THEN it is told in plain lines, without cursor codes", () => {
    const tty = fakeTty(12);
    const r = new ConsoleReporter({ stdout: tty, stderr: tty, color: false, verbose: false, json: false, ora });
    r.spinner("Waiting for the cluster").succeed("Cluster available");
    expect(tty.raw()).toBe("… Waiting for the cluster\n✔ Cluster available\n");
  });
});
