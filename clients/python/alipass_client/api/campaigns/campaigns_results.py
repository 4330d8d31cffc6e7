from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.row_state import RowState
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: UUID,
    *,
    format_: None | str | Unset = UNSET,
    state: None | RowState | Unset = UNSET,
    after_line: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(alipay_app, Unset):
        headers["Alipay-App"] = alipay_app

    params: dict[str, Any] = {}

    json_format_: None | str | Unset
    if isinstance(format_, Unset):
        json_format_ = UNSET
    else:
        json_format_ = format_
    params["format"] = json_format_

    json_state: None | str | Unset
    if isinstance(state, Unset):
        json_state = UNSET
    elif isinstance(state, RowState):
        json_state = state.value
    else:
        json_state = state
    params["state"] = json_state

    json_after_line: int | None | Unset
    if isinstance(after_line, Unset):
        json_after_line = UNSET
    else:
        json_after_line = after_line
    params["after_line"] = json_after_line

    json_limit: int | None | Unset
    if isinstance(limit, Unset):
        json_limit = UNSET
    else:
        json_limit = limit
    params["limit"] = json_limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/campaigns/{id}/results".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | str | None:
    if response.status_code == 200:
        response_200 = response.text
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
) -> Response[Problem | str]:
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
    format_: None | str | Unset = UNSET,
    state: None | RowState | Unset = UNSET,
    after_line: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> Response[Problem | str]:
    """Every row's result in line order (line, state, key, code, detail, Alipay's id,
    attempts), streamed as CSV or JSON lines. A CSV cell starting with `=`, `+`, `-`, `@`,
    a tab or a carriage return is prefixed with `'`, so a spreadsheet does not run it.
    `after_line` and `limit` read it a page at a time: the next page starts after the last
    line of this one; a page shorter than `limit` is the last.

    Args:
        id (UUID):
        format_ (None | str | Unset):
        state (None | RowState | Unset):
        after_line (int | None | Unset):
        limit (int | None | Unset):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        id=id,
        format_=format_,
        state=state,
        after_line=after_line,
        limit=limit,
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
    format_: None | str | Unset = UNSET,
    state: None | RowState | Unset = UNSET,
    after_line: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> Problem | str | None:
    """Every row's result in line order (line, state, key, code, detail, Alipay's id,
    attempts), streamed as CSV or JSON lines. A CSV cell starting with `=`, `+`, `-`, `@`,
    a tab or a carriage return is prefixed with `'`, so a spreadsheet does not run it.
    `after_line` and `limit` read it a page at a time: the next page starts after the last
    line of this one; a page shorter than `limit` is the last.

    Args:
        id (UUID):
        format_ (None | str | Unset):
        state (None | RowState | Unset):
        after_line (int | None | Unset):
        limit (int | None | Unset):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return sync_detailed(
        id=id,
        client=client,
        format_=format_,
        state=state,
        after_line=after_line,
        limit=limit,
        alipay_app=alipay_app,
    ).parsed


async def asyncio_detailed(
    id: UUID,
    *,
    client: AuthenticatedClient,
    format_: None | str | Unset = UNSET,
    state: None | RowState | Unset = UNSET,
    after_line: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> Response[Problem | str]:
    """Every row's result in line order (line, state, key, code, detail, Alipay's id,
    attempts), streamed as CSV or JSON lines. A CSV cell starting with `=`, `+`, `-`, `@`,
    a tab or a carriage return is prefixed with `'`, so a spreadsheet does not run it.
    `after_line` and `limit` read it a page at a time: the next page starts after the last
    line of this one; a page shorter than `limit` is the last.

    Args:
        id (UUID):
        format_ (None | str | Unset):
        state (None | RowState | Unset):
        after_line (int | None | Unset):
        limit (int | None | Unset):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        id=id,
        format_=format_,
        state=state,
        after_line=after_line,
        limit=limit,
        alipay_app=alipay_app,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: UUID,
    *,
    client: AuthenticatedClient,
    format_: None | str | Unset = UNSET,
    state: None | RowState | Unset = UNSET,
    after_line: int | None | Unset = UNSET,
    limit: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> Problem | str | None:
    """Every row's result in line order (line, state, key, code, detail, Alipay's id,
    attempts), streamed as CSV or JSON lines. A CSV cell starting with `=`, `+`, `-`, `@`,
    a tab or a carriage return is prefixed with `'`, so a spreadsheet does not run it.
    `after_line` and `limit` read it a page at a time: the next page starts after the last
    line of this one; a page shorter than `limit` is the last.

    Args:
        id (UUID):
        format_ (None | str | Unset):
        state (None | RowState | Unset):
        after_line (int | None | Unset):
        limit (int | None | Unset):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            format_=format_,
            state=state,
            after_line=after_line,
            limit=limit,
            alipay_app=alipay_app,
        )
    ).parsed
