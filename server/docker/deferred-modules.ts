import Module, { createRequire } from 'node:module';
import path from 'node:path';

/**
 * dockerode loads two parts on require that the hub uses only when asked: docker-modem's SSH
 * transport (ssh2, whose poly1305 WebAssembly module allocates a 16 MB heap as it loads) for
 * `DOCKER_HOST=ssh://...`, and BuildKit sessions (@grpc/grpc-js, protobufjs) for image builds
 * with `version: '2'`. In every hub process that was about 5 MB of RSS, 3 MB of V8 heap and
 * 17 MB of external memory (bench/scale.ts, `--heap-snapshot`). Before dockerode is first
 * loaded, each of the two modules (a single exported function each) is put in the module cache
 * as a function that loads the real one on its first call, so both still work when used.
 *
 * Node's own module cache only: under jest's module registry nothing is deferred.
 */
const load = createRequire(__filename);

function deferModule(file: string): void {
  if (load.cache[file]) return;
  let real: ((...args: unknown[]) => unknown) | undefined;
  const stub = new Module(file);
  stub.filename = file;
  stub.loaded = true;
  stub.exports = function loadOnFirstCall(this: unknown, ...args: unknown[]): unknown {
    if (!real) {
      delete load.cache[file];
      real = load(file) as (...args: unknown[]) => unknown;
    }
    return real.apply(this, args);
  };
  load.cache[file] = stub;
}

const dockerode = path.dirname(load.resolve('dockerode/package.json'));
deferModule(load.resolve('docker-modem/lib/ssh.js', { paths: [dockerode] }));
deferModule(path.join(dockerode, 'lib', 'session.js'));
