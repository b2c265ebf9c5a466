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
    // issueRequest(true) skips htmx's own hx-confirm prompt, so ask it here first.
    if (event.detail.question && !window.confirm(event.detail.question)) return;
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

  // Plain forms (no htmx): put the token in a hidden field before submitting. Without a token
  // (App Bridge failed) the form is sent anyway: the server answers it as an expired session
  // instead of the click doing nothing.
  document.addEventListener('submit', function (event) {
    const form = event.target;
    if (form.hasAttribute('hx-post') || form.hasAttribute('hx-get') || form.dataset.relayTokenAdded) return;
    event.preventDefault();
    function send() {
      form.dataset.relayTokenAdded = '1';
      form.submit();
    }
    freshToken().then(function (token) {
      let field = form.querySelector('input[name="id_token"]');
      if (!field) {
        field = document.createElement('input');
        field.type = 'hidden'; field.name = 'id_token';
        form.appendChild(field);
      }
      field.value = token;
      send();
    }).catch(send);
  });

  // Toasts the server asks for (HX-Trigger: relay:toast): App Bridge's toast in the admin.
  document.body.addEventListener('relay:toast', function (event) {
    const detail = event.detail || {};
    if (window.shopify && window.shopify.toast) {
      window.shopify.toast.show(detail.message, {isError: !!detail.error, duration: 4000});
    }
  });

  // Grid selection: "select all on this page" and the live count in the bulk bar. With nothing
  // selected the bar shows its hint again, e.g. once a bulk action has swapped the grid.
  function updateSelection() {
    const boxes = document.querySelectorAll('#orders-grid input[name=order]');
    const checked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
    const label = document.querySelector('#orders-grid [data-selected-count]');
    if (label) {
      if (label.dataset.hint === undefined) label.dataset.hint = label.textContent;
      label.textContent = checked ? checked + ' ✓' : label.dataset.hint;
    }
    const all = document.querySelector('#orders-grid [data-select-all]');
    if (all) all.checked = boxes.length > 0 && checked === boxes.length;
  }
  document.addEventListener('change', function (event) {
    const target = event.target;
    if (target.matches && target.matches('[data-select-all]')) {
      document.querySelectorAll('#orders-grid input[name=order]').forEach(function (b) { b.checked = target.checked; });
    }
    if (target.closest && target.closest('#orders-grid')) updateSelection();
  });
  document.addEventListener('htmx:afterSettle', updateSelection);

  // Copy buttons (manual suppliers: SKUs and the shipping address) and closing the drawer.
  document.addEventListener('click', function (event) {
    const copy = event.target.closest && event.target.closest('[data-copy]');
    if (copy) {
      const source = document.querySelector(copy.dataset.copy);
      if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.innerText.trim()).then(function () {
          copy.classList.add('copied');
          setTimeout(function () { copy.classList.remove('copied'); }, 1500);
        });
      }
    }
    if (event.target.closest && event.target.closest('[data-close-drawer]')) {
      const drawer = document.getElementById('drawer');
      if (drawer && drawer.getAttribute('role') === 'dialog') relayDrawer.close();
      else if (drawer) drawer.innerHTML = '';
    }
  });
})();

/* The order drawer on the grid (aside#drawer, role="dialog"): focus moves to its Close button
 * when it opens, Escape closes it, the page behind is inert while it is open, and closing it
 * puts focus back on the row link that opened it. After a row, bulk or drawer action swaps the
 * focused element away, focus goes somewhere sensible instead of <body>, and every toast is
 * also announced in the page's role="status" region. */
