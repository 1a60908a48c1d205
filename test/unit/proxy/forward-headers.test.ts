import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import {
  forwardHeaderRewriter,
  prepareForwardHeaders,
} from '../../../server/proxy/forward-headers';
import { cookieNameSet } from '../../../server/proxy/set-cookie';

const hubCookies = cookieNameSet(['hub-session', 'hub-session.sig']);

function request(headers: Record<string, string>): IncomingMessage {
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: '10.1.2.3' });
  return { headers: { ...headers }, socket } as unknown as IncomingMessage;
}

describe('prepareForwardHeaders', () => {
  it('removes the hub cookies and Authorization, keeps the app cookies', () => {
    const req = request({
      host: 'hub.example',
      cookie: 'hub-session=s; app=1; hub-session.sig=t',
      authorization: 'Bearer secret',
    });
    prepareForwardHeaders(req, { hubCookies, trustProxy: false });
    expect(req.headers.cookie).toBe('app=1');
    expect(req.headers.authorization).toBeUndefined();
  });

  it('drops the Cookie header when only hub cookies were sent', () => {
    const req = request({ cookie: 'hub-session=s' });
    prepareForwardHeaders(req, { hubCookies, trustProxy: false });
    expect('cookie' in req.headers).toBe(false);
  });

  it('replaces client-sent X-Forwarded-* when no proxy is trusted', () => {
    const req = request({
      host: 'hub.example:8000',
      'x-forwarded-for': '1.1.1.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.test',
      forwarded: 'for=1.1.1.1',
      'x-real-ip': '1.1.1.1',
    });
    prepareForwardHeaders(req, { hubCookies, trustProxy: false });
    expect(req.headers).toMatchObject({
      'x-forwarded-for': '10.1.2.3',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'hub.example:8000',
    });
    expect(req.headers.forwarded).toBeUndefined();
    expect(req.headers['x-real-ip']).toBeUndefined();
  });

  it('appends to a trusted proxy chain and keeps its proto and host', () => {
    const req = request({
      host: 'internal:8000',
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'hub.example',
    });
    prepareForwardHeaders(req, { hubCookies, trustProxy: true });
    expect(req.headers).toMatchObject({
      'x-forwarded-for': '203.0.113.9, 10.1.2.3',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'hub.example',
    });
  });
});

describe('forwardHeaderRewriter', () => {
  it('rewrites as prepareForwardHeaders does, also for a Cookie header it has seen before', () => {
    const rewrite = forwardHeaderRewriter({ hubCookies, trustProxy: false });
    for (let i = 0; i < 2; i++) {
      const mixed = request({ cookie: 'hub-session=s; app=1; __Host-HUB-SESSION=t' });
      rewrite(mixed);
      expect(mixed.headers.cookie).toBe('app=1');
      const hubOnly = request({ cookie: 'hub-session=s' });
      rewrite(hubOnly);
      expect('cookie' in hubOnly.headers).toBe(false);
    }
  });
});
