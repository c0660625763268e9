import type { AwsClientConfig } from "./ports.js";

/**
 * Runs `make` once, on first use, and shares the result. Each SDK package is imported
 * dynamically inside `make`, so `--help` and commands that never touch AWS do not pay for it.
 */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((err: unknown) => {
      made = undefined;
      throw err;
    });
    return made;
  };
}

/**
 * Options every SDK client gets: --region / --profile when given, else the SDK's default
 * chain (AWS_REGION, AWS_PROFILE, SSO, instance roles…). Standard retries with a few more
 * attempts than the default 3, because DMS and RDS throttle Describe calls under load.
 */
export function clientOptions(config: AwsClientConfig): { region?: string; profile?: string; maxAttempts: number; retryMode: string } {
  // The SDK warns on Node 20 that *future* SDK releases will need Node 22. Our client versions
  // are pinned in package.json, so the warning says nothing about this tool and would only
  // scare a user in the middle of the wizard. A user who set the variable keeps their choice.
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  return {
    ...(config.region ? { region: config.region } : {}),
    ...(config.profile ? { profile: config.profile } : {}),
    maxAttempts: SDK_MAX_ATTEMPTS,
    retryMode: "standard",
  };
}

/** Tries per call, the first included; quoted in the throttling message. */
export const SDK_MAX_ATTEMPTS = 5;

/** The output an SDK command answers with, read off its type (`resolveMiddleware`'s handler). */
export type CommandOutput<C> = C extends { resolveMiddleware(...args: never[]): (...args: never[]) => Promise<{ output: infer O }> } ? O : never;

/** What every SDK client has in common here: `send(command)`. */
interface SdkClient {
  send(command: never): Promise<unknown>;
}

/**
 * One SDK client, created on the first call (the package is imported then, not before), and the
 * one way every port method reaches it: `send((sdk) => new sdk.XCommand(input))`. Failures are
 * translated once for all services in instrument.ts, so nothing is caught here.
 */
export function lazySdk<S>(load: () => Promise<S>, makeClient: (sdk: S) => SdkClient): <C extends object>(command: (sdk: S) => C) => Promise<CommandOutput<C>> {
  const ready = once(async () => {
    const sdk = await load();
    return { sdk, client: makeClient(sdk) };
  });
  return async (command) => {
    const { sdk, client } = await ready();
    // The SDK's send is typed per client; `CommandOutput` recovers what this command answers.
    return (await client.send(command(sdk) as never)) as CommandOutput<ReturnType<typeof command>>;
  };
}
