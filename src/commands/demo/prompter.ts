/**
 * How the demo asks its questions. Unattended (--yes) the demo's prepared answers are taken as
 * if from a --config file. Interactively every question is asked, with the demo's answer
 * preselected as its default, so a person can press Enter through the whole wizard and still
 * see (and change) each choice; destructive confirmations default to yes, since everything
 * they touch was made by the demo. Passwords are never asked: the demo's servers use trust
 * authentication (with --source/--target servers, a password in the URL or PGPASSWORD is used).
 */
import type { Answer } from "../../state/schema.js";
import type { Prompter } from "../../ui/prompter.js";
import type { ConfirmQuestion, DestructiveQuestion, MultiSelectQuestion, NumberQuestion, SecretQuestion, SelectQuestion, TextQuestion } from "../../ui/questions.js";
import type { Reporter } from "../../ui/reporter.js";
import type { Terminal } from "../../ui/terminal.js";

export interface DemoPrompterOptions {
  inner: Prompter;
  /** The demo's answers: defaults when interactive (the inner prompter then has them as config when unattended). */
  presets: Readonly<Record<string, Answer>>;
  /** Set when a person is asked (interactive); undefined under --yes or without a TTY. */
  terminal?: Terminal;
  /** Answers from the user's --config: never asked again. */
  config: Readonly<Record<string, Answer>>;
  /** Passwords by question id (`source.password`, `target.password`), memory only. */
  secrets: Readonly<Record<string, string>>;
  reporter: Reporter;
}

export class DemoPrompter implements Prompter {
  constructor(private readonly o: DemoPrompterOptions) {}

  private preset<T>(id: string, fallback: T | undefined, ok: (v: Answer) => v is Answer & T): T | undefined {
    const v = this.o.presets[id];
    return v !== undefined && ok(v) ? v : fallback;
  }

  text(q: TextQuestion): Promise<string> {
    return this.o.inner.text({ ...q, ...withDefault(this.preset(q.id, q.default, (v): v is string => typeof v === "string")) });
  }

  number(q: NumberQuestion): Promise<number> {
    return this.o.inner.number({ ...q, ...withDefault(this.preset(q.id, q.default, (v): v is number => typeof v === "number")) });
  }

  confirm(q: ConfirmQuestion): Promise<boolean> {
    return this.o.inner.confirm({ ...q, default: this.preset(q.id, q.default, (v): v is boolean => typeof v === "boolean") ?? q.default });
  }

  select<T extends string>(q: SelectQuestion<T>): Promise<T> {
    const allowed = (v: Answer): v is T => typeof v === "string" && q.choices.some((c) => c.value === v);
    return this.o.inner.select({ ...q, ...withDefault(this.preset<T>(q.id, q.default, allowed)) });
  }

  multiSelect<T extends string>(q: MultiSelectQuestion<T>): Promise<T[]> {
    const allowed = (v: Answer): v is T[] => Array.isArray(v) && v.every((x) => q.choices.some((c) => c.value === x));
    return this.o.inner.multiSelect({ ...q, ...withDefault<readonly T[]>(this.preset<T[]>(q.id, q.default ? [...q.default] : undefined, allowed)) });
  }

  secret(q: SecretQuestion): Promise<string> {
    return Promise.resolve(this.o.secrets[q.id] ?? process.env["PGPASSWORD"] ?? "");
  }

  async confirmDestructive(q: DestructiveQuestion): Promise<boolean> {
    const terminal = this.o.terminal;
    if (!terminal || Object.hasOwn(this.o.config, q.id)) return this.o.inner.confirmDestructive(q);
    for (const line of q.consequences ?? []) this.o.reporter.warn(line);
    return terminal.confirm({ id: q.id, message: q.message, default: true });
  }
}

function withDefault<T>(value: T | undefined): { default?: T } {
  return value === undefined ? {} : { default: value };
}
