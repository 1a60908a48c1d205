import crypto from 'node:crypto';
import Dockerode from 'dockerode';
import { APP_NETWORK_LABEL } from '../../server/spawner/docker-attach';
import { LABELS } from '../../server/spawner/names';
import { overlaps, parseCidr, type Subnet } from '../../server/spawner/subnet-pool';
import { ADMIN } from '../helpers/hub';
import { appLabels, TEST_LABEL, TestImages } from '../helpers/images';
import { ensureHubImage, type HubContainer, runHubContainer } from './hub-container';
import { cleanupRealm, grantApp, WEB_CMD } from './spawner-fixtures';

/**
 * The hub image with `spawner.app_network_pool` (README "The hub as a container"): app networks
 * take their subnets from the pool, not from the engine's default pools. Every request from this
 * process goes to the hub's port published on 127.0.0.1.
 */
jest.setTimeout(600_000);
const docker = new Dockerode();
const cidr = (text: string) => parseCidr(text) as Subnet;

describe('hub image with spawner.app_network_pool', () => {
  // A /24 of its own per run, so parallel runs on one engine do not meet.
  const base = `10.213.${crypto.randomInt(256)}.0/24`;
  const first = base.replace(/\.0\/24$/, '.0/28');
  let hub: HubContainer;
  const images = new TestImages(docker);
  let web: string;
  let blocker: Dockerode.Network | null = null;
  beforeAll(async () => {
    ensureHubImage();
    web = (
      await images.build('pool-web', {
        cmd: WEB_CMD,
        labels: appLabels({ ui_name: 'Pool Web', type: 'webapp' }),
      })
    ).ref;
    hub = await runHubContainer(docker, {
      HUB_SPAWNER__APP_NETWORK_POOL: JSON.stringify({ base, size: 28 }),
    });
  });
  afterAll(async () => {
    await blocker?.remove().catch(() => undefined);
    if (hub) {
      await hub.remove();
      await cleanupRealm(docker, hub.realm);
      for (const n of await docker.listNetworks({
        filters: { label: [`${LABELS.realm}=${hub.realm}`] },
      }))
        await docker
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined);
    }
    await images.removeAll();
  });

  it('starts two apps on subnets of the pool, around a network made behind its back, and proxies both', async () => {
    // Made after the hub listed the engine at start: the engine refuses this subnet to the hub.
    blocker = await docker.createNetwork({
      Name: `hub-test-pool-${hub.realm}`,
      Labels: { [TEST_LABEL]: '1' },
      IPAM: { Driver: 'default', Config: [{ Subnet: first }] },
    });
    const admin = await hub.admin();
    const created = await admin.json('/api/v1/admin/users', {
      method: 'POST',
      json: { name: 'carol', password: 'carol-password-1' },
    });
    expect(created.status).toBe(201);
    const carol = await hub.login('carol', 'carol-password-1');
    const subnets: string[] = [];
    const urlIds: [typeof admin, string][] = [];
    for (const [client, user] of [
      [admin, ADMIN.name],
      [carol, 'carol'],
    ] as const) {
      const mappingId = await grantApp(admin, user, web);
      const res = await client.json<{ url: string; url_id: string }>('/api/v1/containers', {
        method: 'POST',
        json: { mapping_id: mappingId },
      });
      expect(res.status).toBe(201);
      const page = await client.fetch(res.body.url);
      expect(page.status).toBe(200);
      expect(await page.text()).toBe('ok\n');
      const [c] = await docker.listContainers({
        filters: { label: [`${LABELS.realm}=${hub.realm}`, `${LABELS.urlId}=${res.body.url_id}`] },
      });
      const net = await docker.getNetwork(c.Labels[APP_NETWORK_LABEL]).inspect();
      subnets.push(net.IPAM?.Config?.[0]?.Subnet ?? '(none)');
      urlIds.push([client, res.body.url_id]);
    }
    for (const s of subnets) {
      expect(s).toMatch(/\/28$/);
      expect(overlaps(cidr(s), cidr(base))).toBe(true);
      expect(overlaps(cidr(s), cidr(first))).toBe(false);
    }
    expect(overlaps(cidr(subnets[0]), cidr(subnets[1]))).toBe(false);
    expect(await hub.logs()).toMatch(/another network on this subnet; trying the next/);
    for (const [client, urlId] of urlIds) {
      const del = await client.fetch(`/api/v1/containers/${urlId}`, { method: 'DELETE' });
      expect(del.status).toBe(204);
    }
  });
});
