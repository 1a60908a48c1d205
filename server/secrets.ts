import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface HubSecrets {
  /** Keys that sign the session cookie; the first signs, all verify (rotation). */
  cookieKeys: string[];
}

/**
 * Secrets live in the data folder (0600), made on first start, so a restart keeps sessions
 * valid and nothing secret ever sits in the config file or on a command line.
 */
export function loadSecrets(dataDir: string): HubSecrets {
  const file = path.join(dataDir, 'secrets.json');
  if (fs.existsSync(file)) {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<HubSecrets>;
    if (Array.isArray(parsed.cookieKeys) && parsed.cookieKeys.length > 0)
      return { cookieKeys: parsed.cookieKeys };
  }
  const secrets: HubSecrets = { cookieKeys: [randomBytes(32).toString('base64url')] };
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(secrets), { mode: 0o600 });
  fs.renameSync(tmp, file);
  return secrets;
}
