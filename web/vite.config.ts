import react from "@vitejs/plugin-react";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** dist/sw.js: sw/service-worker.js with this build's files to precache and a version
 * naming its cache (a new build installs a new worker, which drops the old cache). */
function serviceWorker(): Plugin {
  return {
    name: "school-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const publicFiles = fs.readdirSync(path.resolve(HERE, "public")).map((name) => `/${name}`);
      const files = [...Object.keys(bundle).filter((name) => name !== "index.html").map((name) => `/${name}`), ...publicFiles].sort();
      const version = createHash("sha256").update(files.join("\n")).digest("hex").slice(0, 16);
      const template = fs.readFileSync(path.resolve(HERE, "sw/service-worker.js"), "utf8");
      this.emitFile({
        type: "asset",
        fileName: "sw.js",
        source: template.replace('"__VERSION__"', JSON.stringify(version)).replace("__PRECACHE__", JSON.stringify(files)),
      });
    },
  };
}

/** A gzip copy beside each text file of the build (name.gz), for the gateways to send to
 * browsers that accept it: nginx's gzip_static, the embedded gateway (embedded/webapp.py).
 * Made once here at the highest level, not per request. */
function precompress(): Plugin {
  const COMPRESSIBLE = /\.(js|css|html|svg|json|webmanifest)$/;
  return {
    name: "school-precompress",
    apply: "build",
    writeBundle(options) {
      const dir = options.dir ?? path.resolve(HERE, "dist");
      const walk = (at: string): string[] =>
        fs.readdirSync(at, { withFileTypes: true }).flatMap((entry) => {
          const full = path.join(at, entry.name);
          return entry.isDirectory() ? walk(full) : [full];
        });
      for (const file of walk(dir)) {
        if (!COMPRESSIBLE.test(file)) continue;
        const body = fs.readFileSync(file);
        if (body.length < 1024) continue;
        fs.writeFileSync(`${file}.gz`, zlib.gzipSync(body, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  plugins: [react(), serviceWorker(), precompress()],
  build: {
    target: "es2022",
    // Inline scripts and styles would break the Content-Security-Policy (script-src 'self').
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
