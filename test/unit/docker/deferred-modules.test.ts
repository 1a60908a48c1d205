import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * The hub's Docker client does not load dockerode's SSH transport (ssh2 and its 16 MB
 * WebAssembly heap) or BuildKit sessions (gRPC) until one is used, and both still load when
 * called. Run in a plain Node process: jest's module registry is not Node's module cache.
 */
const ROOT = path.resolve(__dirname, '..', '..', '..');

function inNode(script: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

const LOADED = `(name) => Object.keys(require.cache).some((f) => f.includes('/node_modules/' + name + '/'))`;

test('loading the Docker client leaves ssh2 and gRPC unloaded', () => {
  const r = inNode(`
    require('./server/docker/client');
    const loaded = ${LOADED};
    console.log(JSON.stringify({ dockerode: loaded('dockerode'), ssh2: loaded('ssh2'), grpc: loaded('@grpc/grpc-js') }));
  `);
  expect(r).toEqual({ dockerode: true, ssh2: false, grpc: false });
});

test('the SSH transport loads on its first use and builds its agent', () => {
  const r = inNode(`
    require('./server/docker/client');
    const dockerode = require('node:path').dirname(require.resolve('dockerode/package.json'));
    const ssh = require(require.resolve('docker-modem/lib/ssh.js', { paths: [dockerode] }));
    const agent = ssh({ host: '127.0.0.1' });
    const again = ssh({ host: '127.0.0.1' });
    const loaded = ${LOADED};
    console.log(JSON.stringify({
      agent: typeof agent.createConnection,
      again: typeof again.createConnection,
      ssh2: loaded('ssh2'),
    }));
  `);
  expect(r).toEqual({ agent: 'function', again: 'function', ssh2: true });
});
