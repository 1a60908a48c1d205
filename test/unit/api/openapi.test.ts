import fs from 'node:fs';
import { ROUTERS } from '../../../server/api';
import { documentedRoutes, openApiDocument } from '../../../server/api/openapi';
import { OPENAPI_FILE } from '../../../server/api/openapi-file';
import { loginRouter } from '../../../server/auth/login-routes';
import type { Hub } from '../../../server/hub';

/** Every `METHOD /path` the Koa routers answer (HEAD rides along with GET; `use` layers skipped). */
function registeredRoutes(): string[] {
  // Building a router only closes over the hub; no route runs here.
  const hub = {} as Hub;
  const routes = new Set<string>();
  for (const router of [loginRouter(hub), ...ROUTERS.map((make) => make(hub))]) {
    for (const layer of router.stack) {
      for (const method of layer.methods) {
        if (method !== 'HEAD') routes.add(`${method} ${layer.path}`);
      }
    }
  }
  return [...routes].sort();
}

describe('the OpenAPI document', () => {
  it('documents every route the routers register, and nothing they do not', () => {
    const documented = [...documentedRoutes()].sort();
    const registered = registeredRoutes();
    expect({
      undocumented: registered.filter((r) => !documented.includes(r)),
      unserved: documented.filter((r) => !registered.includes(r)),
    }).toEqual({ undocumented: [], unserved: [] });
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('is committed as generated (run `npm run openapi` after changing the wire)', () => {
    const committed = JSON.parse(fs.readFileSync(OPENAPI_FILE, 'utf8'));
    expect(committed).toEqual(openApiDocument());
  });

  it('is OpenAPI 3.1 with the error shape as a shared component used by every error answer', () => {
    const doc = openApiDocument();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components?.schemas?.Error).toMatchObject({
      required: ['error'],
      properties: { error: { required: ['code', 'message'] } },
    });
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const [method, op] of Object.entries(item as Record<string, { responses: object }>)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          expect({ at: `${method} ${path} ${status}`, response }).toMatchObject({
            response: {
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
            },
          });
        }
      }
    }
  });

  it('lets null through where the wire allows it (named schemas and enums)', () => {
    const schemas = openApiDocument().components?.schemas ?? {};
    const prop = (schema: string, name: string) =>
      (schemas[schema] as { properties: Record<string, unknown> }).properties[name];
    expect(prop('Application', 'container')).toEqual({
      anyOf: [{ $ref: '#/components/schemas/ContainerSummary' }, { type: 'null' }],
      description: expect.any(String),
    });
    expect(prop('RegisteredApplication', 'type')).toMatchObject({
      type: ['string', 'null'],
      enum: ['vncapp', 'webapp', null],
    });
    expect(prop('Policy', 'volume_mode')).toMatchObject({ enum: ['ro', 'rw', null] });
  });

  it('marks public routes as needing no credentials, and the others as needing them', () => {
    const doc = openApiDocument();
    const security = (path: string, method: string) =>
      (doc.paths?.[path] as Record<string, { security?: unknown[] }>)[method].security;
    for (const [path, method] of [
      ['/login', 'post'],
      ['/health', 'get'],
      ['/api/v1/openapi.json', 'get'],
    ])
      expect(security(path, method)).toEqual([]);
    expect(security('/api/v1/me', 'get')).toBeUndefined();
    expect(doc.security).toEqual([{ session: [] }, { token: [] }]);
  });
});
