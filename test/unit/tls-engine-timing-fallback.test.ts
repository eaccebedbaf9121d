/**
 * The engine's timing facts when Node's internals do not let it complete TLS's writes itself
 * (write-completion.ts finds no JSStreamSocket to finish): every step still has all its output
 * when it resolves, one check phase later.
 */
import { engineTimingSuite } from './support/tls-engine-timing';

jest.mock('../../lib/emulated/tls/node-internals/write-completion', () => ({
  writeFinisherOf: () => undefined,
}));

engineTimingSuite(1);
