/*
 * Relay's Stripe stand-in: appended to localstripe's Stripe.js shim (above), it adds what a
 * checkout on a connected account needs and localstripe's shim lacks:
 * - Stripe(pk, {stripeAccount}) acts for that account (sent as `_stripe_account`, the name
 *   Stripe.js itself uses; localstripe ignores the option);
 * - confirmCardPayment(clientSecret, {payment_method: {card: cardElement}}) sends the card to
 *   the PaymentIntent (localstripe's only runs its 3-D Secure dialog and ignores the card),
 *   then shows the 3-D Secure dialog only when the card asks for it, and answers
 *   {paymentIntent} or {error} (with error.payment_intent) as Stripe.js does.
 */
(function () {
  const localStripe = Stripe;

  async function post(path, body) {
    try {
      const response = await fetch(`${LOCALSTRIPE_BASE_API}${path}`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      const json = await response.json().catch(() => ({}));
      if (response.status !== 200 || json.error) {
        return {error: json.error || {message: `HTTP ${response.status}`}};
      }
      return {body: json};
    } catch (err) {
      return {error: {type: 'api_connection_error', message: String(err)}};
    }
  }

  function paymentMethodData(paymentMethod) {
    const data = {type: 'card', ...paymentMethod};
    if (paymentMethod.card instanceof Element) {
      const value = paymentMethod.card.value || {card: {}};
      data.card = value.card;
      data.billing_details = paymentMethod.billing_details || {};
      data.billing_details.address = data.billing_details.address || {};
      data.billing_details.address.postal_code =
        data.billing_details.address.postal_code || value.postal_code;
    }
    return data;
  }

  function outcome(intent) {
    if (intent.status === 'requires_payment_method') {
      const error = intent.last_payment_error || {message: 'The payment failed.'};
      return {error: {type: 'card_error', ...error, payment_intent: intent}};
    }
    return {paymentIntent: intent};
  }

  Stripe = function (apiKey, options) {
    const stripe = localStripe(apiKey);
    const account = (options || {}).stripeAccount;
    const auth = (clientSecret) => {
      const body = {key: apiKey, client_secret: clientSecret};
      if (account) body._stripe_account = account;
      return body;
    };

    stripe.confirmCardPayment = async (clientSecret, data) => {
      console.log('Stripe stand-in: Stripe().confirmCardPayment()');
      const pi = clientSecret.match(/^(pi_[A-Za-z0-9]+)_secret_/)[1];
      const body = auth(clientSecret);
      const pm = (data || {}).payment_method;
      if (typeof pm === 'string') body.payment_method = pm;
      else if (pm) body.payment_method_data = paymentMethodData(pm);
      let result = await post(`/v1/payment_intents/${pi}/confirm`, body);
      if (result.error) return {error: result.error};
      if (result.body.status === 'requires_action') {
        const success = await openModal(
          '3D Secure\nDo you want to confirm or cancel?',
          'Complete authentication', 'Fail authentication');
        result = await post(
          `/v1/payment_intents/${pi}/_authenticate?success=${success}`, auth(clientSecret));
        if (result.error) return {error: result.error};
      }
      return outcome(result.body);
    };
    stripe.handleCardPayment = (clientSecret, element, data) =>
      stripe.confirmCardPayment(clientSecret, {payment_method: {card: element}, ...data});
    return stripe;
  };
})();
