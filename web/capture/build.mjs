// Builds the capture page into internal/capture/dist: one bundled script
// (face-api and TensorFlow.js included, no CDN), one stylesheet, the face
// detector's weights, and index.html pointing at the content-hashed files.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '../../internal/capture/dist');

rmSync(join(out, 'assets'), { recursive: true, force: true });
rmSync(join(out, 'models'), { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await esbuild.build({
  entryPoints: [join(here, 'src/main.js'), join(here, 'src/style.css')],
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome100', 'safari15', 'firefox100'],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

const names = {};
for (const [file, meta] of Object.entries(result.metafile.outputs)) {
  if (meta.entryPoint) names[basename(meta.entryPoint)] = basename(file);
}

const models = join(here, 'node_modules/@vladmandic/face-api/model');
mkdirSync(join(out, 'models'), { recursive: true });
for (const f of ['tiny_face_detector_model-weights_manifest.json', 'tiny_face_detector_model.bin']) {
  cpSync(join(models, f), join(out, 'models', f));
}

const html = readFileSync(join(here, 'index.html'), 'utf8')
  .replace('%APP_JS%', `/c/assets/${names['main.js']}`)
  .replace('%APP_CSS%', `/c/assets/${names['style.css']}`);
writeFileSync(join(out, 'index.html'), html);
console.log(`capture page: ${names['main.js']}, ${names['style.css']} → ${out}`);