var relayDrawer = (function () {
  let openerRow = null, opener = null, inerted = [];
  // A form swapped into the dialog (the refund form, the address form): focus its first field.
  const FIELD = 'form input:checked, form input:not([type=hidden]):not([type=radio]):not([disabled]), form select, form textarea';

  function drawer() {
    const aside = document.getElementById('drawer');
    return aside && aside.getAttribute('role') === 'dialog' ? aside : null;
  }
  function isOpen() { const d = drawer(); return !!(d && d.children.length); }
  function setInert(on) {
    inerted.forEach(function (el) { el.inert = false; });
    inerted = [];
    const d = drawer();
    if (!on || !d) return;
    for (let node = d; node && node !== document.body; node = node.parentElement) {
      Array.prototype.forEach.call(node.parentElement.children, function (sibling) {
        if (sibling === node || sibling.inert || sibling.id === 'relay-status' || sibling.tagName === 'SCRIPT') return;
        sibling.inert = true;
        inerted.push(sibling);
      });
    }
  }
  function rowLink(rowId) {
    return rowId && document.querySelector('#' + rowId + ' a.order-link');
  }
  function focusable(el) {
    if (el && !el.matches('a, button, input, select, textarea, [tabindex]')) el.setAttribute('tabindex', '-1');
    return el;
  }
  function focusInDrawer() {
    const d = drawer();
    const target = d && (d.querySelector('[data-close-drawer]') || d.querySelector('h2'));
    if (target) focusable(target).focus();
  }
  // The drawer is hidden at once and the page behind made live after that paint: un-inerting
  // the grid restyles the whole page, which would otherwise delay the frame that shows the
  // drawer closed (the interaction's latency, INP in bench/web_vitals.py).
  function close() {
    const d = drawer();
    if (!d) return;
    const closing = d.firstElementChild;
    d.style.visibility = 'hidden';
    requestAnimationFrame(function () {
      setTimeout(function () {
        d.style.visibility = '';
        if (d.firstElementChild !== closing) return;  // another order opened meanwhile
        setInert(false);
        const back = rowLink(openerRow) || (opener && opener.isConnected ? opener : null);
        if (back) back.focus();
        d.innerHTML = '';
      }, 0);
    });
  }
  function dropped() {
    return !document.activeElement || document.activeElement === document.body || !document.activeElement.isConnected;
  }
  function announce(message) {
    const region = document.getElementById('relay-status');
    if (!region || !message) return;
    region.textContent = '';
    setTimeout(function () { region.textContent = message; }, 50);
  }

  document.addEventListener('htmx:beforeRequest', function (event) {
    const elt = event.detail.elt;
    if (!elt || !elt.closest) return;
    const row = elt.closest('tr[id^="order-row-"]');
    // Kept on the request itself: polling requests must not overwrite an action's plan.
    event.detail.xhr.__relayFocusPlan = {
      opensDrawer: event.detail.target && event.detail.target.id === 'drawer' && !!drawer(),
      elt: elt,
      row: row ? row.id : null,
      inDrawer: !!elt.closest('#drawer'),
      bulk: !!elt.closest('#bulk-form'),
      sort: elt.dataset ? elt.dataset.sort : undefined,
      target: event.detail.target ? event.detail.target.id : null,
    };
  });

  document.addEventListener('htmx:afterSettle', function (event) {
    const plan = event.detail.xhr && event.detail.xhr.__relayFocusPlan;
    if (!plan) return;
    event.detail.xhr.__relayFocusPlan = null;
    if (plan.opensDrawer) {
      if (!isOpen()) return;
      openerRow = plan.row;
      opener = plan.elt;
      setInert(true);
      focusInDrawer();
      return;
    }
    if (!dropped()) return;
    const grid = document.getElementById('orders-grid');
    if (plan.inDrawer && isOpen()) {
      const notice = drawer().querySelector('[role=status], [role=alert]');
      const swapped = plan.target && document.getElementById(plan.target);
      const field = swapped && swapped.querySelector(FIELD);
      if (notice) focusable(notice).focus(); else if (field) field.focus(); else focusInDrawer();
    } else if (plan.row && rowLink(plan.row)) {
      rowLink(plan.row).focus();
    } else if (plan.sort && grid && grid.querySelector('[data-sort="' + plan.sort + '"]')) {
      grid.querySelector('[data-sort="' + plan.sort + '"]').focus();
    } else if (plan.bulk && grid) {
      const notice = grid.querySelector('.notice, [role=status]');
      const fallback = grid.querySelector('#bulk-form button[type=submit]') || grid;
      focusable(notice || fallback).focus();
    }
  });

  // What Tab can reach inside the dialog, in order: visible, enabled, and of a radio group only
  // the checked radio (or the first one when none is).
  function tabStops() {
    const d = drawer();
    if (!d) return [];
    const selector = 'a[href], button, input, select, textarea, summary, [tabindex]';
    return Array.prototype.filter.call(d.querySelectorAll(selector), function (el) {
      if (el.disabled || el.type === 'hidden' || el.getAttribute('tabindex') === '-1') return false;
      if (el.checkVisibility ? !el.checkVisibility({visibilityProperty: true}) : !el.getClientRects().length) return false;
      if (el.type === 'radio' && !el.checked) {
        const group = el.form ? el.form.elements[el.name] : null;
        const checked = group && Array.prototype.some.call(group, function (r) { return r.checked; });
        return !checked && group && group[0] === el;
      }
      return true;
    });
  }

  // Escape closes the dialog; Tab and Shift+Tab go round inside it (from the last tab stop to
  // the first and back), never to the page behind or out of the admin's iframe.
  document.addEventListener('keydown', function (event) {
    if (event.defaultPrevented || !isOpen()) return;
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
      return;
    }
    if (event.key !== 'Tab' || event.altKey || event.ctrlKey || event.metaKey) return;
    const stops = tabStops();
    if (!stops.length) return;
    const first = stops[0], last = stops[stops.length - 1], active = document.activeElement;
    const inside = active && drawer().contains(active);
    if (event.shiftKey && (!inside || active === first)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (!inside || active === last)) {
      event.preventDefault();
      first.focus();
    }
  });

  // A click on the (inert) page behind closes the dialog, as the mouse user expects.
  document.addEventListener('click', function (event) {
    const target = event.target;
    if (!isOpen() || !target.isConnected || (target.closest && target.closest('#drawer'))) return;
    close();
  });

  document.body.addEventListener('relay:toast', function (event) {
    announce((event.detail || {}).message);
  });

  return {close: close};
})();

