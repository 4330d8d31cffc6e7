from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.send_voucher import SendVoucher
from ...models.voucher_view import VoucherView
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: SendVoucher,
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
        "url": "/v1/vouchers",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | VoucherView | None:
    if response.status_code == 201:
        response_201 = VoucherView.from_dict(response.json())

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
) -> Response[Problem | VoucherView]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: SendVoucher,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> Response[Problem | VoucherView]:
    """Send a marketing voucher (alipay.marketing.voucher.send), idempotent on
    template_id + out_biz_no.

    Args:
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (SendVoucher): What a caller posts to send a voucher. Example: {'template_id':
            '20140601000730010040000000EB', 'recipient': {'user_id': '2088302001456115'},
            'out_biz_no': '2016122814164328aadaee_1aee_4', 'memo': '优酷3个月兑换券'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | VoucherView]
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
    body: SendVoucher,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> Problem | VoucherView | None:
    """Send a marketing voucher (alipay.marketing.voucher.send), idempotent on
    template_id + out_biz_no.

    Args:
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (SendVoucher): What a caller posts to send a voucher. Example: {'template_id':
            '20140601000730010040000000EB', 'recipient': {'user_id': '2088302001456115'},
            'out_biz_no': '2016122814164328aadaee_1aee_4', 'memo': '优酷3个月兑换券'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | VoucherView
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
    body: SendVoucher,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> Response[Problem | VoucherView]:
    """Send a marketing voucher (alipay.marketing.voucher.send), idempotent on
    template_id + out_biz_no.

    Args:
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (SendVoucher): What a caller posts to send a voucher. Example: {'template_id':
            '20140601000730010040000000EB', 'recipient': {'user_id': '2088302001456115'},
            'out_biz_no': '2016122814164328aadaee_1aee_4', 'memo': '优酷3个月兑换券'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | VoucherView]
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
    body: SendVoucher,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> Problem | VoucherView | None:
    """Send a marketing voucher (alipay.marketing.voucher.send), idempotent on
    template_id + out_biz_no.

    Args:
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (SendVoucher): What a caller posts to send a voucher. Example: {'template_id':
            '20140601000730010040000000EB', 'recipient': {'user_id': '2088302001456115'},
            'out_biz_no': '2016122814164328aadaee_1aee_4', 'memo': '优酷3个月兑换券'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | VoucherView
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
