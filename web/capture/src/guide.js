// Live guidance for the selfie, from in-browser face detection (face-api's
// tiny face detector, bundled; its weights are served from /c/models).
import * as faceapi from '@vladmandic/face-api';
import { meanLuma } from './camera.js';

let loading = null;

// loadDetector loads the detector once; it resolves false when it cannot
// run here (the page then falls back to a manual shutter).
export function loadDetector() {
  if (!loading) {
    loading = (async () => {
      try {
        await faceapi.tf.ready();
        await faceapi.nets.tinyFaceDetector.loadFromUri('/c/models');
        return true;
      } catch (e) {
        console.warn('face detector unavailable', e);
        return false;
      }
    })();
  }
  return loading;
}

const options = () => new faceapi.TinyFaceDetectorOptions({ inputSize: 224, scoreThreshold: 0.5 });

// assess looks at the current frame and returns the one thing the person
// should fix, or 'ok'. The thresholds are simple geometry: the face should
// fill a quarter to two thirds of the frame's width, sit near its centre,
// and be neither dark nor washed out.
export async function assess(video) {
  const faces = await faceapi.detectAllFaces(video, options());
  if (faces.length === 0) return { advice: 'guideNoFace' };
  if (faces.length > 1) return { advice: 'guideMany' };
  const box = faces[0].box;
  const w = video.videoWidth;
  const h = video.videoHeight;
  const rel = box.width / w;
  const cx = (box.x + box.width / 2) / w;
  const cy = (box.y + box.height / 2) / h;
  if (rel < 0.2) return { advice: 'guideCloser', box };
  if (rel > 0.7) return { advice: 'guideFarther', box };
  if (Math.abs(cx - 0.5) > 0.18 || Math.abs(cy - 0.5) > 0.22) return { advice: 'guideCenter', box };
  const luma = meanLuma(video, box);
  if (luma < 60) return { advice: 'guideDark', box };
  if (luma > 215) return { advice: 'guideBright', box };
  return { advice: 'ok', box };
}
