/** Writes the console into `outDir`; returns the names of the files written. */
export function buildConsole(outDir: string): Promise<string[]>;
