import type { AdminContainer, Container, ContainerStatus } from '../api/wire';
import { encodeSegment } from '../proxy/path';

/** Who asks: the identity the auth middleware set. */
export interface Caller {
  userId: number;
  name: string;
}

/** What a view is made from (a ContainerRecord). */
export interface Managed {
  readonly urlId: string;
  readonly user: string;
  readonly mappingId: string;
  readonly image: string;
  readonly uiName: string;
  readonly status: ContainerStatus;
  readonly startedAt: Date;
}

/** A container as its owner sees it (GET /api/v1/containers): declared on the wire. */
export type ContainerView = Container;

/** What a start call gets: the container, and whether this call (or one it joined) started it. */
export interface StartResult {
  container: ContainerView;
  created: boolean;
}

/** A container as the admin sees it: any user's. */
export type AdminContainerView = AdminContainer;

/** The URL path a container is served under (also where readiness probes). */
export function containerPath(user: string, urlId: string): string {
  return `/user/${encodeSegment(user)}/containers/${urlId}/`;
}

/** The JSON of one container; `lastActivity` from the route table, culling from the config. */
export function toView(rec: Managed, lastActivity: number, idleSeconds: number): ContainerView {
  return {
    url_id: rec.urlId,
    url: containerPath(rec.user, rec.urlId),
    status: rec.status,
    mapping_id: rec.mappingId,
    image: rec.image,
    ui_name: rec.uiName,
    started_at: rec.startedAt.toISOString(),
    last_activity: new Date(lastActivity).toISOString(),
    cull_at:
      idleSeconds > 0 && rec.status === 'running'
        ? new Date(lastActivity + idleSeconds * 1000).toISOString()
        : null,
  };
}
