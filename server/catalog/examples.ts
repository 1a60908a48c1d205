import type { Core } from '../core';
import { createGrant, registerApplication } from './grants';

/**
 * On a new install, registers the example images that are on the engine and grants them to the
 * first admin (with a home folder), so there is something to launch right away. Missing
 * images are skipped with a log line: the hub still starts.
 */
export async function offerExamples(hub: Core, adminName: string): Promise<string[]> {
  const offered: string[] = [];
  for (const image of hub.config.example_images) {
    try {
      await registerApplication(hub, image);
      await createGrant(hub, {
        user: adminName,
        image,
        policy: { allow_home: true, allow_startup_data: true },
      });
      offered.push(image);
    } catch (err) {
      hub.log.warn({ image, reason: (err as Error).message }, 'example image not offered');
    }
  }
  return offered;
}
