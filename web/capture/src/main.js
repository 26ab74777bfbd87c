// kakunin's capture page: the steps a person goes through for one
// verification, chosen by its method. The page holds the client token (from
// its URL) and nothing else; everything it learns comes from the API.
import { t, setLang, currentLang } from './i18n.js';
import { Client, UploadQueue, APIError } from './api.js';
import { openCamera, grab, CameraError } from './camera.js';
import { loadDetector, assess } from './guide.js';

const token = decodeURIComponent(location.pathname.split('/')[2] || '');
const client = new Client(token);
const app = document.getElementById('app');

const MAX_TRIES = 3;
const MANUAL_AFTER_MS = 10000;
const DOC_TYPES = ['drivers_license', 'my_number_card', 'residence_card', 'passport', 'driving_history_certificate',
  'special_permanent_resident_certificate'];

// ---------------------------------------------------------------- DOM helpers

// h builds an element: h('p', {class: 'x'}, 'text', child, ...).
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v == null) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') tx(el, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null) el.append(c);
  return el;
}

// tx sets a translated text on el and remembers the key, so switching the
// language re-translates the page in place without restarting a step.
function tx(el, key, vars) {
  el.dataset.i18n = key;
  if (vars) el.dataset.i18nVars = JSON.stringify(vars);
  else delete el.dataset.i18nVars;
  el.textContent = t(key, vars);
  return el;
}

function translateAll() {
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n, el.dataset.i18nVars ? JSON.parse(el.dataset.i18nVars) : undefined);
  }
  for (const el of document.querySelectorAll('[data-i18n-alt]')) el.alt = t(el.dataset.i18nAlt);
  const sw = document.getElementById('lang');
  if (sw) sw.setAttribute('aria-label', t('switchLabel'));
  document.title = `${t('title')} — kakunin`;
}

const flow = { steps: [], index: 0 };

