import crypto from 'node:crypto';
import Dockerode from 'dockerode';
import { LABELS } from '../../server/spawner/names';
import { ADMIN, bootHub, type Client, type TestHub } from '../helpers/hub';
import { appLabels, TestImages } from '../helpers/images';
import { LDAP_BASE, type Slapd, startSlapd } from '../helpers/slapd';
import { cleanupRealm, grantApp } from './spawner-fixtures';

/**
 * A person whose directory name is an e-mail address runs an app: the app sees the full name in
 * JPY_USER, while the URL, the labels, the container name and USER use the safe hub name.
 */

jest.setTimeout(180_000);

const docker = new Dockerode();
const images = new TestImages(docker);
const run = crypto.randomBytes(3).toString('hex');
const REALM = `signin-${run}`;
const NETWORK = `hub-test-net-${run}`;
const EMAIL = 'Jane.Doe+lab@example.org';

// Serves its environment under the prefix the hub gives (JPY_BASE_USER_URL, not JPY_USER).
const CMD = [
  '/bin/busybox',
  'sh',
  '-c',
  'd="/www$JPY_BASE_USER_URL/containers/$URL_ID" && mkdir -p "$d" && printf "JPY_USER=%s\\nUSER=%s\\n" "$JPY_USER" "$USER" > "$d/index.html" && exec /bin/busybox httpd -f -p 8888 -h /www',
];

let slapd: Slapd;
let hub: TestHub;
let image: string;

beforeAll(async () => {
  slapd = await startSlapd([{ uid: EMAIL, password: 'jane-ldap-pw' }]);
  image = (
    await images.build('signin-env', {
      cmd: CMD,
      labels: appLabels({ ui_name: 'Env Test', type: 'webapp' }),
    })
  ).ref;
  hub = await bootHub(
    { spawner: { network: NETWORK, http_timeout_seconds: 20 } },
    {
      env: {
        HUB_REALM: REALM,
        HUB_AUTH__LDAP__URL: slapd.url,
        HUB_AUTH__LDAP__USER_DN_TEMPLATE: `uid={username},ou=people,${LDAP_BASE}`,
      },
    },
  );
});

afterAll(async () => {
  await hub?.close();
  await cleanupRealm(docker, REALM, NETWORK);
  await images.removeAll();
  await slapd?.stop();
});

it('gives the app the full name and keeps names in URLs, labels and USER safe', async () => {
  const jane: Client = hub.client();
  const login = await jane.login(EMAIL, 'jane-ldap-pw');
  expect(login.status).toBe(200);
  const name = ((await login.clone().json()) as { name: string }).name;
  expect(name).toMatch(/^jane\.doe-lab-[a-z0-9.-]*-[0-9a-f]{9}$/);

  const admin = await hub.loginAs(ADMIN.name, ADMIN.password);
  const mappingId = await grantApp(admin, name, image);
  const started = await jane.json<{ url: string; url_id: string }>('/api/v1/containers', {
    method: 'POST',
    json: { mapping_id: mappingId },
  });
  expect(started.status).toBe(201);
  expect(new URL(started.body.url).pathname).toBe(
    `/user/${name}/containers/${started.body.url_id}/`,
  );

  const page = await jane.fetch(started.body.url);
  expect(page.status).toBe(200);
  const text = await page.text();
  expect(text).toContain(`JPY_USER=${EMAIL}`);
  expect(text).toMatch(/USER=[a-z_][a-z0-9_-]{0,31}\n/);

  const [c] = await docker.listContainers({
    filters: { label: [`${LABELS.urlId}=${started.body.url_id}`] },
  });
  expect(c.Labels[LABELS.user]).toBe(name);
  expect(c.Names[0]).not.toMatch(/[@+]/);
});
