/**
 * The text `--help` shows after each command's options: examples, notes and exit codes, each
 * laid out one item per line so a terminal of 80 columns reads them.
 */
import { InvalidArgumentError } from "commander";

/** Example command lines; a trailing `# comment` goes on its own line above its command. */
export function examples(...lines: string[]): string {
  const out = lines.map((l) => {
    const m = /^(.*?)\s+# (.*)$/.exec(l);
    return m ? `  # ${m[2]}\n  $ ${m[1]}` : `  $ ${l}`;
  });
  return "\nExamples:\n" + out.join("\n") + "\n";
}

/** Help text's width: what an 80-column terminal shows without wrapping. */
const WIDTH = 80;

/** `text` in lines of at most `width` characters (a longer word stays whole), the later ones indented. */
export function wrap(text: string, width = WIDTH, indent = ""): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const prefix = lines.length ? indent : "";
    if (line && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push((lines.length ? indent : "") + line);
  return lines;
}

/** Paragraphs of notes, wrapped to the terminal; "" is a blank line, a line starting with spaces is kept as written (a table). */
export function notes(...paragraphs: string[]): string {
  return "\n" + paragraphs.flatMap((p) => (p === "" || p.startsWith("  ") ? [p] : wrap(p))).join("\n") + "\n";
}

/**
 * An exit-code list: the code, then its meaning, wrapped; each part of a meaning given as
 * several parts starts a line, all continuing under the first, indented.
 */
export function exitCodes(rows: readonly (readonly [number, string | readonly string[]])[]): string {
  const out = ["", "Exit codes:"];
  const indent = " ".repeat(7);
  for (const [code, meaning] of rows) {
    const parts = typeof meaning === "string" ? [meaning] : meaning;
    const lines = parts.flatMap((part) => wrap(part, WIDTH - indent.length));
    lines.forEach((line, i) => out.push(i === 0 ? `  ${String(code).padEnd(4)} ${line}` : indent + line));
  }
  return out.join("\n") + "\n";
}

/** The codes every command shares. */
export const USAGE_EXIT: readonly [number, string] = [2, "bad usage or input: unknown flag, unreadable or corrupt state or config file"];
export const FAILED_EXIT: readonly [number, string] = [1, "an operation failed (the message says what and how to fix it)"];
export const INTERRUPTED_EXIT: readonly [number, string] = [130, "interrupted (the state is saved; the message gives the resume command)"];

/** A commander parser for a whole-number option: the value becomes a number, refused outside min..max. */
export function wholeNumberArg(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}
