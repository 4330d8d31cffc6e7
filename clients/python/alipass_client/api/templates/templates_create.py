from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_template import CreateTemplate
from ...models.problem import Problem
from ...models.template_view import TemplateView
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: CreateTemplate,
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
        "url": "/v1/templates",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TemplateView | None:
    if response.status_code == 201:
        response_201 = TemplateView.from_dict(response.json())

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

    if response.status_code == 502:
        response_502 = Problem.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | TemplateView]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateTemplate,
    idempotency_key: str | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> Response[Problem | TemplateView]:
    """Create a template (alipay.pass.template.add), idempotent on `unique_id`.

     The content is checked against every rule of the vendor's template guide before anything
    is sent; each problem names its JSON path and the Alipay code it avoids. The same
    `unique_id` with the same content replays the first answer (`Idempotent-Replayed: true`);
    with different content it is a 409.

    Args:
        idempotency_key (str | Unset):
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (CreateTemplate):  Example: {'unique_id': 'summer-2026', 'content': {'logo':
            'https://alipass.alipay.com//temps/free/logo.png', 'strip':
            'https://alipass.alipay.com//temps/free/strip.png', 'icon': None, 'content':
            {'evoucherInfo': {'goodsId': 'goods-20160627-001', 'title': '风情优惠券', 'type': 'coupon',
            'product': 'free', 'startDate': '$validStartDate$', 'endDate': '$validEndDate$',
            'operation': [{'format': 'qrcode', 'message': '45612346579465', 'messageEncoding':
            'UTF-8', 'altText': '45612346579465'}, {'format': 'wave', 'message': '$ackCode$',
            'messageEncoding': 'UTF-8', 'altText': '$ackCode$'}, {'format': 'text', 'message':
            [{'label': '序列号', 'value': '$ackCode$'}, {'label': '验证码', 'value': '4958'}],
            'messageEncoding': 'utf-8', 'altText': '兑换码'}], 'einfo': {'logoText': '$logoText$',
            'secendLogoText': '四季风情', 'headFields': [{'key': 'status', 'label': '状态', 'value':
            '$useStateDesc$', 'type': 'text'}], 'primaryFields': [{'key': 'strip', 'label': '',
            'value': '$discountInfo$', 'type': 'text'}], 'secondaryFields': [{'key': 'validDate',
            'label': '有效期至:', 'value': '$validEndDate$', 'type': 'text'}], 'auxiliaryFields': [],
            'backFields': [{'key': 'description', 'label': '详情描述', 'value':
            '1.该优惠有效期:截止至2014年06月18日;\\n2.凭此券可以享受以下优惠:\\n享门市价优惠\\n不与其他优惠同享。详询商家。', 'type': 'text'},
            {'key': 'shops', 'label': '可用门店', 'value': '', 'type': 'text'}, {'key': 'tel', 'label':
            '商家电话', 'value': '0571-88888888', 'type': 'tel'}, {'key': 'disclaimer', 'label': '负责声明',
            'value': '除特殊注明外,本优惠不能与其他优惠同时享受; 本优惠最终解释权归商家所有,如有疑问请与商家联系。 提示:为了使您得到更好的服务,请在进店时出示本券。',
            'type': 'text'}]}, 'remindInfo': {'offset': '3600'}}, 'merchant': {'mname': 'hodewu',
            'mshortName': 'hodewu', 'mtel': '', 'minfo': ''}, 'platform': {'channelID': '$channelID$',
            'channelScene': 'server', 'webServiceUrl': 'http://alipassprod.test.alipay.net/builder/syn
            cRecord.htm?tempId=2016062716334639647179025'}, 'style': {'backgroundColor':
            'RGB(255,126,0)'}, 'fileInfo': {'formatVersion': '2', 'canShare': True, 'canBuy': False,
            'canPresent': True, 'serialNumber': '$serialNumber$', 'supportTaxi': 'true',
            'taxiSchemaUrl': 'alipays://platformapi/startapp?appId=20000130&sourceId=20000030&showTitl
            eBar=YES&showToolBar=NO&showLoading=NO&safePayEnabled=YES&readTitle=YES&backBehavior=back&
            url=/www/index.html'}, 'appInfo': {'app': {'android_appid': 'com.taobao.ecoupon',
            'ios_appid': 'taobaolife://', 'android_launch': 'com.taobao.ecoupon', 'ios_launch':
            'taobaolife://', 'android_download':
            'http://download.taobaocdn.com/freedom/17988/andriod/Ecoupon_2.0.1_taobao_wap.apk',
            'ios_download': 'https://itunes.apple.com/cn/app/id583295537'}, 'label': '淘宝券券APP',
            'message': '点击调起APP'}, 'source': 'alipassprod', 'alipayVerify': []}}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TemplateView]
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
    body: CreateTemplate,
    idempotency_key: str | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> Problem | TemplateView | None:
    """Create a template (alipay.pass.template.add), idempotent on `unique_id`.

     The content is checked against every rule of the vendor's template guide before anything
    is sent; each problem names its JSON path and the Alipay code it avoids. The same
    `unique_id` with the same content replays the first answer (`Idempotent-Replayed: true`);
    with different content it is a 409.

    Args:
        idempotency_key (str | Unset):
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (CreateTemplate):  Example: {'unique_id': 'summer-2026', 'content': {'logo':
            'https://alipass.alipay.com//temps/free/logo.png', 'strip':
            'https://alipass.alipay.com//temps/free/strip.png', 'icon': None, 'content':
            {'evoucherInfo': {'goodsId': 'goods-20160627-001', 'title': '风情优惠券', 'type': 'coupon',
            'product': 'free', 'startDate': '$validStartDate$', 'endDate': '$validEndDate$',
            'operation': [{'format': 'qrcode', 'message': '45612346579465', 'messageEncoding':
            'UTF-8', 'altText': '45612346579465'}, {'format': 'wave', 'message': '$ackCode$',
            'messageEncoding': 'UTF-8', 'altText': '$ackCode$'}, {'format': 'text', 'message':
            [{'label': '序列号', 'value': '$ackCode$'}, {'label': '验证码', 'value': '4958'}],
            'messageEncoding': 'utf-8', 'altText': '兑换码'}], 'einfo': {'logoText': '$logoText$',
            'secendLogoText': '四季风情', 'headFields': [{'key': 'status', 'label': '状态', 'value':
            '$useStateDesc$', 'type': 'text'}], 'primaryFields': [{'key': 'strip', 'label': '',
            'value': '$discountInfo$', 'type': 'text'}], 'secondaryFields': [{'key': 'validDate',
            'label': '有效期至:', 'value': '$validEndDate$', 'type': 'text'}], 'auxiliaryFields': [],
            'backFields': [{'key': 'description', 'label': '详情描述', 'value':
            '1.该优惠有效期:截止至2014年06月18日;\\n2.凭此券可以享受以下优惠:\\n享门市价优惠\\n不与其他优惠同享。详询商家。', 'type': 'text'},
            {'key': 'shops', 'label': '可用门店', 'value': '', 'type': 'text'}, {'key': 'tel', 'label':
            '商家电话', 'value': '0571-88888888', 'type': 'tel'}, {'key': 'disclaimer', 'label': '负责声明',
            'value': '除特殊注明外,本优惠不能与其他优惠同时享受; 本优惠最终解释权归商家所有,如有疑问请与商家联系。 提示:为了使您得到更好的服务,请在进店时出示本券。',
            'type': 'text'}]}, 'remindInfo': {'offset': '3600'}}, 'merchant': {'mname': 'hodewu',
            'mshortName': 'hodewu', 'mtel': '', 'minfo': ''}, 'platform': {'channelID': '$channelID$',
            'channelScene': 'server', 'webServiceUrl': 'http://alipassprod.test.alipay.net/builder/syn
            cRecord.htm?tempId=2016062716334639647179025'}, 'style': {'backgroundColor':
            'RGB(255,126,0)'}, 'fileInfo': {'formatVersion': '2', 'canShare': True, 'canBuy': False,
            'canPresent': True, 'serialNumber': '$serialNumber$', 'supportTaxi': 'true',
            'taxiSchemaUrl': 'alipays://platformapi/startapp?appId=20000130&sourceId=20000030&showTitl
            eBar=YES&showToolBar=NO&showLoading=NO&safePayEnabled=YES&readTitle=YES&backBehavior=back&
            url=/www/index.html'}, 'appInfo': {'app': {'android_appid': 'com.taobao.ecoupon',
            'ios_appid': 'taobaolife://', 'android_launch': 'com.taobao.ecoupon', 'ios_launch':
            'taobaolife://', 'android_download':
            'http://download.taobaocdn.com/freedom/17988/andriod/Ecoupon_2.0.1_taobao_wap.apk',
            'ios_download': 'https://itunes.apple.com/cn/app/id583295537'}, 'label': '淘宝券券APP',
            'message': '点击调起APP'}, 'source': 'alipassprod', 'alipayVerify': []}}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TemplateView
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
    body: CreateTemplate,
    idempotency_key: str | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> Response[Problem | TemplateView]:
    """Create a template (alipay.pass.template.add), idempotent on `unique_id`.

     The content is checked against every rule of the vendor's template guide before anything
    is sent; each problem names its JSON path and the Alipay code it avoids. The same
    `unique_id` with the same content replays the first answer (`Idempotent-Replayed: true`);
    with different content it is a 409.

    Args:
        idempotency_key (str | Unset):
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (CreateTemplate):  Example: {'unique_id': 'summer-2026', 'content': {'logo':
            'https://alipass.alipay.com//temps/free/logo.png', 'strip':
            'https://alipass.alipay.com//temps/free/strip.png', 'icon': None, 'content':
            {'evoucherInfo': {'goodsId': 'goods-20160627-001', 'title': '风情优惠券', 'type': 'coupon',
            'product': 'free', 'startDate': '$validStartDate$', 'endDate': '$validEndDate$',
            'operation': [{'format': 'qrcode', 'message': '45612346579465', 'messageEncoding':
            'UTF-8', 'altText': '45612346579465'}, {'format': 'wave', 'message': '$ackCode$',
            'messageEncoding': 'UTF-8', 'altText': '$ackCode$'}, {'format': 'text', 'message':
            [{'label': '序列号', 'value': '$ackCode$'}, {'label': '验证码', 'value': '4958'}],
            'messageEncoding': 'utf-8', 'altText': '兑换码'}], 'einfo': {'logoText': '$logoText$',
            'secendLogoText': '四季风情', 'headFields': [{'key': 'status', 'label': '状态', 'value':
            '$useStateDesc$', 'type': 'text'}], 'primaryFields': [{'key': 'strip', 'label': '',
            'value': '$discountInfo$', 'type': 'text'}], 'secondaryFields': [{'key': 'validDate',
            'label': '有效期至:', 'value': '$validEndDate$', 'type': 'text'}], 'auxiliaryFields': [],
            'backFields': [{'key': 'description', 'label': '详情描述', 'value':
            '1.该优惠有效期:截止至2014年06月18日;\\n2.凭此券可以享受以下优惠:\\n享门市价优惠\\n不与其他优惠同享。详询商家。', 'type': 'text'},
            {'key': 'shops', 'label': '可用门店', 'value': '', 'type': 'text'}, {'key': 'tel', 'label':
            '商家电话', 'value': '0571-88888888', 'type': 'tel'}, {'key': 'disclaimer', 'label': '负责声明',
            'value': '除特殊注明外,本优惠不能与其他优惠同时享受; 本优惠最终解释权归商家所有,如有疑问请与商家联系。 提示:为了使您得到更好的服务,请在进店时出示本券。',
            'type': 'text'}]}, 'remindInfo': {'offset': '3600'}}, 'merchant': {'mname': 'hodewu',
            'mshortName': 'hodewu', 'mtel': '', 'minfo': ''}, 'platform': {'channelID': '$channelID$',
            'channelScene': 'server', 'webServiceUrl': 'http://alipassprod.test.alipay.net/builder/syn
            cRecord.htm?tempId=2016062716334639647179025'}, 'style': {'backgroundColor':
            'RGB(255,126,0)'}, 'fileInfo': {'formatVersion': '2', 'canShare': True, 'canBuy': False,
            'canPresent': True, 'serialNumber': '$serialNumber$', 'supportTaxi': 'true',
            'taxiSchemaUrl': 'alipays://platformapi/startapp?appId=20000130&sourceId=20000030&showTitl
            eBar=YES&showToolBar=NO&showLoading=NO&safePayEnabled=YES&readTitle=YES&backBehavior=back&
            url=/www/index.html'}, 'appInfo': {'app': {'android_appid': 'com.taobao.ecoupon',
            'ios_appid': 'taobaolife://', 'android_launch': 'com.taobao.ecoupon', 'ios_launch':
            'taobaolife://', 'android_download':
            'http://download.taobaocdn.com/freedom/17988/andriod/Ecoupon_2.0.1_taobao_wap.apk',
            'ios_download': 'https://itunes.apple.com/cn/app/id583295537'}, 'label': '淘宝券券APP',
            'message': '点击调起APP'}, 'source': 'alipassprod', 'alipayVerify': []}}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TemplateView]
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
    body: CreateTemplate,
    idempotency_key: str | Unset = UNSET,
    alipay_app: str | Unset = UNSET,
    alipay_app_auth_token: str | Unset = UNSET,
    alipay_merchant_id: str | Unset = UNSET,
) -> Problem | TemplateView | None:
    """Create a template (alipay.pass.template.add), idempotent on `unique_id`.

     The content is checked against every rule of the vendor's template guide before anything
    is sent; each problem names its JSON path and the Alipay code it avoids. The same
    `unique_id` with the same content replays the first answer (`Idempotent-Replayed: true`);
    with different content it is a 409.

    Args:
        idempotency_key (str | Unset):
        alipay_app (str | Unset):
        alipay_app_auth_token (str | Unset):
        alipay_merchant_id (str | Unset):
        body (CreateTemplate):  Example: {'unique_id': 'summer-2026', 'content': {'logo':
            'https://alipass.alipay.com//temps/free/logo.png', 'strip':
            'https://alipass.alipay.com//temps/free/strip.png', 'icon': None, 'content':
            {'evoucherInfo': {'goodsId': 'goods-20160627-001', 'title': '风情优惠券', 'type': 'coupon',
            'product': 'free', 'startDate': '$validStartDate$', 'endDate': '$validEndDate$',
            'operation': [{'format': 'qrcode', 'message': '45612346579465', 'messageEncoding':
            'UTF-8', 'altText': '45612346579465'}, {'format': 'wave', 'message': '$ackCode$',
            'messageEncoding': 'UTF-8', 'altText': '$ackCode$'}, {'format': 'text', 'message':
            [{'label': '序列号', 'value': '$ackCode$'}, {'label': '验证码', 'value': '4958'}],
            'messageEncoding': 'utf-8', 'altText': '兑换码'}], 'einfo': {'logoText': '$logoText$',
            'secendLogoText': '四季风情', 'headFields': [{'key': 'status', 'label': '状态', 'value':
            '$useStateDesc$', 'type': 'text'}], 'primaryFields': [{'key': 'strip', 'label': '',
            'value': '$discountInfo$', 'type': 'text'}], 'secondaryFields': [{'key': 'validDate',
            'label': '有效期至:', 'value': '$validEndDate$', 'type': 'text'}], 'auxiliaryFields': [],
            'backFields': [{'key': 'description', 'label': '详情描述', 'value':
            '1.该优惠有效期:截止至2014年06月18日;\\n2.凭此券可以享受以下优惠:\\n享门市价优惠\\n不与其他优惠同享。详询商家。', 'type': 'text'},
            {'key': 'shops', 'label': '可用门店', 'value': '', 'type': 'text'}, {'key': 'tel', 'label':
            '商家电话', 'value': '0571-88888888', 'type': 'tel'}, {'key': 'disclaimer', 'label': '负责声明',
            'value': '除特殊注明外,本优惠不能与其他优惠同时享受; 本优惠最终解释权归商家所有,如有疑问请与商家联系。 提示:为了使您得到更好的服务,请在进店时出示本券。',
            'type': 'text'}]}, 'remindInfo': {'offset': '3600'}}, 'merchant': {'mname': 'hodewu',
            'mshortName': 'hodewu', 'mtel': '', 'minfo': ''}, 'platform': {'channelID': '$channelID$',
            'channelScene': 'server', 'webServiceUrl': 'http://alipassprod.test.alipay.net/builder/syn
            cRecord.htm?tempId=2016062716334639647179025'}, 'style': {'backgroundColor':
            'RGB(255,126,0)'}, 'fileInfo': {'formatVersion': '2', 'canShare': True, 'canBuy': False,
            'canPresent': True, 'serialNumber': '$serialNumber$', 'supportTaxi': 'true',
            'taxiSchemaUrl': 'alipays://platformapi/startapp?appId=20000130&sourceId=20000030&showTitl
            eBar=YES&showToolBar=NO&showLoading=NO&safePayEnabled=YES&readTitle=YES&backBehavior=back&
            url=/www/index.html'}, 'appInfo': {'app': {'android_appid': 'com.taobao.ecoupon',
            'ios_appid': 'taobaolife://', 'android_launch': 'com.taobao.ecoupon', 'ios_launch':
            'taobaolife://', 'android_download':
            'http://download.taobaocdn.com/freedom/17988/andriod/Ecoupon_2.0.1_taobao_wap.apk',
            'ios_download': 'https://itunes.apple.com/cn/app/id583295537'}, 'label': '淘宝券券APP',
            'message': '点击调起APP'}, 'source': 'alipassprod', 'alipayVerify': []}}}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TemplateView
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
