import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../free-port';

/**
 * The real OpenID provider of provider-server.mjs, on loopback, for the hub under test.
 * Its port is picked before the hub starts (the hub's config names the issuer) and the hub's
 * callback is registered when the provider starts (the hub's port is known by then).
 */
export interface TestAccount {
  password: string;
  groups?: string[];
  preferred_username?: string;
}

export interface ProviderSettings {
  port: number;
  clients: Array<{ client_id: string; client_secret: string; redirect_uris: string[] }>;
  accounts: Record<string, TestAccount>;
}

export const CLIENT = { id: 'hub', secret: 'hub-client-secret-for-tests' };

export interface TestProvider {
  issuer: string;
  settings: ProviderSettings;
  /** Rewrites the accounts (read again at every sign-in). */
  setAccounts(accounts: Record<string, TestAccount>): void;
  stop(): Promise<void>;
}

/** A free port for a provider and its issuer URL, before anything listens there. */
export async function reserveIssuer(): Promise<{ port: number; issuer: string }> {
  const port = await freePort();
  return { port, issuer: `http://127.0.0.1:${port}` };
}

export async function startProvider(
  port: number,
  hubUrl: string,
  accounts: Record<string, TestAccount>,
  extraClients: ProviderSettings['clients'] = [],
): Promise<TestProvider> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-oidc-'));
  const file = path.join(dir, 'settings.json');
  const settings: ProviderSettings = {
    port,
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        redirect_uris: [`${hubUrl}/login/oidc/callback`],
      },
      ...extraClients,
    ],
    accounts,
  };
  fs.writeFileSync(file, JSON.stringify(settings));
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(__dirname, 'provider-server.mjs'), file],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, NODE_ENV: 'test' } },
  );
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`OpenID provider exited (${code}):\n${log}`)));
  });
  return {
    issuer: `http://127.0.0.1:${port}`,
    settings,
    setAccounts(a) {
      settings.accounts = a;
      fs.writeFileSync(file, JSON.stringify(settings));
    },
    async stop() {
      process.off('exit', kill);
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
