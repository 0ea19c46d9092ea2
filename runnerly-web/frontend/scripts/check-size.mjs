// Fails the build when the JavaScript a dashboard visit loads up front (the entry chunk and
// the chunks it imports statically, not the lazy ones such as the map) exceeds the budget.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const BUDGET_KB = Number(process.env.RUNNERLY_JS_BUDGET_KB ?? 200);
const dist = new URL("../dist/", import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(dist, ".vite/manifest.json"), "utf8"));

const seen = new Set();
function collect(key) {
  if (seen.has(key)) return;
  seen.add(key);
  for (const dep of manifest[key].imports ?? []) collect(dep);
}
for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) collect(key);

let total = 0;
for (const key of seen) {
  const file = manifest[key].file;
  const gz = gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
  total += gz;
  console.log(`  ${file}: ${(gz / 1024).toFixed(1)} KB gzipped`);
}
const lazy = Object.values(manifest).filter((c) => c.isDynamicEntry).map((c) => c.file);
console.log(`dashboard JavaScript loaded up front: ${(total / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_KB} KB); loaded later: ${lazy.join(", ") || "none"}`);
if (total > BUDGET_KB * 1024) {
  console.error(`over budget by ${((total - BUDGET_KB * 1024) / 1024).toFixed(1)} KB`);
  process.exit(1);
}
