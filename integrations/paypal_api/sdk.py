"""The official paypal-server-sdk, pointed at a configured base URL (api-m.paypal.com, or the
stand-in in development and tests), and its errors turned into ours."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import requests
from apimatic_core.exceptions.auth_validation_exception import AuthValidationException
from paypalserversdk.configuration import Configuration, Environment, Server
from paypalserversdk.exceptions.api_exception import ApiException
from paypalserversdk.http.auth.o_auth_2 import ClientCredentialsAuthCredentials
from paypalserversdk.paypal_serversdk_client import PaypalServersdkClient

from integrations.paypal_api.types import PayPalRefused, PayPalUnavailable

TIMEOUT_SECONDS = 20


class _SeamConfiguration(Configuration):
    """The SDK only knows PayPal's two hosts; this one answers the configured base URL."""

    def __init__(self, api_base: str, **kwargs):
        self._api_base = api_base.rstrip("/")
        super().__init__(**kwargs)

    def get_base_uri(self, server=Server.DEFAULT):
        return self._api_base


class SdkClient:
    """One SDK client per (base, id, secret); it keeps the OAuth token until it expires."""

    def __init__(self, api_base: str, client_id: str, client_secret: str):
        self.api_base = api_base.rstrip("/")
        self._credentials = (client_id, client_secret)
        self._lock = threading.Lock()
        self._token = None
        self.client = self._new_client()

    def _new_client(self) -> PaypalServersdkClient:
        credentials = ClientCredentialsAuthCredentials(
            o_auth_client_id=self._credentials[0],
            o_auth_client_secret=self._credentials[1],
            o_auth_on_token_update=self._keep_token,
        )
        config = _SeamConfiguration(
            self.api_base,
            timeout=TIMEOUT_SECONDS,
            max_retries=0,
            environment=Environment.PRODUCTION,
            client_credentials_auth_credentials=credentials,
        )
        return PaypalServersdkClient(config=config)

    def _keep_token(self, token) -> None:
        self._token = token

    def access_token(self) -> str:
        """The SDK's current OAuth token (fetched if needed), for the one call the SDK lacks."""
        return self.call(lambda client: _valid_token(client, self))

    def forget_token(self) -> None:
        """After a 401: a restarted stand-in or a revoked token; the next call fetches anew."""
        with self._lock:
            self._token = None
            self.client = self._new_client()

    def call(self, operation: Callable[[PaypalServersdkClient], Any]) -> Any:
        """Run one SDK call; a 401 on a kept token is retried once with a fresh one."""
        try:
            return _translated(operation, self.client)
        except PayPalRefused as refused:
            if refused.status != 401 or refused.issue == "invalid_client":
                raise
        self.forget_token()
        return _translated(operation, self.client)


def _valid_token(client: PaypalServersdkClient, owner: SdkClient) -> str:
    if not client.oauth_2.is_valid():
        raise AuthValidationException(client.oauth_2.error_message)
    return owner._token.access_token


def _translated(operation, client):
    try:
        return operation(client)
    except requests.RequestException as exc:
        raise PayPalUnavailable(f"PayPal did not answer: {exc}") from exc
    except AuthValidationException as exc:
        # The SDK swallows the token endpoint's refusal and reports "no token": the client
        # id/secret were refused (or the token endpoint failed: same outcome for the caller).
        raise PayPalRefused("invalid_client", str(exc), 401) from exc
    except ApiException as exc:
        raise _error(exc) from exc


def _error(exc: ApiException) -> Exception:
    status = exc.response_code
    if status >= 500 or status == 429:
        return PayPalUnavailable(f"PayPal answered {status}")
    details = getattr(exc, "details", None) or []
    issue = details[0].issue if details and getattr(details[0], "issue", None) else None
    name = getattr(exc, "name", None)
    message = getattr(exc, "message", None) or exc.reason
    if details and getattr(details[0], "description", None):
        message = details[0].description
    return PayPalRefused(issue or name or str(status), str(message), status, name)
