// Passkeys in the console. For a ceremony the server started with the page,
// the form carries its WebAuthn options (data-options); for the sign-in
// without a password, the form names where to ask for them
// (data-options-url, posted with the form's CSRF token). This script asks
// the browser for the credential, puts its JSON form into the form's
// "credential" field and sends the form as usual (with its CSRF token).
(function () {
  'use strict';
  async function options(form) {
    if (!form.dataset.optionsUrl) return JSON.parse(form.dataset.options);
    const resp = await fetch(form.dataset.optionsUrl, {
      method: 'POST',
      credentials: 'same-origin',
      body: new URLSearchParams({ csrf: form.elements.csrf.value }),
    });
    if (!resp.ok) {
      const e = new Error('the server answered ' + resp.status);
      e.name = resp.status === 429 ? 'TooManyAttempts' : 'ServerRefused';
      throw e;
    }
    return resp.json();
  }
  function wire(form, create) {
    if (!form) return;
    const status = document.createElement('p');
    status.setAttribute('role', 'status');
    form.append(status);
    const pkc = window.PublicKeyCredential;
    if (!pkc || !pkc.parseCreationOptionsFromJSON || !pkc.parseRequestOptionsFromJSON) {
      status.textContent = 'This browser cannot use passkeys here.';
      form.querySelector('button[type=submit]').disabled = true;
      return;
    }
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      status.textContent = 'Waiting for the passkey…';
      try {
        const opts = await options(form);
        const cred = create
          ? await navigator.credentials.create({ publicKey: pkc.parseCreationOptionsFromJSON(opts) })
          : await navigator.credentials.get({ publicKey: pkc.parseRequestOptionsFromJSON(opts) });
        form.elements.credential.value = JSON.stringify(cred.toJSON());
        form.submit(); // does not fire "submit" again
      } catch (e) {
        status.textContent = 'No passkey was given (' + e.name + '). Try again.';
      }
    });
  }
  wire(document.getElementById('passkey-add'), true);
  wire(document.getElementById('passkey-login'), false);
  wire(document.getElementById('passkey-signin'), false);
})();
