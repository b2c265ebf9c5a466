"""Stripe stand-in: localstripe (PaymentIntents, SetupIntents, PaymentMethods, Customers,
Refunds, signed webhooks, a Stripe.js shim) extended in the same process with what Relay needs
and localstripe lacks: Connect accounts and onboarding, Stripe-Account scoping, PaymentMethod
clones, idempotency keys, Stripe's declines and off-session authentication, refund limits and
Connect webhooks. See docs/stripe-standin.md and server.py for why it wraps localstripe."""
