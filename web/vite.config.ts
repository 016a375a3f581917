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
    // Two pages: the app (index.html) and GraphiQL (graphiql.html, served at GET /graphql).
    rollupOptions: {
      input: { app: 'index.html', graphiql: 'graphiql.html' },
      checks: { pluginTimings: false },
      // React libraries' "use client" lines mean nothing outside a server-components bundler.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
    // GraphiQL is one ~850 kB chunk, loaded only on its own page.
    chunkSizeWarningLimit: 1000,
  },
});
