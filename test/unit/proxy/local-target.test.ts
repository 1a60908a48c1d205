import os from 'node:os';
import { isLocalTarget } from '../../../server/proxy/local-target';

/** Pure checks against this machine's interfaces: nothing is sent anywhere. */
describe('isLocalTarget', () => {
  it('accepts loopback in its spellings', () => {
    expect(isLocalTarget('http://127.0.0.1:8888')).toBe(true);
    expect(isLocalTarget('http://127.3.2.1:80')).toBe(true);
    expect(isLocalTarget('http://localhost:8888')).toBe(true);
    expect(isLocalTarget('http://[::1]:8888')).toBe(true);
  });

  it('accepts an address in the subnet of one of this process\u2019s interfaces', () => {
    const nic = Object.values(os.networkInterfaces())
      .flat()
      .find((n) => n && n.family === 'IPv4' && !n.internal);
    // A Docker host has one at least (docker0).
    expect(nic).toBeDefined();
    expect(isLocalTarget(`http://${nic!.address}:8888`)).toBe(true);
  });

  it('refuses an address on no attached network, a name, and garbage', () => {
    // TEST-NET-3 (RFC 5737): on no interface of a real machine.
    expect(isLocalTarget('http://203.0.113.7:8888')).toBe(false);
    expect(isLocalTarget('http://example.org:80')).toBe(false);
    expect(isLocalTarget('not a url')).toBe(false);
  });
});