/* The refund form (orders/_refund_form.html): the total is recomputed as the merchant types,
 * a quantity prefills its amount (unit price x quantity, capped at what is left), and "Full
 * refund" fills in everything refundable. The server checks everything again. */
(function () {
  function currencyFormat(form) {
    return new Intl.NumberFormat(document.documentElement.lang || 'en', {style: 'currency', currency: form.dataset.currency});
  }
  function decimals(form) { return currencyFormat(form).resolvedOptions().maximumFractionDigits; }
  function parseAmount(text) {
    text = (text || '').trim().replace(/\s/g, '');
    if (text === '') return 0;
    if (text.indexOf(',') >= 0 && text.indexOf('.') < 0) text = text.replace(',', '.');
    return /^\d*\.?\d*$/.test(text) ? Number(text) : NaN;
  }
  function recompute(form) {
    let total = 0, bad = false;
    form.querySelectorAll('[data-refund-amount]').forEach(function (input) {
      if (input.disabled) return;
      const value = parseAmount(input.value);
      if (isNaN(value)) bad = true; else total += value;
    });
    const out = form.querySelector('[data-refund-total]');
    if (!out) return;
    out.textContent = bad ? '—' : currencyFormat(form).format(total);
    out.classList.toggle('over', !bad && total > Number(form.dataset.totalLeft) + 1e-9);
  }
  function fillFull(form, full) {
    form.querySelectorAll('[data-refund-line]').forEach(function (row) {
      if (row.hasAttribute('data-blocked')) return;
      const qty = row.querySelector('[data-refund-qty]'), amount = row.querySelector('[data-refund-amount]');
      if (full) { qty.value = row.dataset.maxQty; amount.value = row.dataset.maxAmount; }
      qty.readOnly = amount.readOnly = full;
    });
    const shippingRow = form.querySelector('[data-refund-shipping]');
    if (shippingRow) {
      const shipping = shippingRow.querySelector('input');
      if (full) shipping.value = shippingRow.dataset.maxAmount;
      shipping.readOnly = full;
    }
  }
  document.addEventListener('input', function (event) {
    const form = event.target.closest && event.target.closest('#refund-form');
    if (!form) return;
    if (event.target.matches('[data-refund-qty]')) {
      const row = event.target.closest('[data-refund-line]');
      const amount = row.querySelector('[data-refund-amount]');
      if (!amount.dataset.touched) {
        const qty = parseInt(event.target.value || '0', 10) || 0;
        const value = Math.min(qty * Number(row.dataset.unitPrice), Number(row.dataset.maxAmount));
        amount.value = qty > 0 ? value.toFixed(decimals(form)) : '';
      }
    } else if (event.target.matches('[data-refund-amount]')) {
      event.target.dataset.touched = '1';
    }
    recompute(form);
  });
  document.addEventListener('change', function (event) {
    if (!(event.target.matches && event.target.matches('[data-refund-mode]'))) return;
    const form = event.target.closest('#refund-form');
    fillFull(form, event.target.value === 'full' && event.target.checked);
    recompute(form);
  });
  function init() {
    const form = document.getElementById('refund-form');
    if (!form) return;
    const full = form.querySelector('[data-refund-mode][value=full]');
    if (full && full.checked) fillFull(form, true);
    recompute(form);
  }
  document.addEventListener('DOMContentLoaded', init);
  document.addEventListener('htmx:afterSettle', init);
})();
