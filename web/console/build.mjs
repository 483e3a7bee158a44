// Builds the staff console into ../../internal/webui/console:
//   1. src/gen/schema.ts   the API's types, generated from openapi/openapi.yaml by openapi-typescript
//   2. tsc --noEmit        type-checks the console against them (a spec change that breaks it fails here)
//   3. esbuild             console/index.html and console/assets/console-HASH.js|.css (+ Leaflet's images)
// Every asset name carries a content hash, so the Go server can cache /console/assets/ forever.
import * as esbuild from 'esbuild';
import openapiTS, { astToString } from 'openapi-typescript';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile, rm, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// WEBUI_OUTDIR lets build.sh --check build elsewhere and compare.
const outdir = path.resolve(here, process.env.WEBUI_OUTDIR || '../../internal/webui/console');
const assets = path.join(outdir, 'assets');
const base = '/console';

const spec = pathToFileURL(path.resolve(here, '../../openapi/openapi.yaml'));
const ast = await openapiTS(spec);
await mkdir(path.join(here, 'src/gen'), { recursive: true });
await writeFile(path.join(here, 'src/gen/schema.ts'), '// Generated from openapi/openapi.yaml by build.mjs; do not edit.\n' + astToString(ast));

try {
  execFileSync(path.join(here, 'node_modules/.bin/tsc'), ['-p', here], { stdio: 'inherit' });
} catch {
  console.error('build: tsc found type errors (above): the console does not match openapi/openapi.yaml or has a bug');
  process.exit(1);
}

await rm(outdir, { recursive: true, force: true });
await mkdir(assets, { recursive: true });
const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: { console: 'src/main.tsx' },
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: 'eof', // keeps the notices of Leaflet (BSD-2-Clause), Preact and openapi-fetch (MIT)
  format: 'iife',
  target: ['es2020'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: assets,
  publicPath: base + '/assets',
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  loader: { '.png': 'file', '.svg': 'file' },
  metafile: true,
  logLevel: 'warning',
});

const rel = (p) => base + '/' + path.relative(outdir, path.resolve(here, p)).split(path.sep).join('/');
let js, css;
for (const [file, out] of Object.entries(result.metafile.outputs)) {
  if (out.entryPoint === 'src/main.tsx') {
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
