// The capture page's calls to kakunin's API, all with the verification's
// client token. Uploads use XMLHttpRequest for its progress events.

export class APIError extends Error {
  constructor(status, reason, detail) {
    super(detail || reason || `HTTP ${status}`);
    this.status = status;
    this.reason = reason || '';
  }
}

export class Client {
  constructor(token) {
    this.token = token;
  }

  async call(method, path, body, contentType) {
    let res;
    try {
      res = await fetch(path, {
        method,
        headers: { Authorization: `Bearer ${this.token}`, ...(contentType ? { 'Content-Type': contentType } : {}) },
        body,
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      throw new APIError(0, 'network', e.message);
    }
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    if (!res.ok) throw new APIError(res.status, json?.reason, json?.detail);
    return json;
  }

  verification() { return this.call('GET', '/v1/client/verification'); }
  challenge(id, renew) { return this.call(renew ? 'POST' : 'GET', `/v1/verifications/${id}/challenge`); }
  handoff(id) { return this.call('POST', `/v1/verifications/${id}/handoff`); }
  submit(id) { return this.call('POST', `/v1/verifications/${id}/submit`); }
  quality(id, kind, blob) {
    return this.call('POST', `/v1/verifications/${id}/quality?kind=${encodeURIComponent(kind)}`, blob, blob.type || 'image/jpeg');
  }

  // upload sends one piece of evidence; fields are extra form fields
  // (captured_at and nonce for liveness frames). onProgress gets 0..1.
  upload(id, kind, blob, fields = {}, onProgress = () => {}) {
    const form = new FormData();
    form.append('kind', kind);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', blob, `${kind}.jpg`);
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `/v1/verifications/${id}/evidence`);
      xhr.setRequestHeader('Authorization', `Bearer ${this.token}`);
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      xhr.onerror = () => reject(new APIError(0, 'network', 'network error'));
      xhr.onload = () => {
        let json = null;
        try { json = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300) { onProgress(1); resolve(json); } else reject(new APIError(xhr.status, json?.reason, json?.detail));
      };
      xhr.send(form);
    });
  }
}

// UploadQueue sends liveness frames one after another, in capture order
// (the order is part of what a JPKI+face signature covers), while capture
// goes on. onChange(done, total) reports progress.
export class UploadQueue {
  constructor(client, id, onChange = () => {}) {
    this.client = client;
    this.id = id;
    this.onChange = onChange;
    this.total = 0;
    this.done = 0;
    this.error = null;
    this.tail = Promise.resolve();
  }

  add(kind, blob, fields) {
    this.total++;
    this.onChange(this.done, this.total);
    this.tail = this.tail.then(async () => {
      if (this.error) return;
      for (let attempt = 0; ; attempt++) {
        try {
          await this.client.upload(this.id, kind, blob, fields);
          break;
        } catch (e) {
          if (e.status !== 0 || attempt >= 2) { this.error = e; return; }
          await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
        }
      }
      this.done++;
      this.onChange(this.done, this.total);
    });
  }

  async drain() {
    await this.tail;
    if (this.error) throw this.error;
  }
}
