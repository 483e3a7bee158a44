// Bundles src/ with esbuild into ../internal/webui/dist:
//   dist/index.html                 from src/index.html, with the hashed asset names filled in
//   dist/assets/app-HASH.js|.css    the page and Leaflet, minified
//   dist/assets/NAME-HASH.png       images Leaflet's CSS refers to
// Every asset name carries a content hash, so the Go server can cache /assets/ forever.
import * as esbuild from 'esbuild';
import { readFile, writeFile, rm, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// WEBUI_OUTDIR lets build.sh --check build elsewhere and compare.
const outdir = path.resolve(here, process.env.WEBUI_OUTDIR || '../internal/webui/dist');
const assets = path.join(outdir, 'assets');

await rm(outdir, { recursive: true, force: true });
await mkdir(assets, { recursive: true });

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: { app: 'src/main.js' },
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: 'eof', // keeps Leaflet's copyright notice (BSD-2-Clause) in app-HASH.js
  format: 'iife',
  target: ['es2020'],
  outdir: assets,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.png': 'file', '.svg': 'file' },
  metafile: true,
  logLevel: 'warning',
});

const rel = (p) => '/' + path.relative(outdir, path.resolve(here, p)).split(path.sep).join('/');
let js, css;
for (const [file, out] of Object.entries(result.metafile.outputs)) {
  if (out.entryPoint === 'src/main.js') {
    js = rel(file);
    if (out.cssBundle) css = rel(out.cssBundle);
  }
}
if (!js || !css) throw new Error('build: no JS or CSS bundle in the metafile');

let html = await readFile(path.join(here, 'src/index.html'), 'utf8');
for (const [key, value] of [['%APP_JS%', js], ['%APP_CSS%', css]]) {
  if (!html.includes(key)) throw new Error(`build: src/index.html lacks ${key}`);
  html = html.replaceAll(key, value);
}
await writeFile(path.join(outdir, 'index.html'), html);

let total = 0;
for (const name of (await readdir(assets)).sort()) {
  const size = (await stat(path.join(assets, name))).size;
  total += size;
  console.log(`  assets/${name}  ${(size / 1024).toFixed(1)} KiB`);
}
console.log(`  index.html  ${(Buffer.byteLength(html) / 1024).toFixed(1)} KiB`);
console.log(`  total assets ${(total / 1024).toFixed(1)} KiB`);
