import type Router from '@koa/router';
import type { Hub } from '../hub';
import { adminApplicationsRouter } from './admin-applications';
import { adminAuditRouter } from './admin-audit';
import { adminContainersRouter } from './admin-containers';
import { adminGrantsRouter } from './admin-grants';
import { containersRouter } from './containers';
import { applicationsRouter } from './applications';
import { adminUsersRouter } from './admin-users';
import { meRouter } from './me';
import { openApiRouter } from './openapi-route';
import { operatorRouter } from './operator';
import { shareLinkRouter, sharesRouter } from './shares';
import { simphonyRouter } from './simphony';
import { tokensRouter } from './tokens';

/** Every router of the REST API, one factory per resource, mounted in this order by app.ts. */
export const ROUTERS: Array<(hub: Hub) => Router> = [
  operatorRouter,
  meRouter,
  tokensRouter,
  adminUsersRouter,
  adminAuditRouter,
  applicationsRouter,
  adminApplicationsRouter,
  adminGrantsRouter,
  containersRouter,
  sharesRouter,
  shareLinkRouter,
  adminContainersRouter,
  simphonyRouter,
  openApiRouter,
];
