import { bootHub, type TestHub } from '../helpers/hub';
import { LDAP_BASE, LDAP_SERVICE, type Slapd, startSlapd } from '../helpers/slapd';

/**
 * Class: LDAP injection through the user name of the login form. The attacker knows one
 * password (their own, or a leaked one) and bends the name so that the search or the bind DN
 * picks an entry the name does not spell. Every such try is an ordinary 401, never a 5xx.
 */

const PEOPLE = [
  { uid: 'alice', password: 'alice-ldap-pw' },
  { uid: 'mallory', password: 'mallory-ldap-pw' },
];

let slapd: Slapd;
beforeAll(async () => {
  slapd = await startSlapd(PEOPLE);
});
afterAll(async () => {
  await slapd?.stop();
});

const ODD_NAMES = ['*', '(', ')', '\\', '\0', '#', ' ', ',', '=', '"', 'x'.repeat(300), 'é*'];

async function status(hub: TestHub, username: string, password: string): Promise<number> {
  return (await hub.client().login(username, password)).status;
}

describe('search filter injection', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await bootHub(
      {},
      {
        env: {
          HUB_AUTH__LDAP__URL: slapd.url,
          HUB_AUTH__LDAP__SEARCH_BASE: `ou=people,${LDAP_BASE}`,
          HUB_AUTH__LDAP__BIND_DN: LDAP_SERVICE.dn,
          HUB_LDAP_BIND_PASSWORD: LDAP_SERVICE.password,
          HUB_LOGIN__MAX_FAILURES_PER_USER: '1000',
          HUB_LOGIN__MAX_FAILURES_PER_ADDRESS: '1000',
          HUB_LOGIN__MAX_FAILURES_PER_USER_TOTAL: '1000',
        },
      },
    );
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('does not let a wildcard or a filter fragment select an entry', async () => {
    // Unescaped, `al*` finds alice and binds with her password; `*)(uid=alice` likewise.
    for (const name of ['al*', '*lice', '*)(uid=alice', 'alice)(|(uid=*', '*'])
      expect({ name, status: await status(hub, name, 'alice-ldap-pw') }).toEqual({
        name,
        status: 401,
      });
    expect(await hub.hub.users.find('alice')).toBeNull();
    expect(await status(hub, 'alice', 'alice-ldap-pw')).toBe(200);
  });

  it('answers odd names with 401, not an error', async () => {
    for (const name of ODD_NAMES)
      expect({ name, status: await status(hub, name, 'mallory-ldap-pw') }).toEqual({
        name,
        status: 401,
      });
  });
});

describe('bind DN injection', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await bootHub(
      {},
      {
        env: {
          HUB_AUTH__LDAP__URL: slapd.url,
          HUB_AUTH__LDAP__USER_DN_TEMPLATE: `uid={username},ou=people,${LDAP_BASE}`,
          HUB_LOGIN__MAX_FAILURES_PER_USER: '1000',
          HUB_LOGIN__MAX_FAILURES_PER_ADDRESS: '1000',
          HUB_LOGIN__MAX_FAILURES_PER_USER_TOTAL: '1000',
        },
      },
    );
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('keeps the name one RDN value: no other entry, no other branch of the tree', async () => {
    for (const name of [
      `mallory,ou=people,${LDAP_BASE}`,
      'mallory+cn=mallory',
      `x,${LDAP_SERVICE.dn.split(',')[0]}`,
    ])
      expect({ name, status: await status(hub, name, 'mallory-ldap-pw') }).toEqual({
        name,
        status: 401,
      });
    for (const name of ODD_NAMES)
      expect({ name, status: await status(hub, name, 'mallory-ldap-pw') }).toEqual({
        name,
        status: 401,
      });
    expect(await status(hub, 'mallory', 'mallory-ldap-pw')).toBe(200);
  });
});
