/**
 * The engine's timing facts with TLS's writes completed at once (the normal case, on the Node
 * majors CI runs); on another Node the engine takes the safe path, one check phase later.
 */
import { FAST_PATH_MAJORS } from '../../lib/emulated/tls/node-internals/probe';
import { engineTimingSuite } from './support/tls-engine-timing';

const major = Number(process.versions.node.split('.')[0]);
engineTimingSuite(FAST_PATH_MAJORS.includes(major) ? 0 : 1);