// screen replaces the page with one step: header (title, progress, language
// switch) and a main region whose heading takes the focus, so screen
// readers announce each new step.
function screen(step, titleKey, ...body) {
  const counted = flow.steps.filter((s) => s !== 'done');
  const n = counted.indexOf(step) + 1;
  const header = h('header', { class: 'top' },
    h('span', { class: 'brand', text: 'title' }),
    n > 0 ? h('span', { class: 'count', id: 'step-count', text: 'stepOf' }) : null,
    h('button', { id: 'lang', type: 'button', class: 'link', 'aria-label': t('switchLabel'), onclick: () => { setLang(currentLang() === 'ja' ? 'en' : 'ja'); translateAll(); } },
      h('span', { text: 'switchTo' })));
  if (n > 0) tx(header.querySelector('#step-count'), 'stepOf', { n, total: counted.length });
  const bar = n > 0 ? h('div', { class: 'steps', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': counted.length, 'aria-valuenow': n },
    h('div', { style: `width:${(100 * n) / counted.length}%` })) : null;
  const heading = h('h1', { tabindex: '-1', text: titleKey });
  const main = h('main', { 'data-step': step }, heading, ...body);
  app.replaceChildren(header, bar || '', main);
  translateAll();
  heading.focus({ preventScroll: true });
  return main;
}

function status(key, vars, cls = 'status') {
  return tx(h('p', { class: cls, role: 'status' }), key, vars);
}

function button(key, onclick, attrs = {}) {
  return h('button', { type: 'button', class: 'primary', onclick, ...attrs, text: key });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function clickOnce(el) {
  return new Promise((resolve) => el.addEventListener('click', resolve, { once: true }));
}

// fatal shows a message the person can act on, with a retry when retrying
// can help; it resolves when they press it.
async function fatal(err, canRetry = true) {
  let key = 'networkError';
  if (err instanceof CameraError) key = err.kind === 'denied' ? 'cameraDenied' : 'cameraMissing';
  else if (err instanceof APIError && err.status === 401) { key = 'linkInvalid'; canRetry = false; }
  else if (err instanceof APIError && err.reason === 'not_accepting_input') { return 'done'; }
  else if (err?.message === 'too_many_tries') { key = 'tooManyTries'; canRetry = false; }
  else if (err instanceof APIError && err.status > 0) key = 'uploadFailed';
  console.warn(err);
  const retry = canRetry ? button('retry', null, { id: 'retry' }) : null;
  screen('error', 'title', status(key, null, 'error'), retry);
  if (!retry) return new Promise(() => {});
  await clickOnce(retry);
  return 'retry';
}

// ---------------------------------------------------------------- steps

async function consent(v) {
  const items = [];
  if (v.method === 'jpki') items.push('consentWhatJpki');
  if (v.method === 'ic_chip') items.push('consentWhatChip');
  if (v.method === 'document_image') items.push('consentWhatDoc');
  if (v.face || v.method !== 'jpki') items.push('consentWhatFace');
  const box = h('input', { type: 'checkbox', id: 'agree' });
  const start = button('consentStart', null, { id: 'start', disabled: true });
  box.addEventListener('change', () => { start.disabled = !box.checked; });
  screen('consent', 'consentTitle',
    h('p', { text: 'consentLead' }),
    h('h2', { text: 'consentWhat' }),
    h('ul', {}, items.map((k) => h('li', { text: k }))),
    h('p', { class: 'small', text: 'consentWhy' }),
    h('p', { class: 'small', text: 'consentKeep' }),
    h('label', { class: 'check', for: 'agree' }, box, h('span', { text: 'consentAgree' })),
    start);
  await clickOnce(start);
}

// handoff shows the QR code and deep link for the card client and waits
// until the card data has arrived.
async function handoff(v) {
  const want = v.method === 'jpki' ? 'jpki_signature' : 'chip_data';
  for (;;) {
    const ho = await client.handoff(v.id);
    const img = h('img', { class: 'qr', src: ho.qr, alt: t('handoffQrAlt'), 'data-i18n-alt': 'handoffQrAlt', width: 240, height: 240 });
    const waiting = status('handoffWaiting');
    const expiry = status('handoffExpiresIn', { m: 10 }, 'small');
    screen('handoff', v.method === 'jpki' ? 'handoffTitleJpki' : 'handoffTitleChip',
      h('p', { text: 'handoffLead' }),
      img,
      h('p', { class: 'small', text: 'handoffLeadMobile' }),
      h('a', { id: 'card-link', class: 'button primary', href: ho.link, text: 'handoffOpen' }),
      h('div', { class: 'wait' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), waiting),
      expiry,
      h('p', { class: 'hint', text: v.method === 'jpki' ? 'handoffHintJpki' : 'handoffHintChip' }));
    const expires = new Date(ho.expires_at).getTime();
    for (;;) {
      await sleep(1500);
      const left = expires - Date.now();
      if (left <= 0) break;
      tx(expiry, 'handoffExpiresIn', { m: Math.ceil(left / 60000) });
      let cur;
      try { cur = await client.verification(); } catch (e) { if (e.status === 401) throw e; continue; }
      if (cur.status !== 'created' && cur.status !== 'awaiting_input') return;
      if (!cur.missing_evidence.includes(want)) {
        tx(waiting, 'handoffDone');
        await sleep(600);
        return;
      }
    }
    const again = button('handoffNew', null, { id: 'new-code' });
    screen('handoff', v.method === 'jpki' ? 'handoffTitleJpki' : 'handoffTitleChip', status('handoffExpired', null, 'error'), again);
    await clickOnce(again);
  }
}

async function chooseDocument() {
  const list = h('div', { class: 'choices', role: 'radiogroup' });
  let chosen = null;
  const next = button('next', null, { id: 'next', disabled: true });
  for (const code of DOC_TYPES) {
    const input = h('input', { type: 'radio', name: 'doctype', id: `doc-${code}`, value: code });
    input.addEventListener('change', () => { chosen = code; next.disabled = false; });
    list.append(h('label', { class: 'choice', for: `doc-${code}` }, input, h('span', { text: `doc_${code}` })));
  }
  screen('doctype', 'docTypeTitle', h('p', { text: 'docTypeLead' }), list, next);
  await clickOnce(next);
  return chosen;
}

// documentPhoto takes one photo of the document (camera or file), checks
// its quality with the server, and uploads it once it passes — or, after
// MAX_TRIES failures, when the person chooses to send it anyway.
async function documentPhoto(v, kind, docType, optional) {
  const titles = { document_front: 'docFrontTitle', document_back: 'docBackTitle', document_thickness: 'docThicknessTitle' };
  const leads = { document_front: 'docFrontLead', document_back: 'docBackLead', document_thickness: 'docThicknessLead' };
  let failures = 0;
  for (;;) {
    const video = h('video', { class: 'doc', muted: true, playsinline: true, 'aria-hidden': 'true' });
    const frame = h('div', { class: kind === 'document_thickness' ? 'frame card tilt' : 'frame card' });
    const shutter = button('shutter', null, { id: 'shutter' });
    const file = h('input', { type: 'file', id: 'file', accept: 'image/jpeg,image/png,image/webp', class: 'visually-hidden' });
    const fileLabel = h('label', { for: 'file', class: 'button secondary', text: 'choosePhoto' });
    const skip = optional ? h('button', { type: 'button', class: 'link', id: 'skip', text: 'skip' }) : null;
    const msg = h('div', { class: 'messages', 'aria-live': 'assertive' });
    screen(kind, titles[kind], h('p', { text: leads[kind] }), h('div', { class: 'viewer' }, video, frame), msg, shutter, fileLabel, file, skip);
    // The camera may open after the person has already chosen a file: a
    // camera that arrives after the step ended is switched off at once.
    let cam = null;
    let ended = false;
    openCamera(video, 'environment', 1920, 1080)
      .then((c) => { if (ended) c.stop(); else cam = c; })
      .catch(() => { shutter.disabled = true; });
    const blob = await new Promise((resolve) => {
      shutter.addEventListener('click', async () => { if (cam) resolve(await grab(video, 2048, 0.92)); });
      file.addEventListener('change', () => { if (file.files[0]) resolve(file.files[0]); });
      if (skip) skip.addEventListener('click', () => resolve(null));
    });
    ended = true;
    cam?.stop();
    if (!blob) return;
    const preview = h('img', { class: 'preview', src: URL.createObjectURL(blob), alt: '' });
    const checking = status('checking');
    screen(kind, titles[kind], preview, checking);
    let q;
    try { q = await client.quality(v.id, kind, blob); } catch (e) {
      if (e.status === 422 || e.status === 415) q = { pass: false, reasons: ['unreadable'] }; else throw e;
    }
    if (!q.pass) {
      failures++;
      const retake = button('retake', null, { id: 'retake' });
      const anyway = failures >= MAX_TRIES ? h('button', { type: 'button', class: 'secondary', id: 'use-anyway', text: 'usePhoto' }) : null;
      screen(kind, titles[kind], preview,
        h('ul', { class: 'errors', role: 'alert' }, q.reasons.map((r) => h('li', { text: `q_${r}` }))), retake, anyway);
      const choice = await Promise.race([clickOnce(retake).then(() => 'retake'), anyway ? clickOnce(anyway).then(() => 'send') : new Promise(() => {})]);
      if (choice === 'retake') continue;
    }
    try {
      await uploadOne(v, kind, blob, preview, { document_type: docType });
    } catch (e) {
      // The server stores no photo of a My Number card's back whose number
      // it cannot paint out; the only way on is another photo.
      if (!(e instanceof APIError && e.reason === 'my_number_not_masked')) throw e;
      const retake = button('retake', null, { id: 'retake' });
      screen(kind, titles[kind], preview, h('ul', { class: 'errors', role: 'alert' }, h('li', { text: 'q_my_number_not_masked' })), retake);
      await clickOnce(retake);
      continue;
    }
    return;
  }
}

async function uploadOne(v, kind, blob, preview, fields = {}) {
  const bar = h('progress', { max: 100, value: 0, id: 'upload-progress' });
  screen(kind, 'uploadTitle', preview, bar, status('submitting'));
  await client.upload(v.id, kind, blob, fields, (p) => { bar.value = Math.round(p * 100); });
}

// selfie guides the person into frame with live face detection and takes
// the photo by itself once the framing has been right for a moment.
async function selfie(v) {
  const video = h('video', { class: 'selfie', muted: true, playsinline: true, 'aria-hidden': 'true' });
  const advice = status('loading');
  const shutter = button('shutter', null, { id: 'shutter', hidden: true });
  screen('selfie', 'selfieTitle', h('p', { text: 'selfieLead' }), h('div', { class: 'viewer' }, video, h('div', { class: 'frame oval' })), advice, shutter);
  const cam = await openCamera(video, 'user', 1280, 720);
  try {
    const detector = await loadDetector();
    let failures = 0;
    for (;;) {
      if (detector) {
        // Guidance until the framing has been right three times running;
        // after a while the shutter appears too, in case the detector is
        // the one that is wrong (the server still checks the photo).
        let good = 0;
        const started = performance.now();
        let pressed = false;
        const press = () => { pressed = true; };
        shutter.addEventListener('click', press, { once: true });
        while (good < 3 && !pressed) {
          const a = await assess(video);
          good = a.advice === 'ok' ? good + 1 : 0;
          tx(advice, a.advice === 'ok' ? 'guideHold' : a.advice);
          if (performance.now() - started > MANUAL_AFTER_MS) shutter.hidden = false;
          await sleep(150);
        }
        shutter.removeEventListener('click', press);
        shutter.hidden = true;
      } else {
        tx(advice, 'guideManual');
        shutter.hidden = false;
        await clickOnce(shutter);
      }
      const blob = await grab(video, 1280, 0.92);
      const q = await client.quality(v.id, 'selfie', blob);
      if (q.pass) {
        cam.stop();
        await uploadOne(v, 'selfie', blob, h('img', { class: 'preview', src: URL.createObjectURL(blob), alt: '' }));
        return;
      }
      if (++failures >= MAX_TRIES) throw new Error('too_many_tries');
      tx(advice, `q_${q.reasons[0]}`);
      await sleep(1500);
    }
  } finally {
    cam.stop();
  }
}

// The liveness schedule: a neutral moment, then each action with time to
// return to neutral. Frames are taken at FRAME_MS intervals throughout.
const NEUTRAL_MS = 1000;
const ACTION_MS = 1100;
const RETURN_MS = 600;
const FRAME_MS = 200;

// nextFrame resolves when the video shows a new frame (or after 300 ms,
// where the browser cannot tell).
function nextFrame(video) {
  return new Promise((resolve) => {
    if (!video.requestVideoFrameCallback) {
      resolve();
      return;
    }
    const timer = setTimeout(resolve, 300);
    video.requestVideoFrameCallback(() => { clearTimeout(timer); resolve(); });
  });
}

function ring() {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 100 100');
  svg.setAttribute('class', 'ring');
  svg.setAttribute('aria-hidden', 'true');
  svg.innerHTML = '<circle cx="50" cy="50" r="45" class="track"/><circle cx="50" cy="50" r="45" class="fill" pathLength="100" stroke-dasharray="0 100"/>';
  return { svg, set(f) { svg.querySelector('.fill').setAttribute('stroke-dasharray', `${(100 * f).toFixed(1)} 100`); } };
}

async function liveness(v) {
  for (let attempt = 0; ; attempt++) {
    if (attempt >= MAX_TRIES) throw new Error('too_many_tries');
    const ch = await client.challenge(v.id, attempt > 0);
    const start = button('livenessStart', null, { id: 'liveness-start' });
    screen('liveness', 'livenessTitle', h('p', { text: 'livenessLead' }),
      h('ol', { class: 'actions' }, ch.actions.map((a) => h('li', { text: `act_${a}` }))), start);
    await clickOnce(start);

    const video = h('video', { class: 'selfie', muted: true, playsinline: true, 'aria-hidden': 'true' });
    const r = ring();
    const prompt = status('livenessReady', null, 'prompt');
    const sent = status('uploadProgress', { done: 0, total: 0 }, 'small');
    screen('liveness', 'livenessTitle', h('div', { class: 'viewer round' }, video, r.svg), prompt, sent);
    const queue = new UploadQueue(client, v.id, (done, total) => tx(sent, 'uploadProgress', { done, total }));
    const cam = await openCamera(video, 'user', 640, 480);
    const total = NEUTRAL_MS + ch.actions.length * (ACTION_MS + RETURN_MS);
    const t0 = performance.now();
    let last = -Infinity;
    try {
      for (let k = 0; ; k++) {
        // On a busy phone the loop can fall behind; it then skips ahead
        // instead of grabbing in a burst, and never grabs a frame the
        // camera has not replaced yet (identical frames look like a replay).
        const due = Math.max(t0 + k * FRAME_MS, last + FRAME_MS * 0.6);
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        await nextFrame(video);
        last = performance.now();
        const el = last - t0;
        if (el > total) break;
        r.set(el / total);
        const i = Math.floor((el - NEUTRAL_MS) / (ACTION_MS + RETURN_MS));
        const within = (el - NEUTRAL_MS) % (ACTION_MS + RETURN_MS);
        const key = el < NEUTRAL_MS ? 'livenessReady' : within < ACTION_MS ? `act_${ch.actions[i]}` : 'actReturn';
        if (prompt.dataset.i18n !== key) tx(prompt, key);
        const at = new Date().toISOString();
        queue.add('liveness_frame', await grab(video, 640, 0.85), { captured_at: at, nonce: ch.nonce });
      }
    } finally {
      cam.stop();
    }
    r.set(1);
    tx(prompt, 'livenessDoneCapture');
    try {
      await queue.drain();
      return;
    } catch (e) {
      if (!(e instanceof APIError) || e.status === 401 || e.status === 0) throw e;
      // Refused frames (e.g. the challenge ran out): try again with a new one.
    }
  }
}

async function submitAndWait(v) {
  screen('submit', 'uploadTitle', h('div', { class: 'wait' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), status('submitting')));
  try {
    await client.submit(v.id);
  } catch (e) {
    if (!(e instanceof APIError && e.reason === 'not_accepting_input')) throw e;
  }
}

async function done() {
  const msg = status('processing');
  const main = screen('done', 'doneTitle', h('div', { class: 'wait' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), msg));
  let cur;
  for (let i = 0; i < 240; i++) {
    cur = await client.verification();
    if (cur.status !== 'processing') break;
    await sleep(1000);
  }
  const outcome = { approved: 'approved', review: 'review', rejected: 'rejected', expired: 'expired', canceled: 'canceled', processing: 'processing' }[cur.status] || 'alreadyDone';
  main.querySelector('.wait')?.remove();
  const result = h('p', { class: `result ${cur.status}`, id: 'result', 'data-status': cur.status, text: outcome });
  main.append(result);
  if (cur.resubmit_steps?.length) {
    // A reviewer asked for some steps again: say which, and send the person
    // back to the business, which starts a new verification for them.
    main.append(h('p', { text: 'resubmitLead' }),
      h('ul', { id: 'resubmit' }, cur.resubmit_steps.map((st) => h('li', { text: `redo_${st}` }))));
  }
  if (cur.redirect_url && /^https?:\/\//.test(cur.redirect_url)) {
    main.append(h('a', { class: 'button primary', id: 'continue', href: cur.redirect_url, text: 'continue' }));
  } else {
    main.append(h('p', { class: 'small', text: 'closeTab' }));
  }
}

// ---------------------------------------------------------------- flow

function stepsFor(v) {
  const face = v.face ? ['selfie', 'liveness'] : ['selfie'];
  switch (v.method) {
    case 'jpki': return v.face ? ['consent', 'selfie', 'liveness', 'handoff', 'submit', 'done'] : ['consent', 'handoff', 'submit', 'done'];
    case 'ic_chip': return ['consent', 'handoff', ...face, 'submit', 'done'];
    default: return ['consent', 'doctype', 'document_front', 'document_back', 'document_thickness', ...face, 'submit', 'done'];
  }
}

async function run() {
  let v;
  for (;;) {
    try {
      v = await client.verification();
      break;
    } catch (e) {
      if (await fatal(e) === 'done') break;
    }
  }
  if (!v || (v.status !== 'created' && v.status !== 'awaiting_input')) {
    flow.steps = ['done'];
    return done();
  }
  flow.steps = stepsFor(v);
  let docType = null;
  for (flow.index = 0; flow.index < flow.steps.length; flow.index++) {
    const step = flow.steps[flow.index];
    for (;;) {
      try {
        switch (step) {
          case 'consent': await consent(v); break;
          case 'handoff': await handoff(v); break;
          case 'doctype': docType = await chooseDocument(); break;
          case 'document_front': await documentPhoto(v, step, docType, false); break;
          case 'document_back': await documentPhoto(v, step, docType, docType === 'passport'); break;
          case 'document_thickness': await documentPhoto(v, step, docType, false); break;
          case 'selfie': await selfie(v); break;
          case 'liveness': await liveness(v); break;
          case 'submit': await submitAndWait(v); break;
          case 'done': await done(); break;
        }
        break;
      } catch (e) {
        if (await fatal(e) === 'done') { flow.index = flow.steps.length - 2; break; }
      }
    }
  }
}

if (!token.startsWith('ct_')) {
  screen('error', 'title', status('linkInvalid', null, 'error'));
} else {
  run();
}
