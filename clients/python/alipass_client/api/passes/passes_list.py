from http import HTTPStatus
from typing import Any
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.page_pass_view import PagePassView
from ...models.pass_status import PassStatus
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    template_id: None | Unset | UUID = UNSET,
    status: None | PassStatus | Unset = UNSET,
    after: None | Unset | UUID = UNSET,
    limit: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(alipay_app, Unset):
        headers["Alipay-App"] = alipay_app

    params: dict[str, Any] = {}

    json_template_id: None | str | Unset
    if isinstance(template_id, Unset):
        json_template_id = UNSET
    elif isinstance(template_id, UUID):
        json_template_id = str(template_id)
    else:
        json_template_id = template_id
    params["template_id"] = json_template_id

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, PassStatus):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_after: None | str | Unset
    if isinstance(after, Unset):
        json_after = UNSET
    elif isinstance(after, UUID):
        json_after = str(after)
    else:
        json_after = after
    params["after"] = json_after

    json_limit: int | None | Unset
    if isinstance(limit, Unset):
        json_limit = UNSET
    else:
        json_limit = limit
    params["limit"] = json_limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/passes",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PagePassView | Problem | None:
    if response.status_code == 200:
        response_200 = PagePassView.from_dict(response.json())

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
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PagePassView | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    template_id: None | Unset | UUID = UNSET,
    status: None | PassStatus | Unset = UNSET,
    after: None | Unset | UUID = UNSET,
    limit: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> Response[PagePassView | Problem]:
    """Passes, filtered by template and status, keyset-paginated.

    Args:
        template_id (None | Unset | UUID):
        status (None | PassStatus | Unset):
        after (None | Unset | UUID):
        limit (int | None | Unset):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PagePassView | Problem]
    """

    kwargs = _get_kwargs(
        template_id=template_id,
        status=status,
        after=after,
        limit=limit,
        alipay_app=alipay_app,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    template_id: None | Unset | UUID = UNSET,
    status: None | PassStatus | Unset = UNSET,
    after: None | Unset | UUID = UNSET,
    limit: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> PagePassView | Problem | None:
    """Passes, filtered by template and status, keyset-paginated.

    Args:
        template_id (None | Unset | UUID):
        status (None | PassStatus | Unset):
        after (None | Unset | UUID):
        limit (int | None | Unset):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PagePassView | Problem
    """

    return sync_detailed(
        client=client,
        template_id=template_id,
        status=status,
        after=after,
        limit=limit,
        alipay_app=alipay_app,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    template_id: None | Unset | UUID = UNSET,
    status: None | PassStatus | Unset = UNSET,
    after: None | Unset | UUID = UNSET,
    limit: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> Response[PagePassView | Problem]:
    """Passes, filtered by template and status, keyset-paginated.

    Args:
        template_id (None | Unset | UUID):
        status (None | PassStatus | Unset):
        after (None | Unset | UUID):
        limit (int | None | Unset):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PagePassView | Problem]
    """

    kwargs = _get_kwargs(
        template_id=template_id,
        status=status,
        after=after,
        limit=limit,
        alipay_app=alipay_app,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    template_id: None | Unset | UUID = UNSET,
    status: None | PassStatus | Unset = UNSET,
    after: None | Unset | UUID = UNSET,
    limit: int | None | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
) -> PagePassView | Problem | None:
    """Passes, filtered by template and status, keyset-paginated.

    Args:
        template_id (None | Unset | UUID):
        status (None | PassStatus | Unset):
        after (None | Unset | UUID):
        limit (int | None | Unset):
        alipay_app (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PagePassView | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            template_id=template_id,
            status=status,
            after=after,
            limit=limit,
            alipay_app=alipay_app,
        )
    ).parsed
