import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { escapeDnValue } from '../../server/auth/ldap-escape';
import { freePort } from './free-port';

/**
 * A real OpenLDAP server (Debian's slapd) on a loopback port, with a throw-away directory:
 * people under ou=people, a service account for searches and a groupOfNames of admins.
 * scripts/ensure-test-tools.sh installs slapd.
 */
export const LDAP_BASE = 'dc=hub,dc=test';
export const LDAP_SERVICE = { dn: `cn=reader,${LDAP_BASE}`, password: 'reader-secret-123' };
export const LDAP_ADMIN_GROUP = `cn=hub-admins,ou=groups,${LDAP_BASE}`;

export interface LdapPerson {
  uid: string;
  password: string;
  admin?: boolean;
}

export interface Slapd {
  url: string;
  port: number;
  /** Adds or changes entries (as the directory's manager). */
  modify(ldif: string): void;
  stop(): Promise<void>;
}

const MANAGER = { dn: `cn=manager,${LDAP_BASE}`, password: 'manager-secret-123' };

function personLdif(p: LdapPerson): string {
  return `dn: uid=${escapeDnValue(p.uid)},ou=people,${LDAP_BASE}
objectClass: inetOrgPerson
uid: ${p.uid}
cn: ${p.uid}
sn: ${p.uid}
userPassword: ${p.password}
`;
}

function seedLdif(people: LdapPerson[]): string {
  const admins = people.filter((p) => p.admin);
  return [
    `dn: ${LDAP_BASE}\nobjectClass: dcObject\nobjectClass: organization\ndc: hub\no: hub test\n`,
    `dn: ou=people,${LDAP_BASE}\nobjectClass: organizationalUnit\nou: people\n`,
    `dn: ou=groups,${LDAP_BASE}\nobjectClass: organizationalUnit\nou: groups\n`,
    `dn: ${LDAP_SERVICE.dn}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: reader\nuserPassword: ${LDAP_SERVICE.password}\n`,
    ...people.map(personLdif),
    `dn: ${LDAP_ADMIN_GROUP}\nobjectClass: groupOfNames\ncn: hub-admins\n` +
      // groupOfNames needs a member; the manager stands in when no person is admin.
      (admins.length ? admins : [null])
        .map(
          (p) => `member: ${p ? `uid=${escapeDnValue(p.uid)},ou=people,${LDAP_BASE}` : MANAGER.dn}`,
        )
        .join('\n') +
      '\n',
  ].join('\n');
}

function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    let tries = 0;
    const attempt = () => {
      if (child.exitCode !== null)
        return reject(new Error(`slapd exited (${child.exitCode}):\n${log()}`));
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (++tries > 200) reject(new Error(`slapd did not listen:\n${log()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startSlapd(people: LdapPerson[]): Promise<Slapd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-slapd-'));
  const db = path.join(dir, 'db');
  fs.mkdirSync(db);
  const conf = path.join(dir, 'slapd.conf');
  fs.writeFileSync(
    conf,
    `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile ${dir}/slapd.pid
database mdb
maxsize 10485760
suffix "${LDAP_BASE}"
rootdn "${MANAGER.dn}"
rootpw ${MANAGER.password}
directory ${db}
access to attrs=userPassword by anonymous auth by * none
access to * by * read
`,
  );
  const seed = path.join(dir, 'seed.ldif');
  fs.writeFileSync(seed, seedLdif(people));
  execFileSync('/usr/sbin/slapadd', ['-f', conf, '-l', seed], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  // -d keeps slapd in the foreground, so it is this process's child and dies with the test.
  const child = spawn('/usr/sbin/slapd', ['-h', url, '-f', conf, '-d', '0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // A test run that dies must not leave a server behind.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  await waitForPort(port, child, () => log);
  return {
    url,
    port,
    modify(ldif) {
      const file = path.join(dir, 'change.ldif');
      const secret = path.join(dir, 'manager.pw');
      fs.writeFileSync(file, ldif);
      fs.writeFileSync(secret, MANAGER.password, { mode: 0o600 });
      execFileSync('ldapmodify', ['-x', '-H', url, '-D', MANAGER.dn, '-y', secret, '-f', file], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
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
