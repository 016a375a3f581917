import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/*
 * The web app, built by `npm run build:web` (and postinstall) into web/dist, which the service
 * serves at / (src/http/web-routes.ts). Preact's JSX through Vite's own transform: no plugin.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The polyfill would be the only script not in a file; the CSP allows scripts from files only.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
