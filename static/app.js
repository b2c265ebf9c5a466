/* Relay in the admin iframe: every htmx request carries a fresh App Bridge ID token.
 * htmx 2 uses XMLHttpRequest, which App Bridge does not patch, so we ask shopify.idToken()
 * before each request (htmx:confirm lets us wait for the promise), and plain form posts get
 * the token in a hidden field. A 401 with X-Shopify-Retry-Invalid-Session-Request is retried
 * once with a new token. */
(function () {
  const locale = new URLSearchParams(window.location.search).get('locale') || document.documentElement.lang || 'en';

  function freshToken() {
    if (window.shopify && typeof window.shopify.idToken === 'function') return window.shopify.idToken();
    return Promise.reject(new Error('App Bridge is not loaded'));
  }

  document.addEventListener('htmx:confirm', function (event) {
    if (event.detail.elt.dataset.relayToken === 'skip') return;
    event.preventDefault();
    freshToken().then(function (token) {
      event.detail.elt.__relayToken = token;
      event.detail.issueRequest(true);
    }).catch(function () { event.detail.issueRequest(true); });
  });

  document.addEventListener('htmx:configRequest', function (event) {
    const token = event.detail.elt.__relayToken;
    if (token) event.detail.headers['Authorization'] = 'Bearer ' + token;
    event.detail.headers['X-Relay-Locale'] = locale;
  });

  document.addEventListener('htmx:responseError', function (event) {
    const xhr = event.detail.xhr;
    const elt = event.detail.elt;
    if (xhr.status === 401 && xhr.getResponseHeader('X-Shopify-Retry-Invalid-Session-Request') && !elt.__relayRetried) {
      elt.__relayRetried = true;
      htmx.trigger(elt, event.detail.requestConfig.triggeringEvent ? event.detail.requestConfig.triggeringEvent.type : 'click');
    }
  });

  // Plain forms (no htmx): put the token in a hidden field before submitting.
  document.addEventListener('submit', function (event) {
    const form = event.target;
    if (form.hasAttribute('hx-post') || form.hasAttribute('hx-get') || form.dataset.relayTokenAdded) return;
    event.preventDefault();
    freshToken().then(function (token) {
      let field = form.querySelector('input[name="id_token"]');
      if (!field) {
        field = document.createElement('input');
        field.type = 'hidden'; field.name = 'id_token';
        form.appendChild(field);
      }
      field.value = token;
      form.dataset.relayTokenAdded = '1';
      form.submit();
    });
  });
})();
