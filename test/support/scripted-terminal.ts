import type { Terminal } from "../../src/ui/terminal.js";

/**
 * A terminal whose answers are scripted by question id. Asking a question that has no
 * scripted answer fails the test, so "was not asked again" is checked for free.
 */
export class ScriptedTerminal implements Terminal {
  readonly asked: string[] = [];
  constructor(private readonly answers: Record<string, unknown>) {}

  private take<T>(id: string): Promise<T> {
    this.asked.push(id);
    if (!Object.hasOwn(this.answers, id)) return Promise.reject(new Error(`Unexpected question "${id}"`));
    const a = this.answers[id];
    return typeof a === "function" ? (a as () => Promise<T>)() : Promise.resolve(a as T);
  }
  text(q: { id: string }): Promise<string> {
    return this.take(q.id);
  }
  number(q: { id: string }): Promise<number> {
    return this.take(q.id);
  }
  confirm(q: { id: string }): Promise<boolean> {
    return this.take(q.id);
  }
  select<T extends string>(q: { id: string }): Promise<T> {
    return this.take(q.id);
  }
  multiSelect<T extends string>(q: { id: string }): Promise<T[]> {
    return this.take(q.id);
  }
  secret(q: { id: string }): Promise<string> {
    return this.take(q.id);
  }
}
