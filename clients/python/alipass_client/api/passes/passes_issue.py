from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.issue_pass import IssuePass
from ...models.pass_view import PassView
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: IssuePass,
    idempotency_key: str | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    if not isinstance(alipay_app, Unset):
        headers["Alipay-App"] = alipay_app

    if not isinstance(alipay_app_auth_token, Unset):
        headers["Alipay-App-Auth-Token"] = alipay_app_auth_token

    if not isinstance(alipay_merchant_id, Unset):
        headers["Alipay-Merchant-Id"] = alipay_merchant_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/passes",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PassView | Problem | None:
    if response.status_code == 201:
        response_201 = PassView.from_dict(response.json())

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
    *,
    client: AuthenticatedClient,
    body: IssuePass,
    idempotency_key: str | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> Response[PassView | Problem]:
    """Issue a pass (alipay.pass.instance.add), idempotent on channel + serial_number.

     Every template parameter is checked locally first (present, dates valid, wave messages
    valid, GBK-encodable). The record is written (ISSUING) before the gateway call; a lost
    answer is settled by a retry with the same serial number or by the reconciler.

    Args:
        idempotency_key (str | Unset):
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (IssuePass):  Example: {'template_id': '0193a1f2-7c4e-7a10-9f0e-3b8c2d1e4f56',
            'serial_number': '4333673662446155', 'params': {'validStartDate': '2016-06-30 20:00:00',
            'validEndDate': '2016-07-30 20:00:00', 'discountInfo': '凭此券即可打8.5折', 'logoText':
            '四季风情85折优惠券', 'ackCode': '1234567', 'useStateDesc': '未使用'}, 'recipient': {'partner_id':
            '2088102122069225', 'out_trade_no': '1393388276383'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PassView | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
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
    body: IssuePass,
    idempotency_key: str | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> PassView | Problem | None:
    """Issue a pass (alipay.pass.instance.add), idempotent on channel + serial_number.

     Every template parameter is checked locally first (present, dates valid, wave messages
    valid, GBK-encodable). The record is written (ISSUING) before the gateway call; a lost
    answer is settled by a retry with the same serial number or by the reconciler.

    Args:
        idempotency_key (str | Unset):
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (IssuePass):  Example: {'template_id': '0193a1f2-7c4e-7a10-9f0e-3b8c2d1e4f56',
            'serial_number': '4333673662446155', 'params': {'validStartDate': '2016-06-30 20:00:00',
            'validEndDate': '2016-07-30 20:00:00', 'discountInfo': '凭此券即可打8.5折', 'logoText':
            '四季风情85折优惠券', 'ackCode': '1234567', 'useStateDesc': '未使用'}, 'recipient': {'partner_id':
            '2088102122069225', 'out_trade_no': '1393388276383'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PassView | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
        alipay_app=alipay_app,
        alipay_app_auth_token=alipay_app_auth_token,
        alipay_merchant_id=alipay_merchant_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: IssuePass,
    idempotency_key: str | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> Response[PassView | Problem]:
    """Issue a pass (alipay.pass.instance.add), idempotent on channel + serial_number.

     Every template parameter is checked locally first (present, dates valid, wave messages
    valid, GBK-encodable). The record is written (ISSUING) before the gateway call; a lost
    answer is settled by a retry with the same serial number or by the reconciler.

    Args:
        idempotency_key (str | Unset):
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (IssuePass):  Example: {'template_id': '0193a1f2-7c4e-7a10-9f0e-3b8c2d1e4f56',
            'serial_number': '4333673662446155', 'params': {'validStartDate': '2016-06-30 20:00:00',
            'validEndDate': '2016-07-30 20:00:00', 'discountInfo': '凭此券即可打8.5折', 'logoText':
            '四季风情85折优惠券', 'ackCode': '1234567', 'useStateDesc': '未使用'}, 'recipient': {'partner_id':
            '2088102122069225', 'out_trade_no': '1393388276383'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PassView | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        alipay_app=alipay_app,
        alipay_app_auth_token=alipay_app_auth_token,
        alipay_merchant_id=alipay_merchant_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: IssuePass,
    idempotency_key: str | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> PassView | Problem | None:
    """Issue a pass (alipay.pass.instance.add), idempotent on channel + serial_number.

     Every template parameter is checked locally first (present, dates valid, wave messages
    valid, GBK-encodable). The record is written (ISSUING) before the gateway call; a lost
    answer is settled by a retry with the same serial number or by the reconciler.

    Args:
        idempotency_key (str | Unset):
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (IssuePass):  Example: {'template_id': '0193a1f2-7c4e-7a10-9f0e-3b8c2d1e4f56',
            'serial_number': '4333673662446155', 'params': {'validStartDate': '2016-06-30 20:00:00',
            'validEndDate': '2016-07-30 20:00:00', 'discountInfo': '凭此券即可打8.5折', 'logoText':
            '四季风情85折优惠券', 'ackCode': '1234567', 'useStateDesc': '未使用'}, 'recipient': {'partner_id':
            '2088102122069225', 'out_trade_no': '1393388276383'}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PassView | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            alipay_app=alipay_app,
            alipay_app_auth_token=alipay_app_auth_token,
            alipay_merchant_id=alipay_merchant_id,
        )
    ).parsed
