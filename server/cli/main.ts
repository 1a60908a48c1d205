import { Command } from 'commander';
import { ConfigError } from '../config/load';
import { HubError } from '../errors';
import { type Core, openCore } from '../core';
import { registerTokenCommands } from './tokens';
import { registerUserCommands } from './users';
import { registerAppCommands } from './apps';

/**
 * `hub`: the operator's command line, on the same database and rules as the running hub.
 * Exit codes: 0 done, 1 refused (bad input, not found), 2 bad configuration, 3 unexpected.
 */
export function buildProgram(): Command {
  const program = new Command('hub')
    .description('manage the application hub: users, applications, grants, tokens')
    .showHelpAfterError();
  const withHub = async (fn: (hub: Core) => Promise<void>) => {
    let hub: Core | undefined;
    try {
      hub = await openCore();
      await fn(hub);
    } catch (err) {
      if (err instanceof ConfigError) {
        console.error(`hub: ${err.message}`);
        process.exitCode = 2;
      } else if (err instanceof HubError && err.expose) {
        console.error(`hub: ${err.message}`);
        process.exitCode = 1;
      } else {
        console.error(`hub: unexpected error: ${(err as Error).message}`);
        process.exitCode = 3;
      }
    } finally {
      await hub?.db.destroy();
    }
  };
  registerUserCommands(program, withHub);
  registerAppCommands(program, withHub);
  registerTokenCommands(program, withHub);
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err) => {
      console.error(`hub: ${(err as Error).message}`);
      process.exitCode = 1;
    });
}
