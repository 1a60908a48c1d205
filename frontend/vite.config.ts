import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Resolved from this file, not the working directory, so the build works from any folder.
const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The portal is served by the hub itself: index.html at /login, /hub/ and /hub/*, the hashed
 * bundles under /assets/ with immutable caching. Everything ships in dist: no CDN at run time,
 * because hubs often live on intranets without internet access.
 */
export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: true,
    // Inlined data: URLs would be fine under the CSP (img-src data:), but files keep caching simple.
    assetsInlineLimit: 0,
  },
});
