/** The memory store against the store contract, and a broker restart on the same persistence. */
import { brokerRestartContract } from './broker-restart.contract';
import { MemoryPersistence, MemorySessionStore } from './memory';
import { sessionStoreContract } from './session-store.contract';

sessionStoreContract('memory', () => new MemorySessionStore());

brokerRestartContract('memory', {
  first: () => new MemoryPersistence(),
  afterRestart: (previous) => previous,
});
