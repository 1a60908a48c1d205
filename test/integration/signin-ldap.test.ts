import { LdapAuthenticator } from '../../server/auth/ldap-authenticator';
import { checkAuthenticators } from '../../server/auth/authenticators';
import { loadConfig } from '../../server/config/load';
import { AuditEventEntity } from '../../server/db/entities';
import { ADMIN, bootHub, type TestHub } from '../helpers/hub';
import {
  LDAP_ADMIN_GROUP,
  LDAP_BASE,
  LDAP_SERVICE,
  type Slapd,
  startSlapd,
} from '../helpers/slapd';

/**
 * LDAP sign-in through the login form against a real slapd: bind by DN template and by search,
 * admin rights from a group at every login, wrong passwords, a server that is down.
 */

const PEOPLE = [
  { uid: 'alice', password: 'alice-ldap-pw', admin: true },
  { uid: 'bob', password: 'bob-ldap-pw' },
  { uid: 'jane.doe@example.org', password: 'jane-ldap-pw' },
];

let slapd: Slapd;
beforeAll(async () => {
  slapd = await startSlapd(PEOPLE);
});
afterAll(async () => {
  await slapd?.stop();
});

function templateEnv(url = slapd.url): NodeJS.ProcessEnv {
  return {
    HUB_AUTH__LDAP__URL: url,
    HUB_AUTH__LDAP__USER_DN_TEMPLATE: `uid={username},ou=people,${LDAP_BASE}`,
    HUB_AUTH__LDAP__ADMIN_GROUP_DN: LDAP_ADMIN_GROUP,
    HUB_AUTH__LDAP__TIMEOUT_SECONDS: '3',
  };
}

function searchEnv(bindPassword = LDAP_SERVICE.password): NodeJS.ProcessEnv {
  return {
    HUB_AUTH__LDAP__URL: slapd.url,
    HUB_AUTH__LDAP__SEARCH_BASE: `ou=people,${LDAP_BASE}`,
    HUB_AUTH__LDAP__SEARCH_FILTER: '(&(objectClass=inetOrgPerson)(uid={username}))',
    HUB_AUTH__LDAP__BIND_DN: LDAP_SERVICE.dn,
    HUB_LDAP_BIND_PASSWORD: bindPassword,
    HUB_AUTH__LDAP__ADMIN_GROUP_DN: LDAP_ADMIN_GROUP,
  };
}

async function loginJson(hub: TestHub, username: string, password: string) {
  const c = hub.client();
  const res = await c.login(username, password);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, client: c };
}

describe('LDAP bind by DN template', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await bootHub({}, { env: templateEnv() });
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('signs a directory user in, creates the account on first login and audits it', async () => {
    const r = await loginJson(hub, 'bob', 'bob-ldap-pw');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'bob', admin: false });
    const me = await r.client.json<{ name: string }>('/api/v1/me');
    expect(me.body.name).toBe('bob');
    const row = await hub.hub.users.find('bob');
    expect(row?.password_hash).toBeNull();
    const audit = await hub.hub.db
      .getRepository(AuditEventEntity)
      .findOne({ where: { actor: 'bob', action: 'login' } });
    expect(JSON.parse(audit!.details!)).toEqual({ via: 'ldap' });
  });

  it('makes members of admin_group_dn admins, and takes it back when they leave the group', async () => {
    expect((await loginJson(hub, 'alice', 'alice-ldap-pw')).body.admin).toBe(true);
    slapd.modify(
      `dn: ${LDAP_ADMIN_GROUP}\nchangetype: modify\nadd: member\nmember: cn=manager,${LDAP_BASE}\n-\ndelete: member\nmember: uid=alice,ou=people,${LDAP_BASE}\n`,
    );
    try {
      expect((await loginJson(hub, 'alice', 'alice-ldap-pw')).body.admin).toBe(false);
    } finally {
      slapd.modify(
        `dn: ${LDAP_ADMIN_GROUP}\nchangetype: modify\nadd: member\nmember: uid=alice,ou=people,${LDAP_BASE}\n`,
      );
    }
    expect((await loginJson(hub, 'alice', 'alice-ldap-pw')).body.admin).toBe(true);
  });

  it('refuses a wrong password and an empty one (an unauthenticated bind) alike', async () => {
    for (const password of ['wrong-password', ''])
      expect((await loginJson(hub, 'bob', password)).status).toBe(401);
    expect(await hub.hub.users.find('nobody')).toBeNull();
  });

  it('treats the name the directory holds as the account: another spelling is the same user', async () => {
    const r = await loginJson(hub, 'BOB', 'bob-ldap-pw');
    expect(r.status).toBe(200);
    expect(r.body.name).toBe('bob');
  });

  it('gives a directory name that is no hub name (an e-mail) an escaped hub name', async () => {
    const r = await loginJson(hub, 'jane.doe@example.org', 'jane-ldap-pw');
    expect(r.status).toBe(200);
    expect(r.body.name).toMatch(/^jane.doe-example.org-[0-9a-f]{9}$/);
    const row = await hub.hub.users.find(r.body.name);
    expect(row?.full_name).toBe('jane.doe@example.org');
  });

  it('keeps local accounts working next to LDAP', async () => {
    expect((await loginJson(hub, ADMIN.name, ADMIN.password)).status).toBe(200);
  });

  it('counts failed LDAP logins in the login limiter', async () => {
    let last = 0;
    for (let i = 0; i < 6; i++) last = (await loginJson(hub, 'alice', `bad-${i}`)).status;
    expect(last).toBe(429);
    // Locked out: even the right password gets 429 from this address.
    expect((await loginJson(hub, 'alice', 'alice-ldap-pw')).status).toBe(429);
  });
});

