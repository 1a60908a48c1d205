/**
 * Imports every part so it registers its factory in PARTS (server/parts.ts), in start order:
 * catalogue, then spawner (which needs the catalogue and the proxy's routes), then proxy.
 */
import './catalog/part';
import './spawner/part';
import './proxy/part';
