import type { AnswerBook } from "../state/answers.js";
import { UsageError } from "../core/errors.js";
import type { Answer } from "../state/schema.js";
import type {
  ConfirmQuestion,
  DestructiveQuestion,
  MultiSelectQuestion,
  NumberQuestion,
  SecretQuestion,
  SelectQuestion,
  TextQuestion,
} from "./questions.js";
import type { Reporter } from "./reporter.js";
import type { Terminal } from "./terminal.js";

/**
 * The one way steps ask anything: the terminal's questions (each answered from --config, the
 * answer book or its default before it reaches a person), plus the destructive confirmation.
 * Tests script it by question id.
 */
export interface Prompter extends Terminal {
  confirmDestructive(q: DestructiveQuestion): Promise<boolean>;
}

export interface AnsweringPrompterOptions {
  book: AnswerBook;
  /** Answers from --config, keyed by question id. */
  config: Readonly<Record<string, Answer>>;
  configPath?: string;
  /** Answers prepared by the caller (the demo's): taken when nothing is recorded, never replacing a recorded one. */
  presets?: Readonly<Record<string, Answer>>;
  /** Undefined when there is no terminal to ask (no TTY, CI). */
  terminal?: Terminal;
  /** --yes: take defaults, confirm destructive actions, never prompt. */
  yes: boolean;
  reporter: Reporter;
}

interface Asked {
  id: string;
  message: string;
  help?: string;
}

/**
 * Answers each question from, in order: --config (a value that differs from the recorded one
 * replaces it, said on the way, so a fixed command takes effect on the retry), the state file
 * (answered before, so `resume` never asks again; asked again in a terminal, the recorded
 * answer as the default, when the step failed last time), the caller's presets, the
 * terminal, or the default under --yes. A required answer that none of them gives is an error
 * naming the config key. Replaced answers are kept in the state's history (state/answers.ts).
 */
export class AnsweringPrompter implements Prompter {
  constructor(private readonly o: AnsweringPrompterOptions) {}

  private missing(q: Asked, why: string): UsageError {
    return new UsageError(`No answer for "${q.message}" (${why}).`, {
      hint:
        `Add "${q.id}": <value> to the --config file` +
        (q.help ? ` (${q.help})` : "") +
        ", or run in a terminal without --yes to be asked.",
    });
  }

  private badConfig(id: string, problem: string): UsageError {
    return new UsageError(`The --config answer "${id}" is not valid: ${problem}.`, {
      hint: `Fix "${id}" in ${this.o.configPath ?? "the config file"}.`,
    });
  }

  private get terminal(): Terminal | undefined {
    return this.o.yes ? undefined : this.o.terminal;
  }

  /** Records `value`, saying so when it replaces a different recorded answer. */
  private record(id: string, value: Answer, by: "config" | "terminal"): void {
    const before = this.o.book.get(id);
    if (before !== undefined && JSON.stringify(before) !== JSON.stringify(value)) {
      const where = by === "config" ? ` (from ${this.o.configPath ?? "--config"})` : "";
      this.o.reporter.warn(`answer ${id} changed from ${JSON.stringify(before)} to ${JSON.stringify(value)}${where}; the old answer is kept in the state's answer history.`);
    }
    this.o.book.set(id, value, by);
  }

  /**
   * The answer without asking a fresh question: --config's (validated, recorded), else the
   * recorded one (asked again through `again` when the step is retried after a failure and a
   * terminal is there), else the preset; undefined when none. A recorded answer that no longer
   * validates is asked again; a bad config answer is an error.
   */
  private async known<T extends Answer>(
    q: Asked & { askAgain?: boolean },
    check: (v: Answer) => Checked<T>,
    again: (t: Terminal, recorded: T) => Promise<T>,
  ): Promise<T | undefined> {
    if (Object.hasOwn(this.o.config, q.id)) {
      const checked = check(this.o.config[q.id] as Answer);
      if (!checked.ok) throw this.badConfig(q.id, checked.problem);
      this.record(q.id, checked.value, "config");
      return checked.value;
    }
    const recorded = this.o.book.get(q.id);
    const valid = recorded === undefined ? undefined : check(recorded);
    if (valid?.ok) {
      const terminal = this.terminal;
      if (terminal && (q.askAgain || this.o.book.retrying?.())) return this.accept(q, await again(terminal, valid.value), check);
      return valid.value;
    }
    const preset = this.o.presets?.[q.id];
    if (preset !== undefined) {
      const checked = check(preset);
      if (checked.ok) {
        this.o.book.set(q.id, checked.value);
        return checked.value;
      }
    }
    return undefined;
  }

  /** Asks the terminal, or takes the default under --yes, or fails naming the config key. */
  private async fresh<T>(q: Asked & { default?: T }, ask: (t: Terminal) => Promise<T>): Promise<T> {
    const terminal = this.terminal;
    if (terminal) return ask(terminal);
    if (this.o.yes && q.default !== undefined) return q.default;
    throw this.missing(q, this.o.yes ? "--yes has no default for it" : "no terminal to ask");
  }

