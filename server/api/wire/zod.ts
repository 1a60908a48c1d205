import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// `.openapi('Name')` makes a schema a named component of the OpenAPI document; the extension has
// to be in place before the first wire schema is built, so every wire file takes `z` from here.
extendZodWithOpenApi(z);

export { z };
