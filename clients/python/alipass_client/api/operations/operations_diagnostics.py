from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.diagnostics_report import DiagnosticsReport
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    alipay_app: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(alipay_app, Unset):
        headers["Alipay-App"] = alipay_app

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/diagnostics",
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DiagnosticsReport | Problem | None:
    if response.status_code == 200:
        response_200 = DiagnosticsReport.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = DiagnosticsReport.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[DiagnosticsReport | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    alipay_app: str | Unset = UNSET,
) -> Response[DiagnosticsReport | Problem]:
    """What `alipass doctor` checks (scope `operator`), run by this instance with its own settings: keys
    and
    certificates, Postgres and migrations, Redis, the gateway's host and clock, and one signed
    call that cannot have an effect. Each finding says which setting to fix.

    Args:
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DiagnosticsReport | Problem]
    """

    kwargs = _get_kwargs(
        alipay_app=alipay_app,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    alipay_app: str | Unset = UNSET,
) -> DiagnosticsReport | Problem | None:
    """What `alipass doctor` checks (scope `operator`), run by this instance with its own settings: keys
    and
    certificates, Postgres and migrations, Redis, the gateway's host and clock, and one signed
    call that cannot have an effect. Each finding says which setting to fix.

    Args:
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DiagnosticsReport | Problem
    """

    return sync_detailed(
        client=client,
        alipay_app=alipay_app,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    alipay_app: str | Unset = UNSET,
) -> Response[DiagnosticsReport | Problem]:
    """What `alipass doctor` checks (scope `operator`), run by this instance with its own settings: keys
    and
    certificates, Postgres and migrations, Redis, the gateway's host and clock, and one signed
    call that cannot have an effect. Each finding says which setting to fix.

    Args:
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DiagnosticsReport | Problem]
    """

    kwargs = _get_kwargs(
        alipay_app=alipay_app,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    alipay_app: str | Unset = UNSET,
) -> DiagnosticsReport | Problem | None:
    """What `alipass doctor` checks (scope `operator`), run by this instance with its own settings: keys
    and
    certificates, Postgres and migrations, Redis, the gateway's host and clock, and one signed
    call that cannot have an effect. Each finding says which setting to fix.

    Args:
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DiagnosticsReport | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            alipay_app=alipay_app,
        )
    ).parsed
