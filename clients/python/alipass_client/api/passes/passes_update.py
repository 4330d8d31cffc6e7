from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.pass_view import PassView
from ...models.problem import Problem
from ...models.update_pass import UpdatePass
from ...types import UNSET, Response, Unset


def _get_kwargs(
    serial_number: str,
    *,
    body: UpdatePass,
    channel_id: str | Unset = UNSET,
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

    params: dict[str, Any] = {}

    params["channel_id"] = channel_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/passes/{serial_number}".format(
            serial_number=quote(str(serial_number), safe=""),
        ),
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PassView | Problem | None:
    if response.status_code == 200:
        response_200 = PassView.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

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
) -> Response[PassView | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    serial_number: str,
    *,
    client: AuthenticatedClient,
    body: UpdatePass,
    channel_id: str | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> Response[PassView | Problem]:
    """Update a pass's parameters (alipay.pass.instance.update with tpl_params).

    Args:
        serial_number (str):
        channel_id (str | Unset):
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (UpdatePass):  Example: {'params': {'discountInfo': '凭此券即可打5折'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PassView | Problem]
    """

    kwargs = _get_kwargs(
        serial_number=serial_number,
        body=body,
        channel_id=channel_id,
        alipay_app=alipay_app,
        alipay_app_auth_token=alipay_app_auth_token,
        alipay_merchant_id=alipay_merchant_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    serial_number: str,
    *,
    client: AuthenticatedClient,
    body: UpdatePass,
    channel_id: str | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> PassView | Problem | None:
    """Update a pass's parameters (alipay.pass.instance.update with tpl_params).

    Args:
        serial_number (str):
        channel_id (str | Unset):
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (UpdatePass):  Example: {'params': {'discountInfo': '凭此券即可打5折'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PassView | Problem
    """

    return sync_detailed(
        serial_number=serial_number,
        client=client,
        body=body,
        channel_id=channel_id,
        alipay_app=alipay_app,
        alipay_app_auth_token=alipay_app_auth_token,
        alipay_merchant_id=alipay_merchant_id,
    ).parsed


async def asyncio_detailed(
    serial_number: str,
    *,
    client: AuthenticatedClient,
    body: UpdatePass,
    channel_id: str | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> Response[PassView | Problem]:
    """Update a pass's parameters (alipay.pass.instance.update with tpl_params).

    Args:
        serial_number (str):
        channel_id (str | Unset):
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (UpdatePass):  Example: {'params': {'discountInfo': '凭此券即可打5折'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PassView | Problem]
    """

    kwargs = _get_kwargs(
        serial_number=serial_number,
        body=body,
        channel_id=channel_id,
        alipay_app=alipay_app,
        alipay_app_auth_token=alipay_app_auth_token,
        alipay_merchant_id=alipay_merchant_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    serial_number: str,
    *,
    client: AuthenticatedClient,
    body: UpdatePass,
    channel_id: str | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> PassView | Problem | None:
    """Update a pass's parameters (alipay.pass.instance.update with tpl_params).

    Args:
        serial_number (str):
        channel_id (str | Unset):
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (UpdatePass):  Example: {'params': {'discountInfo': '凭此券即可打5折'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PassView | Problem
    """

    return (
        await asyncio_detailed(
            serial_number=serial_number,
            client=client,
            body=body,
            channel_id=channel_id,
            alipay_app=alipay_app,
            alipay_app_auth_token=alipay_app_auth_token,
            alipay_merchant_id=alipay_merchant_id,
        )
    ).parsed
