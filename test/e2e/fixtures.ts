import Dockerode from 'dockerode';
import { appLabels, type TestImages } from '../helpers/images';
import type { TestHub } from '../helpers/hub';

/** What the web app image serves, so a test can recognise its page through the proxy. */
export const WEBAPP_GREETING = 'Hello from the e2e web app';
/** The line the web app prints at start, for the admin's log view. */
export const WEBAPP_LOG_LINE = 'e2e web app serving for';

/**
 * A web app as small as it gets: FROM scratch + busybox, writing its page under the full
 * path the proxy keeps (/user/<name>/containers/<url_id>/) and serving it with busybox httpd
 * on port 8888. JPY_USER and URL_ID come from the hub (shared/DESIGN.md "Container environment").
 */
export async function buildWebApp(
  images: TestImages,
  name: string,
  uiName: string,
  opts: { type?: 'webapp' | 'vncapp'; env?: string[] } = {},
): Promise<{ ref: string; id: string }> {
  const dir = '/www/user/$JPY_USER/containers/$URL_ID';
  // The page also shows the configurables' variables, so a test can see what reached the app.
  const page =
    `<!doctype html><title>${uiName}</title><h1>${WEBAPP_GREETING}</h1>` +
    "<p>user '$JPY_USER'</p><p>screen '$X11_WIDTH'x'$X11_HEIGHT'</p><p>startup '$STARTUPDATA'</p>";
  const script =
    `/bin/busybox mkdir -p ${dir} && ` +
    `echo '${page}' > ${dir}/index.html && ` +
    `echo "${WEBAPP_LOG_LINE} $JPY_USER" && ` +
    'exec /bin/busybox httpd -f -p 8888 -h /www';
  const envLabels = Object.fromEntries((opts.env ?? []).map((e) => [`env.${e}`, '']));
  return images.build(name, {
    labels: appLabels({
      ui_name: uiName,
      description: 'A tiny web page served by busybox httpd.',
      type: opts.type ?? 'webapp',
      ...envLabels,
    }),
    cmd: ['/bin/busybox', 'sh', '-c', script],
  });
}

/** Removes every container the hub started in this test hub's realm (by label). */
export async function removeRealmContainers(hub: TestHub, docker = new Dockerode()): Promise<void> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`eu.simphony-project.docker.realm=${hub.hub.config.realm}`] },
  });
  for (const c of containers) {
    try {
      await docker.getContainer(c.Id).remove({ force: true });
    } catch (err) {
      // 404: already gone; 409: already being removed. Both are what we want.
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) throw err;
    }
  }
}

/** Prints a container's output when a test failed, so the reason is in the test log. */
export async function dumpRealmLogs(hub: TestHub, docker = new Dockerode()): Promise<void> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`eu.simphony-project.docker.realm=${hub.hub.config.realm}`] },
  });
  for (const c of containers) {
    const logs = await docker
      .getContainer(c.Id)
      .logs({ stdout: true, stderr: true, tail: 50 })
      .catch((err: Error) => Buffer.from(err.message));
    console.log(`--- logs of ${c.Names.join(',')} (${c.State}) ---\n${logs.toString()}`);
  }
}
