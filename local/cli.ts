/**
 * The one runner of the local CLIs (`npm run teams`, `events`, `ops`): flags parsed with `node:util`
 * `parseArgs`, a bad flag or a `UsageError` answered with the message and the usage (exit 2), and the process
 * exit code set when the module is the program (any other error: its message, exit 1).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export type Out = (line: string) => void;

/** A mistake of the caller: answered with the usage, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;
export type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>
>;

export interface Cli<O extends Options> {
  readonly usage: string;
  readonly options: O;
  run(parsed: Parsed<O>, out: Out): Promise<number>;
}

/** Runs a CLI on `argv`; returns its exit code. */
export async function runCli<O extends Options>(cli: Cli<O>, argv: string[], out: Out): Promise<number> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: argv, options: cli.options, allowPositionals: true });
  } catch (error) {
    out(`${(error as Error).message}\n${cli.usage}`);
    return 2;
  }
  try {
    return await cli.run(parsed, out);
  } catch (error) {
    if (error instanceof UsageError) {
      out(`${error.message}\n${cli.usage}`);
      return 2;
    }
    throw error;
  }
}

/** When `moduleUrl` is the program (`tsx local/x-cli.ts …`), runs `main` with its arguments and exits. */
export function runAsProgram(
  moduleUrl: string,
  name: string,
  main: (argv: string[]) => Promise<number>,
): void {
  if (moduleUrl !== `file://${process.argv[1]}`) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`${name}: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
