import fs from 'node:fs';
import path from 'node:path';
import { openApiDocument } from './openapi';

/** The committed copy of the document, linked from the README; `npm run openapi` rewrites it. */
export const OPENAPI_FILE = path.join(__dirname, '..', '..', 'docs', 'openapi.json');

if (require.main === module) {
  fs.mkdirSync(path.dirname(OPENAPI_FILE), { recursive: true });
  fs.writeFileSync(OPENAPI_FILE, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}`);
}
