/** The engine's timing facts with TLS's writes completed at once (the normal case). */
import { engineTimingSuite } from './support/tls-engine-timing';

engineTimingSuite(0);
