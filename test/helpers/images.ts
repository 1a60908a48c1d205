import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';

/**
 * Builds small labelled images on the real engine for tests: FROM scratch plus Debian's static
 * busybox (no registry is reachable here). Every image carries `hub-test=1` and a per-helper
 * run label, and `removeAll()` deletes exactly the images this helper built, so parallel test
 * files never remove each other's images.
 */

export const TEST_LABEL = 'hub-test';
export const RUN_LABEL = 'hub-test.run';
const BUSYBOX = '/bin/busybox';

export interface TestImageOptions {
  /** Labels besides hub-test ones, e.g. `{'eu.simphony-project.docker.ui_name': 'X'}`. */
  labels?: Record<string, string>;
  /** Exec-form CMD; default keeps the container alive doing nothing. */
  cmd?: string[];
}

export class TestImages {
  readonly run = crypto.randomBytes(4).toString('hex');
  private readonly built = new Set<string>();

  constructor(readonly docker: Dockerode = new Dockerode()) {}

  /** A reference unique to this helper: `hub-test/<name>-<run>:latest`. */
  ref(name: string): string {
    return `hub-test/${name}-${this.run}:latest`;
  }

  /** Builds `ref(name)` (or `tag` when it contains a colon) and returns its image id. */
  async build(name: string, options: TestImageOptions = {}): Promise<{ ref: string; id: string }> {
    const ref = name.includes(':') ? name : this.ref(name);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-test-image-'));
    try {
      fs.copyFileSync(BUSYBOX, path.join(dir, 'busybox'));
      const cmd = options.cmd ?? ['/bin/busybox', 'sleep', '3600'];
      fs.writeFileSync(
        path.join(dir, 'Dockerfile'),
        `FROM scratch\nCOPY busybox /bin/busybox\nCMD ${JSON.stringify(cmd)}\n`,
      );
      const stream = await this.docker.buildImage(
        { context: dir, src: ['Dockerfile', 'busybox'] },
        {
          t: ref,
          labels: { ...options.labels, [TEST_LABEL]: '1', [RUN_LABEL]: this.run },
          rm: true,
          forcerm: true,
        },
      );
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(
          stream,
          (err: Error | null, output: Array<{ error?: string }>) => {
            const failed = output?.find((o) => o.error);
            if (err || failed) reject(err ?? new Error(`docker build ${ref}: ${failed?.error}`));
            else resolve();
          },
        );
      });
      this.built.add(ref);
      const info = await this.docker.getImage(ref).inspect();
      return { ref, id: info.Id };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Adds a tag to an image this helper built; the tag is removed with the rest. */
  async tag(source: string, target: string): Promise<void> {
    const lastColon = target.lastIndexOf(':');
    await this.docker
      .getImage(source)
      .tag({ repo: target.slice(0, lastColon), tag: target.slice(lastColon + 1) });
    this.built.add(target);
  }

  /** `docker rmi` of one reference; a missing image is already what we want. */
  async remove(ref: string): Promise<void> {
    try {
      await this.docker.getImage(ref).remove({ force: true });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
    this.built.delete(ref);
  }

  /** Removes every image this helper built or tagged, found by its run label. */
  async removeAll(): Promise<void> {
    const images = await this.docker.listImages({
      filters: { label: [`${RUN_LABEL}=${this.run}`] },
    });
    for (const image of images) {
      try {
        await this.docker.getImage(image.Id).remove({ force: true });
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      }
    }
    this.built.clear();
  }
}

/** Prefixes each key with the label namespace: `appLabels({ui_name: 'X', 'env.x11-width': ''})`. */
export function appLabels(fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).map(([k, v]) => [`eu.simphony-project.docker.${k}`, v]),
  );
}
