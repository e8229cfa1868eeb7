/** Small helpers shared by the coordinator's modules. */

/** Progress goes to stderr; the report goes to stdout. */
export const log = (line: string) => process.stderr.write(`${line}\n`);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
