// An example customer-account page embedding the Enrollment Portal.
// The portal's origin is fixed in the host's configuration (config.js), never read from
// the address: this page posts the customer's password there, so a link naming another
// origin must not be able to redirect it (docs/embedding.md).
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var portalOrigin = new URL(window.PORTAL_ORIGIN).origin;
  var start = params.get('start') || '/enroll';
  var token = null;
  var frame = null;

  // The host's own device key, for its own calls (sign-in, handoff). In memory only and
  // not extractable: a real host would keep its key server-side instead.
  var keyPair = crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);

  function b64url(bytes) {
    var text = '';
    new Uint8Array(bytes).forEach(function (b) { text += String.fromCharCode(b); });
    return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function utf8(text) { return new TextEncoder().encode(text); }

  // A DPoP proof (RFC 9449) for one call: every call to the portal's API needs one.
  function proof(method, url, accessToken) {
    return keyPair.then(function (pair) {
      return Promise.all([
        crypto.subtle.exportKey('jwk', pair.publicKey),
        accessToken ? crypto.subtle.digest('SHA-256', utf8(accessToken)) : Promise.resolve(null),
      ]).then(function (values) {
        var jwk = values[0];
        var claims = {
          jti: b64url(crypto.getRandomValues(new Uint8Array(16))),
          htm: method,
          htu: url,
          iat: Math.floor(Date.now() / 1000),
        };
        if (values[1]) claims.ath = b64url(values[1]);
        var header = { typ: 'dpop+jwt', alg: 'ES256', jwk: { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } };
        var input = b64url(utf8(JSON.stringify(header))) + '.' + b64url(utf8(JSON.stringify(claims)));
        return crypto.subtle
          .sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, utf8(input))
          .then(function (signature) { return input + '.' + b64url(signature); });
      });
    });
  }

  function call(method, path, body, accessToken) {
    var url = portalOrigin + path;
    return proof(method, url, accessToken).then(function (dpop) {
      var headers = { 'Content-Type': 'application/json', DPoP: dpop };
      if (accessToken) headers.Authorization = 'Bearer ' + accessToken;
      return fetch(url, { method: method, headers: headers, body: JSON.stringify(body) });
    }).then(function (response) { return response.json(); }).then(function (envelope) {
      if (envelope.status !== 'SUCCEEDED') throw new Error(envelope.error ? envelope.error.label : method + ' ' + path + ' failed');
      return envelope.result;
    });
  }

  // The portal's session is its own: the host asks for an embed token for the key the
  // iframe named in `ready` (good once, for a minute, with that key only) and passes it
  // on; the portal trades it for its session. The host's token never leaves the host, and
  // the host never holds one of the portal's.
  function handOff(deviceId) {
    call('POST', '/api/v1/session/handoff', { deviceId: deviceId }, token)
      .then(function (result) { post({ type: 'session', token: result.embedToken }); })
      .catch(function (e) { log({ handoff: 'failed', reason: e.message }); });
  }

  function log(message) {
    var item = document.createElement('li');
    item.textContent = JSON.stringify(message);
    document.getElementById('events').appendChild(item);
  }

  function post(message) {
    // Only ever to the portal's origin, never "*".
    message.source = 'enrollment-host';
    message.v = 1;
    frame.contentWindow.postMessage(message, portalOrigin);
  }

  window.addEventListener('message', function (event) {
    if (event.origin !== portalOrigin || !frame || event.source !== frame.contentWindow) return;
    var message = event.data;
    if (!message || message.source !== 'enrollment-portal') return;
    // The token is never logged: only the portal's events are.
    log(message);
    if (message.type === 'ready' && token && message.deviceId) handOff(message.deviceId);
    if (message.type === 'resize') frame.style.height = message.height + 'px';
  });

  document.getElementById('signin-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var error = document.getElementById('signin-error');
    error.textContent = '';
    call('POST', '/api/v1/session', {
      email: document.getElementById('email').value,
      password: document.getElementById('password').value,
    })
      .then(function (result) {
        token = result.token;
        document.getElementById('password').value = '';
        document.getElementById('signin').hidden = true;
        document.getElementById('embedded').hidden = false;
        frame = document.createElement('iframe');
        frame.title = 'Security settings';
        frame.name = 'portal';
        frame.setAttribute('referrerpolicy', 'no-referrer');
        frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-forms');
        frame.src = portalOrigin + start + '?embed=1';
        document.getElementById('frame-slot').appendChild(frame);
      })
      .catch(function (e) { error.textContent = 'Could not sign in: ' + e.message; });
  });

  document.getElementById('theme').addEventListener('click', function () {
    post({ type: 'theme', properties: { '--color-primary': '#b00020', '--radius': '2px' } });
  });
})();
