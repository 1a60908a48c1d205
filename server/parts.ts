import type { Hub } from './hub';

/**
 * A replaceable part of the hub with a life cycle (catalogue, spawner, proxy, culler...).
 * Parts start in the order of PARTS, after the database and before the port opens ("reconcile
 * before serving"), and stop in reverse order.
 */
export interface HubPart {
  readonly name: string;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type PartFactory = (hub: Hub) => HubPart;

/** Each part registers its factory here, once. */
export const PARTS: PartFactory[] = [];
