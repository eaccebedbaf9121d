/**
 * The engine's timing facts with TLS's writes completed at once (the normal case: the fast path,
 * on the Node majors CI runs); on the safe path every step resolves one check phase later.
 */
import { tlsPath } from '../../lib/emulated/tls/node-internals/probe';
import { engineTimingSuite } from './support/tls-engine-timing';

engineTimingSuite(tlsPath() === 'fast' ? 0 : 1);
