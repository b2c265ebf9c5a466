/* devstore's App Bridge stand-in: the parts of Shopify's app-bridge.js Relay relies on.
 * - window.shopify.idToken(): a fresh ID token (HS256, 60 s). Inside the devstore admin it is
 *   minted by the admin page that frames the app (postMessage); top-level (the bounce page
 *   opened outside the admin) it is fetched from devstore directly (CORS).
 * - fetch() to the app's own origin carries Authorization: Bearer <id token>, retries once on
 *   401 + X-Shopify-Retry-Invalid-Session-Request, and follows
 *   X-Shopify-API-Request-Failure-Reauthorize-Url top-level, like App Bridge.
 * - The bounce page (?shopify-reload=...) reloads that URL with a fresh id_token.
 * - shopify.toast.show(message, {duration, isError}) shows a toast, drawn by the admin page.
 * - <ui-nav-menu> links are listed in the admin's sidebar; clicking one opens it in the app.
 * - shopify.environment.embedded tells the app it runs inside the admin.
 * - Inside the admin, the admin's address bar follows the app's path and query: every
 *   history.pushState/replaceState and popstate in the iframe is reported to the admin page,
 *   which rewrites its own URL to /admin/apps/<app>/<path>?<query> (so it can be shared).
 * - <ui-title-bar title="…"> with its <a variant="breadcrumb">, <button variant="primary"> and
 *   other buttons: the admin draws the title bar above the iframe (document.title when there
 *   is none) and forwards a click on one of its actions to the element here (element.click()).
 * - <form data-save-bar [data-discard-confirmation]>: when a field differs from what the page
 *   was loaded with, the admin shows "Unsaved changes" with Discard (form.reset()) and Save
 *   (form.requestSubmit()); the bar hides on submit and reset. While it shows, leaving (the
 *   admin's sidebar or title bar, a link inside the app) asks first; outside the admin the
 *   browser's own beforeunload warning does. */