describe('LDAP bind after a search', () => {
  it('finds the user as bind_dn (password from HUB_LDAP_BIND_PASSWORD) and binds as them', async () => {
    const hub = await bootHub({}, { env: searchEnv() });
    try {
      const r = await loginJson(hub, 'alice', 'alice-ldap-pw');
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ name: 'alice', admin: true });
      expect((await loginJson(hub, 'bob', 'alice-ldap-pw')).status).toBe(401);
      expect((await loginJson(hub, 'carol', 'whatever-pw')).status).toBe(401);
    } finally {
      await hub.close();
    }
  });

  it('says which setting to check when the service account is refused', async () => {
    const hub = await bootHub({}, { env: searchEnv('not-the-password') });
    try {
      const r = await loginJson(hub, 'alice', 'alice-ldap-pw');
      expect(r.status).toBe(503);
      expect(r.body.error.message).toMatch(/HUB_LDAP_BIND_PASSWORD/);
      expect(JSON.stringify(r.body)).not.toContain('not-the-password');
    } finally {
      await hub.close();
    }
  });
});

describe('LDAP server down', () => {
  it('answers 503 naming auth.ldap.url, on the form page too, while local admins still log in', async () => {
    const down = await startSlapd(PEOPLE);
    const url = down.url;
    await down.stop();
    const hub = await bootHub({}, { env: templateEnv(url) });
    try {
      const r = await loginJson(hub, 'bob', 'bob-ldap-pw');
      expect(r.status).toBe(503);
      expect(r.body.error.message).toMatch(/cannot be reached.*auth\.ldap\.url/);
      const form = await hub.client().fetch('/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'username=bob&password=bob-ldap-pw',
      });
      expect(form.status).toBe(503);
      expect(await form.text()).toMatch(/cannot be reached/);
      expect((await loginJson(hub, ADMIN.name, ADMIN.password)).status).toBe(200);
    } finally {
      await hub.close();
    }
  });
});

describe('LDAP misconfigured', () => {
  it('refuses to start with a URL that is not ldap:// or ldaps://, naming the key', async () => {
    await expect(
      bootHub({}, { env: { ...templateEnv(), HUB_AUTH__LDAP__URL: 'http://127.0.0.1:389' } }),
    ).rejects.toThrow(/auth\.ldap\.url \(HUB_AUTH__LDAP__URL\): ldap:\/\/host:port/);
  });

  it('refuses to start with both a DN template and a search base', async () => {
    await expect(
      bootHub({}, { env: { ...templateEnv(), HUB_AUTH__LDAP__SEARCH_BASE: LDAP_BASE } }),
    ).rejects.toThrow(/either user_dn_template or search_base/);
  });

  it('warns at start, in words naming the setting and without the secret', async () => {
    const down = await startSlapd(PEOPLE);
    await down.stop();
    const warnings: Array<Record<string, unknown>> = [];
    const log = {
      info: () => undefined,
      warn: (o: Record<string, unknown>) => warnings.push(o),
    } as unknown as Parameters<typeof checkAuthenticators>[1];
    const config = loadConfig({ ...searchEnv('the-bind-secret'), HUB_AUTH__LDAP__URL: down.url });
    const ldap = new LdapAuthenticator(config.auth.ldap!, 'the-bind-secret', {} as never);
    await checkAuthenticators({ password: [ldap], redirect: [], form: true }, log);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0].problem)).toMatch(/cannot be reached.*auth\.ldap\.url/);
    expect(JSON.stringify(warnings)).not.toContain('the-bind-secret');
  });
});
