/* The card payment page: Stripe's own card field (Stripe.js, in the supplier's connected
 * account), so card data never touches Relay. confirmCardPayment handles 3-D Secure in
 * Stripe's own dialog; whatever the outcome, Relay then reads the payment's state from Stripe
 * (the #card-confirmed form), so the page never decides what was paid.
 * The PayPal hand-off page: PayPal's approval runs top-level, out of the admin's frame. */
(function () {
  const paypal = document.querySelector('[data-paypal-approve]');
  if (paypal) {
    window.open(paypal.href, '_top');
    return;
  }
  const section = document.getElementById('card-payment');
  if (!section || typeof window.Stripe !== 'function') return;
  const stripe = window.Stripe(section.dataset.publishableKey, {stripeAccount: section.dataset.account});
  const card = stripe.elements().create('card');
  card.mount('#card-element');
  const button = document.getElementById('card-pay');
  const errors = document.getElementById('card-errors');
  const done = document.getElementById('card-confirmed');
  button.addEventListener('click', function () {
    button.disabled = true;
    errors.textContent = '';
    stripe.confirmCardPayment(section.dataset.clientSecret, {payment_method: {card: card}})
      .then(function (result) {
        if (result.error) {
          errors.textContent = result.error.message || '';
          button.disabled = false;
          return;
        }
        done.requestSubmit ? done.requestSubmit() : done.submit();
      });
  });
})();

/* Saving a card for automatic payment: a SetupIntent on Relay's platform account. */
(function () {
  const section = document.getElementById('card-setup');
  if (!section || typeof window.Stripe !== 'function') return;
  const stripe = window.Stripe(section.dataset.publishableKey);
  const card = stripe.elements().create('card');
  card.mount('#card-element');
  const button = document.getElementById('card-save');
  const errors = document.getElementById('card-errors');
  const done = document.getElementById('card-saved');
  button.addEventListener('click', function () {
    button.disabled = true;
    stripe.confirmCardSetup(section.dataset.clientSecret, {payment_method: {card: card}})
      .then(function (result) {
        if (result.error) {
          errors.textContent = result.error.message || '';
          button.disabled = false;
          return;
        }
        done.requestSubmit ? done.requestSubmit() : done.submit();
      });
  });
})();