(function () {
  const script = document.currentScript;
  const devstoreOrigin = script && script.src ? new URL(script.src).origin : window.location.origin;
  const meta = document.querySelector('meta[name="shopify-api-key"]');
  const apiKey = meta ? meta.content : (script && script.dataset.apiKey);
  const params = new URLSearchParams(window.location.search);
  const embedded = window.parent !== window;

  function shopFromHost(host) {
    // host = unpadded base64 of "<devstore>/store/<shop>/admin"
    try {
      const padded = host + '='.repeat((4 - host.length % 4) % 4);
      const match = atob(padded).match(/\/store\/([^/]+)\/admin/);
      return match ? match[1] : null;
    } catch (e) { return null; }
  }
  function currentShop() {
    if (params.get('shop')) return params.get('shop');
    const reload = params.get('shopify-reload');
    if (reload) {
      const inner = new URL(reload, window.location.href).searchParams;
      if (inner.get('shop')) return inner.get('shop');
      if (inner.get('host')) return shopFromHost(inner.get('host'));
    }
    return params.get('host') ? shopFromHost(params.get('host')) : null;
  }

  const originalFetch = window.fetch.bind(window);
  let nextId = 1;
  const pending = new Map();
  window.addEventListener('message', (event) => {
    const msg = event.data || {};
    if (event.source === window.parent && msg.type === 'devstore:idToken:reply' && pending.has(msg.id)) {
      pending.get(msg.id)(msg.token);
      pending.delete(msg.id);
    }
  });

  function tokenFromAdmin() {
    return new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, resolve);
      window.parent.postMessage({type: 'devstore:idToken', id: id}, '*');
      setTimeout(() => {
        if (pending.has(id)) { pending.delete(id); reject(new Error('App Bridge: idToken timed out')); }
      }, 5000);
    });
  }
  async function tokenFromDevstore() {
    const shop = currentShop();
    if (!shop || !apiKey) throw new Error('App Bridge: no shop or API key to mint an ID token for');
    const url = devstoreOrigin + '/store/' + encodeURIComponent(shop) + '/admin/apps/' +
      encodeURIComponent(apiKey) + '/id_token';
    const response = await originalFetch(url, {method: 'POST', mode: 'cors', credentials: 'omit'});
    if (!response.ok) throw new Error('App Bridge: devstore refused an ID token (' + response.status + ')');
    return (await response.json()).id_token;
  }
  function idToken() {
    return embedded ? tokenFromAdmin() : tokenFromDevstore();
  }

  window.fetch = async function (input, init) {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url, window.location.href);
    if (url.origin !== window.location.origin) return originalFetch(input, init);
    const retryable = input instanceof Request ? input.clone() : input;
    async function attempt(request) {
      const options = Object.assign({}, init);
      const headers = new Headers(options.headers || (request instanceof Request ? request.headers : undefined));
      headers.set('Authorization', 'Bearer ' + await idToken());
      options.headers = headers;
      return originalFetch(request, options);
    }
    let response = await attempt(input);
    if (response.status === 401 && response.headers.get('X-Shopify-Retry-Invalid-Session-Request') === '1') {
      response = await attempt(retryable);
    }
    const reauthorize = response.headers.get('X-Shopify-API-Request-Failure-Reauthorize-Url');
    if (response.status === 401 && reauthorize) window.open(reauthorize, '_top');
    return response;
  };

  // shopify.toast.show(message, {duration = 5000, isError}) -> id; the admin draws it.
  let toastCount = 0;
  function showToast(message, opts) {
    const options = opts || {};
    const id = 'toast-' + (++toastCount);
    const toast = {type: 'devstore:toast', id: id, message: String(message),
      duration: options.duration || 5000, isError: !!options.isError};
    if (embedded) {
      window.parent.postMessage(toast, '*');
      return id;
    }
    const node = document.createElement('div');
    node.textContent = toast.message;
    node.setAttribute('role', 'status');
    node.style.cssText = 'position:fixed;bottom:20px;left:50%;transform:translateX(-50%);' +
      'background:' + (toast.isError ? '#8e0b21' : '#303030') +
      ';color:#fff;padding:8px 14px;border-radius:8px;z-index:2147483647';
    document.body.appendChild(node);
    setTimeout(() => node.remove(), toast.duration);
    return id;
  }
  function hideToast(id) {
    if (embedded) window.parent.postMessage({type: 'devstore:toast:hide', id: id}, '*');
  }

  window.shopify = {
    config: {apiKey: apiKey, shop: currentShop(), host: params.get('host'), locale: params.get('locale') || 'en'},
    idToken: idToken,
    toast: {show: showToast, hide: hideToast},
    environment: {embedded: embedded, mobile: false, pos: false},
  };

  // <ui-nav-menu>: its links become the app's pages in the admin's sidebar (the first, with
  // rel="home", is the app's home and is not listed). It renders nothing inside the app.
  const hide = document.createElement('style');
  hide.textContent = 'ui-nav-menu, ui-title-bar, ui-save-bar { display: none !important; }';
  document.head.appendChild(hide);
  if (!window.customElements.get('ui-nav-menu')) {
    window.customElements.define('ui-nav-menu', class extends HTMLElement {});
  }
  let sentMenu = null;
  function reportNavMenu() {
    const menu = document.querySelector('ui-nav-menu');
    const items = menu ? Array.from(menu.querySelectorAll(':scope > a')).map((a) => (
      {href: a.href, label: a.textContent.trim(), home: a.rel === 'home'})) : [];
    const json = JSON.stringify(items);
    if (json === sentMenu) return;
    sentMenu = json;
    window.parent.postMessage({type: 'devstore:navMenu', items: items}, '*');
  }
  if (embedded) {
    document.addEventListener('DOMContentLoaded', () => {
      const report = () => { reportNavMenu(); reportTitleBar(); reportSaveBar(); };
      report();
      new MutationObserver(report).observe(document.body, {childList: true, subtree: true,
        attributes: true, attributeFilter: ['title', 'disabled', 'variant']});
    });
    window.addEventListener('message', (event) => {
      const msg = event.data || {};
      if (event.source !== window.parent || msg.type !== 'devstore:navMenu:open') return;
      const target = new URL(msg.href, window.location.href);
      if (target.origin === window.location.origin) window.location.assign(target.toString());
    });
  }

  // <ui-title-bar>: the admin draws it; its actions are the bar's <a>/<button> children.
  if (!window.customElements.get('ui-title-bar')) {
    window.customElements.define('ui-title-bar', class extends HTMLElement {});
  }
  function titleBarActions() {
    const bar = document.querySelector('ui-title-bar');
    return bar ? Array.from(bar.querySelectorAll(':scope > a, :scope > button, :scope > section > a, :scope > section > button')) : [];
  }
  let sentTitleBar = null;
  function reportTitleBar() {
    const bar = document.querySelector('ui-title-bar');
    const actions = titleBarActions().map((el, index) => ({
      index: index, label: el.textContent.trim(), href: el.tagName === 'A' ? el.href : null,
      variant: el.getAttribute('variant') || '', tone: el.getAttribute('tone') || '',
      disabled: el.disabled || el.hasAttribute('disabled')}));
    const state = {type: 'devstore:titleBar', title: (bar && bar.getAttribute('title')) || document.title, actions: actions};
    const json = JSON.stringify(state);
    if (json === sentTitleBar) return;
    sentTitleBar = json;
    window.parent.postMessage(state, '*');
  }

  // <form data-save-bar>: dirty when a field differs from its default (what the page was
  // loaded or last swapped in with), until the form is submitted or reset.
  const submitted = new WeakSet();
  function defaultIndex(select) {
    const index = Array.from(select.options).findIndex((o) => o.defaultSelected);
    return index >= 0 || select.multiple ? index : 0;
  }
  function fieldChanged(el) {
    if (el.type === 'checkbox' || el.type === 'radio') return el.checked !== el.defaultChecked;
    if (el.tagName === 'SELECT') {
      return el.multiple ? Array.from(el.options).some((o) => o.selected !== o.defaultSelected)
        : el.selectedIndex !== defaultIndex(el);
    }
    if (el.type === 'file') return el.files.length > 0;
    if (['submit', 'button', 'reset', 'hidden', 'image'].includes(el.type) || !('defaultValue' in el)) return false;
    return el.value !== el.defaultValue;
  }
  function dirtyForms() {
    return Array.from(document.querySelectorAll('form[data-save-bar]')).filter(
      (form) => !submitted.has(form) && Array.from(form.elements).some(fieldChanged));
  }
  let saveBarShown = null;  // reported once on every page load: the admin may show the last page's
  function reportSaveBar() {
    const dirty = dirtyForms();
    const visible = dirty.length > 0;
    if (visible === saveBarShown) return;
    saveBarShown = visible;
    if (embedded) {
      window.parent.postMessage({type: 'devstore:saveBar', visible: visible,
        discardConfirmation: dirty.some((f) => f.hasAttribute('data-discard-confirmation'))}, '*');
    }
  }
  ['input', 'change'].forEach((name) => document.addEventListener(name, reportSaveBar, true));
  document.addEventListener('submit', (event) => {
    if (event.target.matches && event.target.matches('form[data-save-bar]')) submitted.add(event.target);
    reportSaveBar();
  }, true);
  document.addEventListener('reset', () => setTimeout(reportSaveBar, 0), true);
  window.addEventListener('beforeunload', (event) => {
    if (!embedded && dirtyForms().length) { event.preventDefault(); event.returnValue = ''; }
  });
  function discardAll() {
    dirtyForms().forEach((form) => form.reset());
    reportSaveBar();
  }
  if (embedded) {
    // A link inside the app while changes are unsaved: the admin asks before leaving.
    document.addEventListener('click', (event) => {
      const link = event.target.closest && event.target.closest('a[href]');
      if (!link || !saveBarShown || link.closest('ui-title-bar') || link.target === '_blank' ||
          link.hasAttribute('download') || event.defaultPrevented) return;
      const target = new URL(link.href, window.location.href);
      if (target.origin === window.location.origin && target.pathname === window.location.pathname &&
          target.search === window.location.search && target.hash) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      window.parent.postMessage({type: 'devstore:saveBar:leave', href: target.toString()}, '*');
    }, true);
    window.addEventListener('message', (event) => {
      const msg = event.data || {};
      if (event.source !== window.parent) return;
      if (msg.type === 'devstore:titleBar:click') {
        const action = titleBarActions()[msg.index];
        if (action && !action.disabled) action.click();
      } else if (msg.type === 'devstore:saveBar:save') {
        dirtyForms().forEach((form) => form.requestSubmit());
      } else if (msg.type === 'devstore:saveBar:discard') {
        discardAll();
      } else if (msg.type === 'devstore:saveBar:leave:confirmed') {
        discardAll();
        const target = new URL(msg.href, window.location.href);
        if (target.origin === window.location.origin) window.location.assign(target.toString());
      }
    });
  }

  function reportLocation() {
    window.parent.postMessage({type: 'devstore:location', href: window.location.href}, '*');
  }
  if (embedded && !params.get('shopify-reload')) {
    ['pushState', 'replaceState'].forEach((name) => {
      const original = window.history[name].bind(window.history);
      window.history[name] = function () {
        const result = original.apply(null, arguments);
        reportLocation();
        return result;
      };
    });
    window.addEventListener('popstate', reportLocation);
    reportLocation();
  }

  const reload = params.get('shopify-reload');
  if (reload) {
    const target = new URL(reload, window.location.href);
    // Like App Bridge, only reload the app's own URLs: the param is attacker-controllable.
    if (target.origin === window.location.origin) {
      idToken().then((token) => {
        target.searchParams.set('id_token', token);
        window.location.replace(target.toString());
      });
    }
  }
})();
