import type {
  ConfirmQuestion,
  MultiSelectQuestion,
  NumberQuestion,
  SecretQuestion,
  SelectQuestion,
  TextQuestion,
} from "./questions.js";

/** Asks a person directly. The prompter decides whether a question reaches the terminal at all. */
export interface Terminal {
  text(q: TextQuestion): Promise<string>;
  number(q: NumberQuestion): Promise<number>;
  confirm(q: ConfirmQuestion): Promise<boolean>;
  select<T extends string>(q: SelectQuestion<T>): Promise<T>;
  multiSelect<T extends string>(q: MultiSelectQuestion<T>): Promise<T[]>;
  secret(q: SecretQuestion): Promise<string>;
}

/**
 * @inquirer/prompts on the real terminal; Ctrl-C at a prompt rejects with an abort error.
 * `output` is where the prompts are drawn (default stdout; stderr under --json, so stdout
 * holds only the JSON document).
 */
export async function inquirerTerminal(signal: AbortSignal, output?: NodeJS.WritableStream): Promise<Terminal> {
  const p = await import("@inquirer/prompts");
  const ctx = { signal, clearPromptOnDone: false, ...(output ? { output } : {}) };
  const withHelp = (q: { message: string; help?: string }): string => (q.help ? `${q.message}\n  ${q.help}\n ` : q.message);
  return {
    text: (q) =>
      p.input(
        {
          message: withHelp(q),
          ...(q.default === undefined ? {} : { default: q.default }),
          validate: (v: string) => q.validate?.(v) ?? true,
        },
        ctx,
      ),
    number: async (q) => {
      const value = await p.number(
        {
          message: withHelp(q),
          ...(q.default === undefined ? {} : { default: q.default }),
          ...(q.min === undefined ? {} : { min: q.min }),
          ...(q.max === undefined ? {} : { max: q.max }),
          step: q.integer ? 1 : "any",
          required: true,
        },
        ctx,
      );
      return value ?? q.default ?? 0;
    },
    confirm: (q) => p.confirm({ message: withHelp(q), default: q.default }, ctx),
    select: <T extends string>(q: SelectQuestion<T>) =>
      p.select<T>(
        {
          message: withHelp(q),
          choices: q.choices.map((c) => ({ value: c.value, name: c.name, ...(c.description ? { description: c.description } : {}) })),
          ...(q.default === undefined ? {} : { default: q.default }),
        },
        ctx,
      ),
    multiSelect: <T extends string>(q: MultiSelectQuestion<T>) =>
      p.checkbox<T>(
        {
          message: withHelp(q),
          choices: q.choices.map((c) => ({
            value: c.value,
            name: c.name,
            checked: q.default?.includes(c.value) ?? false,
          })),
        },
        ctx,
      ),
    secret: (q) => p.password({ message: withHelp(q), mask: "*" }, ctx),
  };
}
