from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.voucher_view import VoucherView
from ...types import UNSET, Response, Unset


def _get_kwargs(
    template_id: str,
    out_biz_no: str,
    *,
    alipay_app: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(alipay_app, Unset):
        headers["Alipay-App"] = alipay_app

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/vouchers/{template_id}/{out_biz_no}".format(
            template_id=quote(str(template_id), safe=""),
            out_biz_no=quote(str(out_biz_no), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | VoucherView | None:
    if response.status_code == 200:
        response_200 = VoucherView.from_dict(response.json())

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
    template_id: str,
    out_biz_no: str,
    *,
    client: AuthenticatedClient,
    alipay_app: str | Unset = UNSET,
) -> Response[Problem | VoucherView]:
    """One voucher send. A login_id or taobao_nick recipient is masked unless the key has the
    `pii:read` scope.

    Args:
        template_id (str):
        out_biz_no (str):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | VoucherView]
    """

    kwargs = _get_kwargs(
        template_id=template_id,
        out_biz_no=out_biz_no,
        alipay_app=alipay_app,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    template_id: str,
    out_biz_no: str,
    *,
    client: AuthenticatedClient,
    alipay_app: str | Unset = UNSET,
) -> Problem | VoucherView | None:
    """One voucher send. A login_id or taobao_nick recipient is masked unless the key has the
    `pii:read` scope.

    Args:
        template_id (str):
        out_biz_no (str):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | VoucherView
    """

    return sync_detailed(
        template_id=template_id,
        out_biz_no=out_biz_no,
        client=client,
        alipay_app=alipay_app,
    ).parsed


async def asyncio_detailed(
    template_id: str,
    out_biz_no: str,
    *,
    client: AuthenticatedClient,
    alipay_app: str | Unset = UNSET,
) -> Response[Problem | VoucherView]:
    """One voucher send. A login_id or taobao_nick recipient is masked unless the key has the
    `pii:read` scope.

    Args:
        template_id (str):
        out_biz_no (str):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | VoucherView]
    """

    kwargs = _get_kwargs(
        template_id=template_id,
        out_biz_no=out_biz_no,
        alipay_app=alipay_app,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    template_id: str,
    out_biz_no: str,
    *,
    client: AuthenticatedClient,
    alipay_app: str | Unset = UNSET,
) -> Problem | VoucherView | None:
    """One voucher send. A login_id or taobao_nick recipient is masked unless the key has the
    `pii:read` scope.

    Args:
        template_id (str):
        out_biz_no (str):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | VoucherView
    """

    return (
        await asyncio_detailed(
            template_id=template_id,
            out_biz_no=out_biz_no,
            client=client,
            alipay_app=alipay_app,
        )
    ).parsed
