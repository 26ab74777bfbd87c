// golden.js runs the face-api reference networks on TensorFlow.js with the
// WebAssembly backend and writes the golden JSON that kakunin's Go tests
// compare against. Everything it loads comes from node_modules and the local
// models directory; nothing is fetched at run time.
//
// usage: node golden.js --models DIR --rgb DIR --out FILE --graph-out FILE [--bench N]
//
// The photos are read as raw RGB dumped by the Go decoder (tools/golden/rgbdump),
// so both sides start from identical pixels and differences come from the
// networks and geometry alone.
'use strict';

const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');

function args() {
  const a = { bench: 0 };
  for (let i = 2; i < process.argv.length; i += 2) a[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
  for (const k of ['models', 'rgb', 'out', 'graph-out']) if (!a[k]) throw new Error(`missing --${k}`);
  a.bench = Number(a.bench || 0);
  return a;
}

// lcgPixels returns n integer values in [0, 255] from a 32-bit LCG; the Go
// tests regenerate the same sequence (internal/face: lcgPixels).
function lcgPixels(seed, n) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

function readRGB(file) {
  const buf = fs.readFileSync(file);
  const w = buf.readUInt32LE(0);
  const h = buf.readUInt32LE(4);
  const px = new Int32Array(buf.subarray(8, 8 + w * h * 3));
  return tf.tensor3d(px, [h, w, 3], 'int32');
}

const round6 = (v) => Math.round(v * 1e6) / 1e6;
const box = (b) => ({ x: b.x, y: b.y, width: b.width, height: b.height });

async function synthetic() {
  const out = {};
  let t = tf.tensor4d(lcgPixels(1, 150 * 150 * 3), [1, 150, 150, 3]);
  out.recognition = { seed: 1, size: 150, output: Array.from(await (await faceapi.nets.faceRecognitionNet.forward(t)).data()) };
  t.dispose();
  t = tf.tensor4d(lcgPixels(2, 112 * 112 * 3), [1, 112, 112, 3]);
  const ni = await faceapi.toNetInput(t);
  out.landmarks = { seed: 2, size: 112, output: Array.from(await faceapi.nets.faceLandmark68Net.runNet(ni).data()) };
  t.dispose();
  t = tf.tensor4d(lcgPixels(5, 112 * 112 * 3), [1, 112, 112, 3]);
  const ag = faceapi.nets.ageGenderNet.runNet(await faceapi.toNetInput(t));
  out.age_gender = { seed: 5, size: 112, output: [...await ag.age.data(), ...await ag.gender.data()] };
  t.dispose();
  t = tf.tensor4d(lcgPixels(3, 416 * 416 * 3), [1, 416, 416, 3]);
  const det = faceapi.nets.tinyFaceDetector.forwardInput(await faceapi.toNetInput(t), 416);
  out.detector = { seed: 3, size: 416, shape: det.shape, output: Array.from(await det.data()) };
  t.dispose();
  // resizeBilinear on a non-square input, up and down, as toBatchTensor uses it.
  t = tf.tensor4d(lcgPixels(4, 37 * 53 * 3), [1, 37, 53, 3]);
  out.resize = {
    seed: 4, height: 37, width: 53,
    up: { height: 50, width: 70, output: Array.from(await tf.image.resizeBilinear(t, [50, 70], false, false).data()) },
    down: { height: 16, width: 11, output: Array.from(await tf.image.resizeBilinear(t, [16, 11], false, false).data()) },
  };
  t.dispose();
  return out;
}

// graphModels runs human-models graph models on LCG inputs scaled to [0, 1]
// and returns every output, keyed by node name (without the ":0" port).
const GRAPH_MODELS = [['antispoof', 128, 11], ['liveness', 32, 12], ['mobilefacenet', 112, 13], ['faceres', 224, 14], ['blazeface', 256, 15]];

async function loadGraph(file) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const specs = [];
  const bufs = [];
  for (const g of json.weightsManifest) {
    specs.push(...g.weights);
    for (const p of g.paths) bufs.push(fs.readFileSync(path.join(path.dirname(file), p)));
  }
  const all = Buffer.concat(bufs);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return tf.loadGraphModel(tf.io.fromMemory({ ...json, weightSpecs: specs, weightData }));
}

