from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.attempt_row import AttemptRow
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: UUID,
    *,
    before: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(alipay_app, Unset):
        headers["Alipay-App"] = alipay_app

    params: dict[str, Any] = {}

    json_before: int | None | Unset
    if isinstance(before, Unset):
        json_before = UNSET
    else:
        json_before = before
    params["before"] = json_before

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/webhook-endpoints/{id}/attempts".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | list[AttemptRow] | None:
    if response.status_code == 200:
        response_200 = []
        _response_200 = response.json()
        for response_200_item_data in _response_200:
            response_200_item = AttemptRow.from_dict(response_200_item_data)

            response_200.append(response_200_item)

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
) -> Response[Problem | list[AttemptRow]]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    before: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> Response[Problem | list[AttemptRow]]:
    """Every delivery attempt to this endpoint, newest first (100 a page): the event, the
    endpoint's status or the error, the duration, and the delivery's state now.

    Args:
        id (UUID):
        before (int | None | Unset):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[AttemptRow]]
    """

    kwargs = _get_kwargs(
        id=id,
        before=before,
        alipay_app=alipay_app,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: UUID,
    *,
    client: AuthenticatedClient,
    before: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> Problem | list[AttemptRow] | None:
    """Every delivery attempt to this endpoint, newest first (100 a page): the event, the
    endpoint's status or the error, the duration, and the delivery's state now.

    Args:
        id (UUID):
        before (int | None | Unset):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[AttemptRow]
    """

    return sync_detailed(
        id=id,
        client=client,
        before=before,
        alipay_app=alipay_app,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    before: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> Response[Problem | list[AttemptRow]]:
    """Every delivery attempt to this endpoint, newest first (100 a page): the event, the
    endpoint's status or the error, the duration, and the delivery's state now.

    Args:
        id (UUID):
        before (int | None | Unset):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | list[AttemptRow]]
    """

    kwargs = _get_kwargs(
        id=id,
        before=before,
        alipay_app=alipay_app,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient,
    before: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> Problem | list[AttemptRow] | None:
    """Every delivery attempt to this endpoint, newest first (100 a page): the event, the
    endpoint's status or the error, the duration, and the delivery's state now.

    Args:
        id (UUID):
        before (int | None | Unset):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | list[AttemptRow]
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            before=before,
            alipay_app=alipay_app,
        )
    ).parsed
