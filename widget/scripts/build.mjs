// Build widget/dist/widget.js (one minified IIFE, CSS inlined) and widget/dist/demo.html.
import { copyFile, mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const watch = process.argv.includes("--watch");

// CSS is imported as a minified string and placed inside the Shadow DOM at run time.
const cssAsText = {
  name: "css-as-text",
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, async (args) => {
      const css = await readFile(args.path, "utf8");
      const out = await esbuild.transform(css, { loader: "css", minify: true });
      return { contents: `export default ${JSON.stringify(out.code.trim())};`, loader: "js" };
    });
  },
};

const options = {
  entryPoints: [join(root, "src", "index.js")],
  outfile: join(dist, "widget.js"),
  bundle: true,
  format: "iife",
  minify: true,
  target: ["chrome92", "firefox90", "safari15", "edge92"],
  legalComments: "none",
  sourcemap: false,
  define: { "process.env.NODE_ENV": '"production"' },
  plugins: [cssAsText],
  logLevel: "warning",
};

await mkdir(dist, { recursive: true });
await copyFile(join(root, "demo.html"), join(dist, "demo.html"));
if (watch) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log("watching widget/src ...");
} else {
  await esbuild.build(options);
}
