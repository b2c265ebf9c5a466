/* Card pages: Stripe's own card field (Stripe.js), so card data never touches Relay.
 * - Paying (#card-payment): confirmCardPayment in the supplier's connected account; 3-D Secure
 *   runs in Stripe's own dialog. Whatever the outcome, Relay then reads the payment's state
 *   from Stripe (the #card-confirmed form), so the page never decides what was paid.
 * - Saving a card for automatic payment (#card-setup): confirmCardSetup on Relay's platform
 *   account (a SetupIntent), then #card-saved asks Relay to read it back.
 * The PayPal hand-off page: PayPal's approval runs top-level, out of the admin's frame. */
(function () {
  const paypal = document.querySelector('[data-paypal-approve]');
  if (paypal) {
    window.open(paypal.href, '_top');
    return;
  }
  if (typeof window.Stripe !== 'function') return;

  function cardForm(section, stripe, confirm, buttonId, doneId) {
    const card = stripe.elements().create('card');
    card.mount('#card-element');
    const button = document.getElementById(buttonId);
    const errors = document.getElementById('card-errors');
    const done = document.getElementById(doneId);
    button.addEventListener('click', function () {
      button.disabled = true;
      errors.textContent = '';
      confirm(section.dataset.clientSecret, {payment_method: {card: card}}).then(function (result) {
        if (result.error) {
          errors.textContent = result.error.message || '';
          button.disabled = false;
          return;
        }
        done.requestSubmit ? done.requestSubmit() : done.submit();
      });
    });
  }

  const paying = document.getElementById('card-payment');
  if (paying) {
    const stripe = window.Stripe(paying.dataset.publishableKey, {stripeAccount: paying.dataset.account});
    cardForm(paying, stripe, stripe.confirmCardPayment.bind(stripe), 'card-pay', 'card-confirmed');
  }
  const saving = document.getElementById('card-setup');
  if (saving) {
    const stripe = window.Stripe(saving.dataset.publishableKey);
    cardForm(saving, stripe, stripe.confirmCardSetup.bind(stripe), 'card-save', 'card-saved');
  }
})();
