import { ConfigError } from './config/load';
import { type RunningHub, startHub } from './compose';
import { logger } from './log';

const log = logger('main');

/** Entry point: start, print the one line tests and scripts wait for, stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  // Handlers first: a SIGTERM that arrives while starting must still stop the hub cleanly.
  let running: RunningHub | undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    if (!running) return; // main() stops the hub as soon as startHub() returns
    running
      .close()
      .then(() => process.exit(0))
      .catch((err) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    running = await startHub();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`hub: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const { hub } = running;
  if (running.generatedAdminPassword) {
    process.stdout.write(
      `\n  First admin "${hub.config.admin_user}" created with password: ${running.generatedAdminPassword}\n  (shown once; change it after logging in)\n\n`,
    );
  }
  if (stopping) {
    stopping = false;
    stop('SIGTERM');
    return;
  }
  process.stdout.write(`hub listening on ${running.url}\n`);
}

main().catch((err) => {
  log.fatal({ err }, 'hub failed to start');
  process.stderr.write(`hub: failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
