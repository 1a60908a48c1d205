import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Runs `fn` while holding a lock directory in the temp folder: test files run in parallel
 * workers, and a build (portal, images) must happen once while the others wait. A lock older
 * than `staleMs` is a crashed holder's leftover and is taken over.
 */
export async function withDirLock<T>(
  name: string,
  staleMs: number,
  fn: () => Promise<T> | T,
): Promise<T> {
  const lock = path.join(os.tmpdir(), name);
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age > staleMs) fs.rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
