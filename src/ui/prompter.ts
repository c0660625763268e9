import { UsageError } from "../errors.js";
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

/** The one way steps ask anything. Tests script it by question id. */
export interface Prompter {
  text(q: TextQuestion): Promise<string>;
  number(q: NumberQuestion): Promise<number>;
  confirm(q: ConfirmQuestion): Promise<boolean>;
  select<T extends string>(q: SelectQuestion<T>): Promise<T>;
  multiSelect<T extends string>(q: MultiSelectQuestion<T>): Promise<T[]>;
  secret(q: SecretQuestion): Promise<string>;
  confirmDestructive(q: DestructiveQuestion): Promise<boolean>;
}

/** Where recorded answers live (the state file's `answers`). */
export interface AnswerBook {
  get(id: string): Answer | undefined;
  set(id: string, value: Answer): void;
}

export interface AnsweringPrompterOptions {
  book: AnswerBook;
  /** Answers from --config, keyed by question id. */
  config: Readonly<Record<string, Answer>>;
  configPath?: string;
  /** Undefined when there is no terminal to ask (no TTY, CI). */
  terminal?: Terminal;
  /** --yes: take defaults, confirm destructive actions, never prompt. */
  yes: boolean;
  reporter: Reporter;
}

/**
 * Answers each question from, in order: the state file (answered before, so `resume` never
 * asks again), --config, the terminal, or the default under --yes. A required answer that
 * none of them gives is an error naming the config key.
 */
export class AnsweringPrompter implements Prompter {
  constructor(private readonly o: AnsweringPrompterOptions) {}

  private missing(q: { id: string; message: string; help?: string }, why: string): UsageError {
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

  /**
   * The recorded answer, else the configured one (validated, then recorded), else undefined.
   * A recorded answer that no longer validates is asked again; a bad config answer is an error.
   */
  private known<T extends Answer>(id: string, check: (v: Answer) => Checked<T>): T | undefined {
    const recorded = this.o.book.get(id);
    if (recorded !== undefined) {
      const checked = check(recorded);
      if (checked.ok) return checked.value;
    }
    if (Object.hasOwn(this.o.config, id)) {
      const checked = check(this.o.config[id] as Answer);
      if (!checked.ok) throw this.badConfig(id, checked.problem);
      this.o.book.set(id, checked.value);
      return checked.value;
    }
    return undefined;
  }

  /** Asks the terminal, or takes the default under --yes, or fails naming the config key. */
  private async fresh<T>(q: { id: string; message: string; help?: string; default?: T }, ask: (t: Terminal) => Promise<T>): Promise<T> {
    const terminal = this.o.yes ? undefined : this.o.terminal;
    if (terminal) return ask(terminal);
    if (this.o.yes && q.default !== undefined) return q.default;
    throw this.missing(q, this.o.yes ? "--yes has no default for it" : "no terminal to ask");
  }

  private accept<T extends Answer>(q: { id: string; message: string }, value: T, check: (v: Answer) => Checked<T>): T {
    const checked = check(value);
    if (!checked.ok) throw new UsageError(`${JSON.stringify(value)} is not a valid answer to "${q.message}": ${checked.problem}.`);
    this.o.book.set(q.id, checked.value);
    return checked.value;
  }

  async text(q: TextQuestion): Promise<string> {
    const check = (v: Answer): Checked<string> => {
      if (typeof v !== "string") return bad(`expected text, got ${JSON.stringify(v)}`);
      const problem = q.validate?.(v);
      return problem === undefined ? ok(q.normalize ? q.normalize(v) : v) : bad(problem);
    };
    const recorded = this.o.book.get(q.id);
    if (q.askAgain && typeof recorded === "string" && this.o.terminal && !this.o.yes) {
      const again = { ...q, default: recorded };
      return this.accept(q, await this.o.terminal.text(again), check);
    }
    return this.known(q.id, check) ?? this.accept(q, await this.fresh(q, (t) => t.text(q)), check);
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
    return this.known(q.id, check) ?? this.accept(q, await this.fresh(q, (t) => t.number(q)), check);
  }

  async confirm(q: ConfirmQuestion): Promise<boolean> {
    const check = (v: Answer): Checked<boolean> => (typeof v === "boolean" ? ok(v) : bad(`expected true or false, got ${JSON.stringify(v)}`));
    return this.known(q.id, check) ?? this.accept(q, await this.fresh(q, (t) => t.confirm(q)), check);
  }

  async select<T extends string>(q: SelectQuestion<T>): Promise<T> {
    const allowed: readonly string[] = q.choices.map((c) => c.value);
    const check = (v: Answer): Checked<T> =>
      typeof v === "string" && allowed.includes(v) ? ok(v as T) : bad(`expected one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
    return this.known(q.id, check) ?? this.accept(q, await this.fresh(q, (t) => t.select(q)), check);
  }

  async multiSelect<T extends string>(q: MultiSelectQuestion<T>): Promise<T[]> {
    const allowed: readonly string[] = q.choices.map((c) => c.value);
    const check = (v: Answer): Checked<T[]> => {
      if (!Array.isArray(v)) return bad(`expected a list, got ${JSON.stringify(v)}`);
      const unknown = v.filter((x) => !allowed.includes(x));
      return unknown.length ? bad(`unknown ${unknown.join(", ")}; choose from ${allowed.join(", ")}`) : ok(v as T[]);
    };
    const q2 = { ...q, default: q.default ? [...q.default] : undefined };
    return this.known(q.id, check) ?? this.accept(q, await this.fresh(q2, (t) => t.multiSelect(q)), check);
  }

  async secret(q: SecretQuestion): Promise<string> {
    if (this.o.terminal && !this.o.yes) return this.o.terminal.secret(q);
    throw new UsageError(`No answer for "${q.message}": secrets are never read from --config and there is no terminal to ask.`, {
      hint: q.env ? `Set ${q.env} in the environment.` : "Run in a terminal without --yes.",
    });
  }

  async confirmDestructive(q: DestructiveQuestion): Promise<boolean> {
    for (const line of q.consequences ?? []) this.o.reporter.warn(line);
    if (this.o.yes) return true;
    if (Object.hasOwn(this.o.config, q.id)) {
      const v = this.o.config[q.id];
      if (typeof v !== "boolean") throw this.badConfig(q.id, `expected true or false, got ${JSON.stringify(v)}`);
      return v;
    }
    if (this.o.terminal) return this.o.terminal.confirm({ id: q.id, message: q.message, default: false });
    throw new UsageError(`"${q.message}" needs a confirmation and there is no terminal to ask.`, {
      hint: `Pass --yes, or add "${q.id}": true to the --config file.`,
    });
  }
}

type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };
const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const bad = <T>(problem: string): Checked<T> => ({ ok: false, problem });
