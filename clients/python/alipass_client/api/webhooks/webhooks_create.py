from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_endpoint import CreateEndpoint
from ...models.endpoint_view import EndpointView
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: CreateEndpoint,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(alipay_app, Unset):
        headers["Alipay-App"] = alipay_app

    if not isinstance(alipay_app_auth_token, Unset):
        headers["Alipay-App-Auth-Token"] = alipay_app_auth_token

    if not isinstance(alipay_merchant_id, Unset):
        headers["Alipay-Merchant-Id"] = alipay_merchant_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/webhook-endpoints",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> EndpointView | Problem | None:
    if response.status_code == 201:
        response_201 = EndpointView.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[EndpointView | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateEndpoint,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> Response[EndpointView | Problem]:
    """Register an endpoint for some event types. The answer carries its signing secret, once:
    every delivery is signed as Standard Webhooks specifies (`webhook-id`,
    `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), so any Standard
    Webhooks library verifies it. Only hosts the operator allows (`webhooks.allow`) can be
    registered.

     Events go only to keys that may read them: registering needs `read` as well as
    `webhooks:write` (events carry what `read` shows, pass parameters included), for the
    app the request acts for. Every delivery checks the registering key as configured
    then: once it lacks `read` or the app, nothing more is sent and the endpoint is
    disabled, saying why.

    Args:
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (CreateEndpoint): What a caller posts to register an endpoint. Example: {'url':
            'https://orders.example.com/alipass-events', 'event_types': ['pass.issued', 'pass.failed',
            'operation.settled'], 'description': 'order service'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointView | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        alipay_app=alipay_app,
        alipay_app_auth_token=alipay_app_auth_token,
        alipay_merchant_id=alipay_merchant_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: CreateEndpoint,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> EndpointView | Problem | None:
    """Register an endpoint for some event types. The answer carries its signing secret, once:
    every delivery is signed as Standard Webhooks specifies (`webhook-id`,
    `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), so any Standard
    Webhooks library verifies it. Only hosts the operator allows (`webhooks.allow`) can be
    registered.

     Events go only to keys that may read them: registering needs `read` as well as
    `webhooks:write` (events carry what `read` shows, pass parameters included), for the
    app the request acts for. Every delivery checks the registering key as configured
    then: once it lacks `read` or the app, nothing more is sent and the endpoint is
    disabled, saying why.

    Args:
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (CreateEndpoint): What a caller posts to register an endpoint. Example: {'url':
            'https://orders.example.com/alipass-events', 'event_types': ['pass.issued', 'pass.failed',
            'operation.settled'], 'description': 'order service'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointView | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        alipay_app=alipay_app,
        alipay_app_auth_token=alipay_app_auth_token,
        alipay_merchant_id=alipay_merchant_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateEndpoint,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> Response[EndpointView | Problem]:
    """Register an endpoint for some event types. The answer carries its signing secret, once:
    every delivery is signed as Standard Webhooks specifies (`webhook-id`,
    `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), so any Standard
    Webhooks library verifies it. Only hosts the operator allows (`webhooks.allow`) can be
    registered.

     Events go only to keys that may read them: registering needs `read` as well as
    `webhooks:write` (events carry what `read` shows, pass parameters included), for the
    app the request acts for. Every delivery checks the registering key as configured
    then: once it lacks `read` or the app, nothing more is sent and the endpoint is
    disabled, saying why.

    Args:
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (CreateEndpoint): What a caller posts to register an endpoint. Example: {'url':
            'https://orders.example.com/alipass-events', 'event_types': ['pass.issued', 'pass.failed',
            'operation.settled'], 'description': 'order service'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[EndpointView | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        alipay_app=alipay_app,
        alipay_app_auth_token=alipay_app_auth_token,
        alipay_merchant_id=alipay_merchant_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateEndpoint,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> EndpointView | Problem | None:
    """Register an endpoint for some event types. The answer carries its signing secret, once:
    every delivery is signed as Standard Webhooks specifies (`webhook-id`,
    `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), so any Standard
    Webhooks library verifies it. Only hosts the operator allows (`webhooks.allow`) can be
    registered.

     Events go only to keys that may read them: registering needs `read` as well as
    `webhooks:write` (events carry what `read` shows, pass parameters included), for the
    app the request acts for. Every delivery checks the registering key as configured
    then: once it lacks `read` or the app, nothing more is sent and the endpoint is
    disabled, saying why.

    Args:
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (CreateEndpoint): What a caller posts to register an endpoint. Example: {'url':
            'https://orders.example.com/alipass-events', 'event_types': ['pass.issued', 'pass.failed',
            'operation.settled'], 'description': 'order service'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        EndpointView | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            alipay_app=alipay_app,
            alipay_app_auth_token=alipay_app_auth_token,
            alipay_merchant_id=alipay_merchant_id,
        )
    ).parsed