  private accept<T extends Answer>(q: Asked, value: T, check: (v: Answer) => Checked<T>): T {
    const checked = check(value);
    if (!checked.ok) throw new UsageError(`${JSON.stringify(value)} is not a valid answer to "${q.message}": ${checked.problem}.`);
    this.record(q.id, checked.value, "terminal");
    return checked.value;
  }

  async text(q: TextQuestion): Promise<string> {
    const check = (v: Answer): Checked<string> => {
      if (typeof v !== "string") return bad(`expected text, got ${JSON.stringify(v)}`);
      const problem = q.validate?.(v);
      return problem === undefined ? ok(q.normalize ? q.normalize(v) : v) : bad(problem);
    };
    const known = await this.known(q, check, (t, recorded) => t.text({ ...q, default: recorded }));
    return known ?? this.accept(q, await this.fresh(q, (t) => t.text(q)), check);
  }

  async number(q: NumberQuestion): Promise<number> {
    const check = (v: Answer): Checked<number> => {
      const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
      if (typeof n !== "number" || !Number.isFinite(n)) return bad(`expected a number, got ${JSON.stringify(v)}`);
      if (q.integer && !Number.isInteger(n)) return bad(`expected a whole number, got ${n}`);
      if (q.min !== undefined && n < q.min) return bad(`must be at least ${q.min}`);
      if (q.max !== undefined && n > q.max) return bad(`must be at most ${q.max}`);
      return ok(n);
    };
    const known = await this.known(q, check, (t, recorded) => t.number({ ...q, default: recorded }));
    return known ?? this.accept(q, await this.fresh(q, (t) => t.number(q)), check);
  }

  async confirm(q: ConfirmQuestion): Promise<boolean> {
    const check = (v: Answer): Checked<boolean> => (typeof v === "boolean" ? ok(v) : bad(`expected true or false, got ${JSON.stringify(v)}`));
    const known = await this.known(q, check, (t, recorded) => t.confirm({ ...q, default: recorded }));
    return known ?? this.accept(q, await this.fresh(q, (t) => t.confirm(q)), check);
  }

  async select<T extends string>(q: SelectQuestion<T>): Promise<T> {
    const allowed: readonly string[] = q.choices.map((c) => c.value);
    const check = (v: Answer): Checked<T> =>
      typeof v === "string" && allowed.includes(v) ? ok(v as T) : bad(`expected one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
    const known = await this.known(q, check, (t, recorded) => t.select({ ...q, default: recorded }));
    return known ?? this.accept(q, await this.fresh(q, (t) => t.select(q)), check);
  }

  async multiSelect<T extends string>(q: MultiSelectQuestion<T>): Promise<T[]> {
    const allowed: readonly string[] = q.choices.map((c) => c.value);
    const check = (v: Answer): Checked<T[]> => {
      if (!Array.isArray(v)) return bad(`expected a list, got ${JSON.stringify(v)}`);
      const unknown = v.filter((x) => !allowed.includes(x));
      return unknown.length ? bad(`unknown ${unknown.join(", ")}; choose from ${allowed.join(", ")}`) : ok(v as T[]);
    };
    const { default: given, ...rest } = q;
    const q2 = given ? { ...rest, default: [...given] } : rest;
    const known = await this.known(q, check, (t, recorded) => t.multiSelect({ ...q, default: recorded }));
    return known ?? this.accept(q, await this.fresh<T[]>(q2, (t) => t.multiSelect(q)), check);
  }

  async secret(q: SecretQuestion): Promise<string> {
    if (this.o.terminal && !this.o.yes) return this.o.terminal.secret(q);
    throw new UsageError(`No answer for "${q.message}": secrets are never read from --config and there is no terminal to ask.`, {
      hint: q.env ? `Set ${q.env} in the environment.` : "Run in a terminal without --yes.",
    });
  }

  async confirmDestructive(q: DestructiveQuestion): Promise<boolean> {
    for (const line of q.consequences ?? []) this.o.reporter.warn(line);
    // An explicit answer in --config wins over --yes: "cleanup.dropSlot": false keeps the slot.
    if (Object.hasOwn(this.o.config, q.id)) {
      const v = this.o.config[q.id];
      if (typeof v !== "boolean") throw this.badConfig(q.id, `expected true or false, got ${JSON.stringify(v)}`);
      return v;
    }
    if (this.o.yes) return true;
    if (this.o.terminal) return this.o.terminal.confirm({ id: q.id, message: q.message, default: false });
    throw new UsageError(`"${q.message}" needs a confirmation and there is no terminal to ask.`, {
      hint: `Pass --yes, or add "${q.id}": true to the --config file.`,
    });
  }
}

type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };
const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(problem: string): Checked<T> => ({ ok: false, problem });
