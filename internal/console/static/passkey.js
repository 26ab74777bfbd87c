// Passkeys in the console. The server renders the WebAuthn options of the
// ceremony it started into the form (data-options); this script asks the
// browser for the credential, puts its JSON form into the form's
// "credential" field and sends the form as usual (with its CSRF token).
(function () {
  'use strict';
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
        const opts = JSON.parse(form.dataset.options);
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
})();
