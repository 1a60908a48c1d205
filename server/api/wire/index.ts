/**
 * The REST API's wire: one zod schema per request body, query and answer. The routers validate
 * with these and type their answers by them, the portal imports their types (type-only, so no
 * zod reaches the bundle), the tests check answers against them, and the OpenAPI document
 * (server/api/openapi.ts) is generated from them. Only zod may be imported here: the portal's
 * type check reads these files without Node's types.
 */
export * from './applications';
export * from './audit';
export * from './cleanup';
export * from './containers';
export * from './errors';
export * from './grants';
export * from './images';
export * from './operator';
export * from './session';
export * from './simphony';
export * from './tokens';
export * from './users';
export * from './shares';
