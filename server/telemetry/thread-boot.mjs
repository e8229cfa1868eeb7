// Entry of the telemetry worker thread. The broker runs under tsx, but Node 20 does not pass
// tsx's loader on to worker threads: register it here, then load the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
