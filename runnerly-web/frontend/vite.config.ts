/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Flask (runnerly-web) serves dist/: index.html for every page path, and the fingerprinted
// files under /assets/. The manifest lets it find the entry's current file names.
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: true,
    sourcemap: false,
    // The budget is 200 KB gzipped for the dashboard; warn early, well before that.
    chunkSizeWarningLimit: 350,
  },
  server: {
    // `npm run dev` talks to a local runnerly-web, so cookies and CSRF behave as in production.
    proxy: {
      "/api": "http://127.0.0.1:5000",
      "/strava": "http://127.0.0.1:5000",
    },
  },
  test: {
    environment: "jsdom",
    globals: false,
    setupFiles: ["./src/test-setup.ts"],
    css: false,
  },
});
