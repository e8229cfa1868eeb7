/**
 * What every CLI command shares: one backend per process, opened on first use (help and
 * usage errors never touch the database) and closed before the process exits.
 */
import { openBackend, type Backend } from '../backend';

/** A destructive command was run without --yes. Exit code 1. */
export class ConfirmationRequired extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfirmationRequired';
  }
}

let backend: Backend | undefined;

export function useBackend(): Backend {
  backend ??= openBackend();
  return backend;
}

export function closeBackend(): void {
  if (backend) {
    backend.db.$client.close();
    backend = undefined;
  }
}
