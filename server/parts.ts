import type { Logger } from './log';

/**
 * A part of the hub with a life cycle (catalogue, spawner, proxy). The composition root starts
 * them in order, after the database and before the port opens ("reconcile before serving"),
 * and stops them in reverse order.
 */
export interface HubPart {
  readonly name: string;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

/** The parts started so far, so a failed start or a close stops exactly those, newest first. */
export class StartedParts {
  private readonly started: HubPart[] = [];

  constructor(private readonly log: Logger) {}

  /** Starts `part` and returns it, so its typed fields can be read from the result. */
  async start<P extends HubPart>(part: P): Promise<P> {
    await part.start?.();
    this.started.push(part);
    return part;
  }

  /** Stops every started part, newest first; a failing stop is logged and the rest go on. */
  async stopAll(): Promise<void> {
    for (const part of this.started.splice(0).reverse()) {
      await part
        .stop?.()
        .catch((err) => this.log.error({ err, part: part.name }, 'part stop failed'));
    }
  }
}
