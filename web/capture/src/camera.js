// The camera: open a stream, show it, and grab frames as JPEG blobs. Frames
// are grabbed unmirrored (the server's directions are the person's own);
// only the preview is mirrored, as people expect of a front camera.

export class CameraError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind; // 'denied' | 'missing' | 'failed'
  }
}

export async function openCamera(video, facing = 'user', width = 1280, height = 720) {
  if (!navigator.mediaDevices?.getUserMedia) throw new CameraError('missing', 'no getUserMedia');
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: facing, width: { ideal: width }, height: { ideal: height } },
    });
  } catch (e) {
    if (e.name === 'NotAllowedError' || e.name === 'SecurityError') throw new CameraError('denied', e.message);
    if (e.name === 'NotFoundError' || e.name === 'OverconstrainedError') throw new CameraError('missing', e.message);
    throw new CameraError('failed', e.message);
  }
  const handle = {
    stream,
    stop() {
      for (const t of stream.getTracks()) t.stop();
      video.srcObject = null;
    },
  };
  video.srcObject = stream;
  video.muted = true;
  video.playsInline = true;
  try {
    // play() is refused when the step has already moved on (the video
    // element left the page): the camera must not stay on behind it.
    await video.play();
    if (!video.videoWidth) await new Promise((r) => video.addEventListener('loadedmetadata', r, { once: true }));
  } catch (e) {
    handle.stop();
    throw new CameraError('failed', e.message);
  }
  return handle;
}

// grab draws the current video frame, scaled so its longer side is at most
// maxSide, and encodes it as JPEG.
export function grab(video, maxSide = 1280, quality = 0.9) {
  const w = video.videoWidth;
  const h = video.videoHeight;
  const s = Math.min(1, maxSide / Math.max(w, h));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(w * s);
  canvas.height = Math.round(h * s);
  canvas.getContext('2d').drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('encode failed'))), 'image/jpeg', quality));
}

// meanLuma measures the average brightness of a region of the frame.
export function meanLuma(video, box) {
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 32;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, box.x, box.y, box.width, box.height, 0, 0, 32, 32);
  const px = ctx.getImageData(0, 0, 32, 32).data;
  let sum = 0;
  for (let i = 0; i < px.length; i += 4) sum += 0.299 * px[i] + 0.587 * px[i + 1] + 0.114 * px[i + 2];
  return sum / (px.length / 4);
}
