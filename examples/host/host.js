// An example customer-account page embedding the Enrollment Portal.
// The portal's origin comes from ?portal=..., default the `cargo xtask serve` one.
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var portal = params.get('portal') || 'http://127.0.0.1:8080';
  var portalOrigin = new URL(portal).origin;
  var start = params.get('start') || '/enroll';
  var token = null;
  var frame = null;

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
    if (message.type === 'ready' && token) post({ type: 'session', token: token });
    if (message.type === 'resize') frame.style.height = message.height + 'px';
  });

  document.getElementById('signin-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var error = document.getElementById('signin-error');
    error.textContent = '';
    fetch(portalOrigin + '/api/v1/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        email: document.getElementById('email').value,
        password: document.getElementById('password').value,
      }),
    })
      .then(function (response) { return response.json(); })
      .then(function (envelope) {
        if (envelope.status !== 'SUCCEEDED') throw new Error(envelope.error ? envelope.error.label : 'sign-in failed');
        token = envelope.result.token;
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