async function graphModels(models, bench) {
  const out = {};
  const times = {};
  for (const [name, size, seed] of GRAPH_MODELS) {
    const model = await loadGraph(path.join(models, 'human', `${name}.json`));
    const px = lcgPixels(seed, size * size * 3).map((v) => v / 255);
    const x = tf.tensor4d(px, [1, size, size, 3]);
    let res = model.execute(x, model.outputNodes);
    if (!Array.isArray(res)) res = [res];
    const outputs = {};
    for (let i = 0; i < res.length; i++) {
      outputs[model.outputNodes[i].replace(/:0$/, '')] = { shape: res[i].shape, values: Array.from(await res[i].data()) };
    }
    out[name] = { file: `human/${name}.json`, seed, size, scale: '1/255', outputs };
    tf.dispose(res);
    if (bench > 0) times[`${name}_ms`] = round6(timeIt(bench, () => tf.tidy(() => { const r = model.execute(x, model.outputNodes); (Array.isArray(r) ? r : [r]).forEach((t) => t.dataSync()); })));
    x.dispose();
    model.dispose();
  }
  return { out, times };
}

function timeIt(n, fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e6 / n;
}

async function main() {
  const a = args();
  wasm.setWasmPaths(path.resolve(__dirname, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep);
  await tf.setBackend('wasm');
  await tf.ready();
  const dir = path.join(a.models, 'face-api');
  await faceapi.nets.tinyFaceDetector.loadFromDisk(dir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(dir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(dir);
  await faceapi.nets.ageGenderNet.loadFromDisk(dir);

  const detectorOptions = new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 });
  const images = [];
  const bench = { detect_ms: [], landmarks_ms_per_face: [], embed_ms_per_face: [] };
  for (const f of fs.readdirSync(a.rgb).filter((n) => n.endsWith('.rgb')).sort()) {
    const img = readRGB(path.join(a.rgb, f));
    const [h, w] = img.shape;
    const results = await faceapi.detectAllFaces(img, detectorOptions).withFaceLandmarks().withFaceDescriptors().withAgeAndGender();
    const faces = results.map((r) => ({
      score: r.detection.score,
      box: box(r.detection.box),
      landmarks: r.landmarks.positions.map((p) => [p.x, p.y]),
      aligned: box(r.landmarks.align(null, { useDlibAlignment: true })),
      descriptor: Array.from(r.descriptor),
      age: r.age,
      gender: r.gender,
      gender_probability: r.genderProbability,
    }));
    images.push({ file: f.replace(/\.rgb$/, '.jpg'), width: w, height: h, faces });
    if (a.bench > 0 && faces.length > 0) {
      // Per-stage time on the same crops the pipeline used, wasm backend, one thread.
      const x4 = img.toFloat();
      bench.detect_ms.push(timeIt(a.bench, () => tf.tidy(() => faceapi.nets.tinyFaceDetector.forwardInput(new faceapi.NetInput([x4]), 416).dataSync())));
      const crops = await faceapi.extractFaceTensors(img, results.map((r) => r.detection));
      const aligned = await faceapi.extractFaceTensors(img, results.map((r) => r.landmarks.align(null, { useDlibAlignment: true })));
      bench.landmarks_ms_per_face.push(timeIt(a.bench, () => crops.forEach((c) => tf.tidy(() => faceapi.nets.faceLandmark68Net.forwardInput(new faceapi.NetInput([c])).dataSync()))) / crops.length);
      bench.embed_ms_per_face.push(timeIt(a.bench, () => aligned.forEach((c) => tf.tidy(() => faceapi.nets.faceRecognitionNet.forwardInput(new faceapi.NetInput([c])).dataSync()))) / aligned.length);
      tf.dispose([x4, ...crops, ...aligned]);
    }
    img.dispose();
  }

  const golden = {
    generator: 'tools/golden/golden.js',
    versions: { tfjs: tf.version.tfjs, face_api: faceapi.version, node: process.version },
    backend: tf.getBackend(),
    detector: { input_size: 416, score_threshold: 0.5 },
    synthetic: await synthetic(),
    images,
  };
  const graphs = await graphModels(a.models, a.bench);
  fs.mkdirSync(path.dirname(a['graph-out']), { recursive: true });
  fs.writeFileSync(a['graph-out'], `${JSON.stringify({
    generator: golden.generator, versions: golden.versions, backend: golden.backend, models: graphs.out,
  }, (k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(9)) : v))}\n`);
  fs.mkdirSync(path.dirname(a.out), { recursive: true });
  fs.writeFileSync(a.out, `${JSON.stringify(golden, (k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(9)) : v))}\n`);
  const nfaces = images.reduce((s, i) => s + i.faces.length, 0);
  console.log(`wrote ${a.out}: ${images.length} images, ${nfaces} faces, backend ${tf.getBackend()}`);
  if (a.bench > 0) {
    const avg = (xs) => xs.reduce((s, v) => s + v, 0) / xs.length;
    console.log(JSON.stringify({
      runs: a.bench, images: bench.detect_ms.length, faces: nfaces,
      detect_ms_per_image: round6(avg(bench.detect_ms)),
      landmarks_ms_per_face: round6(avg(bench.landmarks_ms_per_face)),
      embed_ms_per_face: round6(avg(bench.embed_ms_per_face)),
      graph_models: graphs.times,
    }));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
