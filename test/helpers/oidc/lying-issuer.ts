import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OpenID provider that signs in anyone at once and then lies in its ID token the way a
 * compromised or misconfigured provider, or a token stolen from another app, would: another
 * audience, an expired token, another nonce, a signature by a key it does not publish. The
 * documents and the signature are real (RS256 over node:crypto), so the hub's own checks,
 * not a stub, decide. Loopback only.
 */
export type Lie = 'none' | 'audience' | 'expired' | 'nonce' | 'foreign-key';

export interface LyingIssuer {
  issuer: string;
  lie: Lie;
  close(): Promise<void>;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function sign(payload: Record<string, unknown>, key: KeyObject): string {
  const head = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${b64(payload)}`;
  const s = createSign('RSA-SHA256').update(head).sign(key).toString('base64url');
  return `${head}.${s}`;
}

export async function startLyingIssuer(clientId: string): Promise<LyingIssuer> {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const nonces = new Map<string, string>();
  const self: LyingIssuer = { issuer: '', lie: 'none', close: async () => undefined };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url!, self.issuer);
    const json = (v: unknown) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(v));
    };
    if (url.pathname === '/.well-known/openid-configuration')
      return json({
        issuer: self.issuer,
        authorization_endpoint: `${self.issuer}/auth`,
        token_endpoint: `${self.issuer}/token`,
        jwks_uri: `${self.issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    if (url.pathname === '/jwks')
      return json({
        keys: [
          { ...keys.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig', alg: 'RS256' },
        ],
      });
    if (url.pathname === '/auth') {
      const code = `code-${nonces.size + 1}`;
      nonces.set(code, url.searchParams.get('nonce') ?? '');
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      for await (const c of req) body += c;
      const code = new URLSearchParams(body).get('code') ?? '';
      const now = Math.floor(Date.now() / 1000);
      const lie = self.lie;
      const claims = {
        iss: self.issuer,
        sub: 'eve',
        preferred_username: 'eve',
        groups: ['staff'],
        aud: lie === 'audience' ? 'another-client' : clientId,
        iat: lie === 'expired' ? now - 7200 : now,
        exp: lie === 'expired' ? now - 3600 : now + 600,
        nonce: lie === 'nonce' ? 'not-the-nonce' : nonces.get(code),
      };
      return json({
        access_token: 'opaque',
        token_type: 'Bearer',
        expires_in: 600,
        id_token: sign(claims, lie === 'foreign-key' ? foreign.privateKey : keys.privateKey),
      });
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  self.issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  self.close = () =>
    new Promise((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return self;
}
