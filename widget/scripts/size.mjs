// Print raw and gzipped sizes of the built bundle (budget: 40 kB gzipped).
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET = 40 * 1024;
const file = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "widget.js");
const raw = await readFile(file);
const gz = gzipSync(raw, { level: 9 }).length;
console.log(`widget.js: ${raw.length} bytes raw, ${gz} bytes gzipped (${(gz / 1024).toFixed(1)} kB; budget 40 kB)`);
if (gz > BUDGET) {
  console.error("over budget");
  process.exit(1);
}
