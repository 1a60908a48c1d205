import { HubError } from '../errors';

/** The container stopped before the app answered; carries the exit code for the message. */
export class ContainerDied extends Error {
  constructor(readonly exitCode: number | null) {
    super(`the container stopped before the app answered (exit code ${exitCode ?? 'unknown'})`);
  }
}

/** A start was cancelled because the container was stopped meanwhile. */
export class StartCancelled extends HubError {
  constructor() {
    super(409, 'cancelled', 'the start was cancelled because the application was stopped');
  }
}
