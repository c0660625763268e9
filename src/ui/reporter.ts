import { Chalk, type ChalkInstance } from "chalk";
import ora from "ora";

/** A live line for long waits. On a non-TTY it prints only the final outcome. */
export interface Spinner {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

/**
 * Everything the tool tells the person goes through here. Human text goes to stderr when
 * `--json` is on, so stdout holds only the machine-readable result.
 */
export interface Reporter {
  readonly color: ChalkInstance;
  heading(text: string): void;
  info(text: string): void;
  success(text: string): void;
  warn(text: string): void;
  error(text: string): void;
  /** Shown only with --verbose. */
  detail(text: string): void;
  spinner(text: string): Spinner;
  /**
   * The machine-readable result of a command (only in --json mode): it becomes the `result` of
   * the one envelope the CLI writes on stdout when the command ends (ui/json-envelope.ts); a
   * later call replaces an earlier one.
   */
  json(value: unknown): void;
  readonly jsonMode: boolean;
}

export interface ConsoleReporterOptions {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  color: boolean;
  verbose: boolean;
  json: boolean;
  /** Takes the result under --json (the CLI's envelope); without it json() writes the value to stdout at once. */
  onJson?: (value: unknown) => void;
}

export class ConsoleReporter implements Reporter {
  readonly color: ChalkInstance;
  readonly jsonMode: boolean;
  private readonly human: NodeJS.WritableStream & { isTTY?: boolean };

  constructor(private readonly options: ConsoleReporterOptions) {
    this.color = new Chalk({ level: options.color ? 1 : 0 });
    this.jsonMode = options.json;
    this.human = options.json ? options.stderr : options.stdout;
  }

  private line(text: string): void {
    this.human.write(text + "\n");
  }

  heading(text: string): void {
    this.line("\n" + this.color.bold(text));
  }
  info(text: string): void {
    this.line(text);
  }
  success(text: string): void {
    this.line(this.color.green("✔ ") + text);
  }
  warn(text: string): void {
    this.line(this.color.yellow("! ") + text);
  }
  error(text: string): void {
    this.options.stderr.write(this.color.red("✖ ") + text + "\n");
  }
  detail(text: string): void {
    if (this.options.verbose) this.line(this.color.dim(text));
  }
  json(value: unknown): void {
    if (!this.jsonMode) return;
    if (this.options.onJson) this.options.onJson(value);
    else this.options.stdout.write(JSON.stringify(value, null, 2) + "\n");
  }

  spinner(text: string): Spinner {
    if (!this.human.isTTY) {
      // No live line in logs: say what started, then a progress line at most every 15 s.
      let last = text;
      let printedAt = Date.now();
      this.line(`… ${text}`);
      return {
        update: (t) => {
          if (t !== last && Date.now() - printedAt >= 15_000) {
            this.line(`… ${t}`);
            printedAt = Date.now();
          }
          last = t;
        },
        succeed: (t) => this.success(t ?? last),
        fail: (t) => this.error(t ?? last),
        stop: () => undefined,
      };
    }
    const s = ora({ text, stream: this.human, color: "cyan", isEnabled: true }).start();
    return {
      update: (t) => {
        s.text = t;
      },
      succeed: (t) => {
        s.stopAndPersist({ symbol: this.color.green("✔"), text: t ?? s.text });
      },
      fail: (t) => {
        s.stopAndPersist({ symbol: this.color.red("✖"), text: t ?? s.text });
      },
      stop: () => {
        s.stop();
      },
    };
  }
}

/** Collects everything said, for tests and for embedding. */
export class MemoryReporter implements Reporter {
  readonly color: ChalkInstance = new Chalk({ level: 0 });
  readonly lines: string[] = [];
  readonly jsonValues: unknown[] = [];
  constructor(
    readonly jsonMode = false,
    private readonly verbose = false,
  ) {}

  heading(text: string): void {
    this.lines.push(text);
  }
  info(text: string): void {
    this.lines.push(text);
  }
  success(text: string): void {
    this.lines.push(`✔ ${text}`);
  }
  warn(text: string): void {
    this.lines.push(`! ${text}`);
  }
  error(text: string): void {
    this.lines.push(`✖ ${text}`);
  }
  detail(text: string): void {
    if (this.verbose) this.lines.push(text);
  }
  json(value: unknown): void {
    this.jsonValues.push(value);
  }
  spinner(text: string): Spinner {
    let last = text;
    return {
      update: (t) => {
        last = t;
      },
      succeed: (t) => this.success(t ?? last),
      fail: (t) => this.error(t ?? last),
      stop: () => undefined,
    };
  }
  get text(): string {
    return this.lines.join("\n");
  }
}
