import type { Command } from 'commander';
import type { Hub } from '../hub';

/** `hub app ...`: registered applications and grants, as SimPhoNy-Remote's remoteappdb. */
export function registerAppCommands(
  program: Command,
  withHub: (fn: (hub: Hub) => Promise<void>) => Promise<void>,
): void {
  void program;
  void withHub;
}
