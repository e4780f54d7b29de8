// Passkeys on the hosted pages. A form with data-passkey stays hidden unless
// the browser has WebAuthn. Submitting it asks the server for the ceremony's
// options (POST /passkeys/options with the form's own fields and its
// purpose), runs navigator.credentials.create or .get, and posts the
// response back in the form's `passkey` field (WebAuthn L3's JSON form).
(() => {
  const enc = (buffer) =>
    btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const dec = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  const withIds = (list) => (list || []).map((c) => ({ ...c, id: dec(c.id) }));

  const toJSON = (credential) => {
    const r = credential.response;
    const response = { clientDataJSON: enc(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = enc(r.attestationObject);
      response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
    } else {
      response.authenticatorData = enc(r.authenticatorData);
      response.signature = enc(r.signature);
      response.userHandle = r.userHandle ? enc(r.userHandle) : null;
    }
    return {
      id: credential.id,
      rawId: enc(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: {},
      response,
    };
  };

  const ceremony = async (form) => {
    const body = new URLSearchParams(new FormData(form));
    body.set('purpose', form.dataset.passkey);
    const answer = await fetch('/passkeys/options', { method: 'POST', body, credentials: 'same-origin' });
    const options = await answer.json().catch(() => ({}));
    if (!answer.ok) throw new Error(options.error_description || 'Passkeys are not available right now.');
    const publicKey = options.publicKey;
    publicKey.challenge = dec(publicKey.challenge);
    if (options.mode === 'create') {
      publicKey.user.id = dec(publicKey.user.id);
      publicKey.excludeCredentials = withIds(publicKey.excludeCredentials);
      return navigator.credentials.create({ publicKey });
    }
    publicKey.allowCredentials = withIds(publicKey.allowCredentials);
    return navigator.credentials.get({ publicKey });
  };

  if (!window.PublicKeyCredential || !navigator.credentials) return;
  for (const form of document.querySelectorAll('form[data-passkey]')) {
    form.hidden = false;
    const alert = form.querySelector('.error');
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      alert.hidden = true;
      try {
        const credential = await ceremony(form);
        form.elements.passkey.value = JSON.stringify(toJSON(credential));
        form.submit();
      } catch (e) {
        alert.textContent =
          e && e.name === 'NotAllowedError'
            ? 'The passkey request was cancelled or timed out.'
            : e && e.name === 'InvalidStateError'
              ? 'This passkey is registered already.'
              : (e && e.message) || 'The passkey did not work.';
        alert.hidden = false;
      }
    });
  }
})();
