from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.problem_code import ProblemCode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.field_problem import FieldProblem


T = TypeVar("T", bound="Problem")


@_attrs_define
class Problem:
    """The RFC 9457 body. `type` is a stable URI per `code`, relative to the service, whose page
    (`GET /problems/{code}`) says what the problem means and what to do.

        Example:
            {'type': '/problems/unauthorized', 'title': 'Unauthorized', 'status': 401, 'detail': 'missing or unknown API
                key', 'code': 'unauthorized'}

        Attributes:
            type_ (str): The problem's page on this service, `/problems/{code with hyphens}`. Example:
                /problems/unauthorized.
            title (str):
            status (int):
            detail (str):
            code (ProblemCode): Our stable machine-readable code; `type` links to its page (`/problems/{code}` with
                hyphens). Every code, its status and meaning:

                - `unauthorized` (401): No API key, or one this service does not know.
                - `forbidden` (403): The API key lacks the scope, or may not act for the chosen app.
                - `not_found` (404): No such resource in this app (or no such route).
                - `unknown_app` (400): Alipay-App names no configured app.
                - `invalid_merchant_id` (400): Alipay-Merchant-Id is not 1-32 letters and digits.
                - `merchant_id_required` (400): Alipay-App-Auth-Token came without Alipay-Merchant-Id.
                - `app_auth_token_required` (400): Alipay-Merchant-Id came without Alipay-App-Auth-Token.
                - `invalid_idempotency_key` (400): Idempotency-Key is not 1-255 visible ASCII characters.
                - `invalid_path` (400): A path parameter cannot be read (e.g. not a UUID).
                - `invalid_query` (400): A query parameter cannot be read.
                - `invalid_cursor` (400): `after` is not a next_cursor value of this list.
                - `malformed_json` (400): The body is not valid JSON.
                - `malformed_body` (400): The body cannot be read.
                - `unstorable_text` (400): The request contains a character that cannot be stored (NUL).
                - `payload_too_large` (413): The body is over server.body_limit_bytes.
                - `unsupported_media_type` (415): The body's Content-Type is not one the operation takes.
                - `invalid_body` (422): The JSON body does not match the operation's schema.
                - `validation_failed` (422): The body breaks a rule; `errors` lists every offending path.
                - `preview_too_large` (422): The substituted preview would pass limits.preview_max_bytes.
                - `idempotency_key_reused` (409): The key (unique_id, serial_number, out_biz_no or Idempotency-Key) was used
                before with a different request.
                - `request_in_progress` (409): A request with this key or on this record is still being handled.
                - `change_pending` (409): An earlier change of this record was sent and its outcome is unknown; it cannot be
                resent until no earlier attempt can still land.
                - `template_changed` (409): The template changed while the request was checked.
                - `needs_confirmation` (409): A change was sent, its outcome is unknown and no answer since proved it: an
                operator must confirm whether it applied.
                - `not_awaiting_confirmation` (409): No change of this record waits for an operator's confirmation.
                - `merchant_mismatch` (409): The record was made for another merchant (or for the app itself).
                - `template_not_created` (409): The template is not CREATED at Alipay.
                - `template_needs_alipay_id` (409): Alipay holds the template but did not name its id.
                - `template_has_alipay_id` (409): Only a NEEDS_ALIPAY_ID template takes an Alipay template id.
                - `alipay_template_id_taken` (409): Another template already has this Alipay template id.
                - `template_invalid` (409): The stored template breaks rules under the current limits.
                - `ambiguous_serial_number` (409): Several channels use this serial number.
                - `pass_final` (409): The pass is USED or CLOSED: it takes no more changes.
                - `pass_not_issued` (409): The pass is not issued at Alipay yet.
                - `endpoint_disabled` (409): The webhook endpoint is disabled.
                - `test_send_rate_limited` (429): Five test sends a minute per endpoint.
                - `campaign_app_auth_token` (400): Campaigns act with the app's own authority.
                - `campaign_state` (409): The campaign's state does not allow this move (e.g. resume a finished one).
                - `campaign_started` (409): The campaign runs or is paused: its rows are fixed.
                - `campaign_closed` (409): The campaign is cancelled or finished.
                - `upload_too_large` (413): The file passes campaigns.max_upload_bytes.
                - `row_too_large` (413): A row passes campaigns.max_row_bytes (often an unclosed quote).
                - `too_many_rows` (413): The campaign would hold more than campaigns.max_rows rows.
                - `upload_too_slow` (408): The file arrived slower than the upload deadline allows.
                - `form_too_large` (413): A console form passes console.form_limit_bytes.
                - `malformed_form` (400): A console form cannot be read.
                - `upload_interrupted` (400): Reading the file failed midway.
                - `unsupported_charset` (415): The file declares a charset the reader does not know (utf-8, GBK, GB2312 and
                GB18030 are read).
                - `rate_limited` (429): The app's outbound rate limit (alipay.rate_limit_qps) is reached; nothing was sent.
                - `database_busy` (503): The database did not finish in time (a row held elsewhere, or a slow server).
                - `database_unavailable` (503): The database is unavailable.
                - `deadline_exceeded` (503): The request did not finish within server.request_deadline_ms.
                - `gateway_outcome_unknown` (503): Alipay gave no usable answer: the request is recorded and will be settled.
                - `gateway_unavailable` (503): Alipay's side failed or is busy (20000, SYSTEM_ERROR).
                - `internal` (500): A fault of the service.
                - `template_rejected` (422): Alipay refused the template content.
                - `forbidden_word` (422): Alipay found a forbidden word in the content.
                - `template_exists` (409): A template with this unique_id exists at Alipay.
                - `template_not_found` (404): Alipay does not know the template.
                - `pass_rejected` (422): Alipay refused the pass's parameters.
                - `app_not_supported` (422): Alipay does not support passes for this app id.
                - `user_not_supported` (422): Alipay does not support passes for this user.
                - `not_gbk` (422): A value has a character outside GBK.
                - `pass_exists` (409): A pass with this serial number exists at Alipay.
                - `pass_not_found` (404): Alipay does not know the pass.
                - `pass_update_failed` (502): Alipay failed to update the pass and advises retrying.
                - `voucher_template_not_found` (404): Alipay does not know the voucher template.
                - `voucher_template_expired` (422): The voucher template expired.
                - `user_not_found` (422): Alipay does not know the user.
                - `user_unavailable` (422): The user's account cannot receive vouchers.
                - `voucher_rejected` (422): Alipay refused the voucher's parameters.
                - `gateway_auth_token_invalid` (502): Alipay refused the app_auth_token (invalid or expired).
                - `gateway_permission_denied` (502): The app lacks the permission for the method at Alipay.
                - `gateway_signature_rejected` (502): Alipay refused our signature.
                - `gateway_app_id_rejected` (502): Alipay refused the app id.
                - `gateway_timestamp_rejected` (502): Alipay refused the timestamp (clock skew).
                - `gateway_encryption_rejected` (502): Alipay and the app's AES setting (alipay.encrypt_key) disagree.
                - `gateway_rejected_request` (502): Alipay refused the request before processing it (a missing or invalid public
                parameter).
                - `gateway_business_error` (502): Alipay answered a business code this service does not know; the raw codes
                travel with the problem.
                - `gateway_error` (503): Alipay answered a code its pages do not list (or none): the outcome is unknown until an
                answer proves it.
            request_id (None | str | Unset):
            errors (list[FieldProblem] | Unset):
            gateway_code (None | str | Unset): The gateway's code, when Alipay answered (e.g. 40004).
            gateway_msg (None | str | Unset):
            gateway_sub_code (None | str | Unset): The gateway's business code (e.g. KP.AE_ALIPASS_NOTEXIST).
            gateway_sub_msg (None | str | Unset):
    """

    type_: str
    title: str
    status: int
    detail: str
    code: ProblemCode
    request_id: None | str | Unset = UNSET
    errors: list[FieldProblem] | Unset = UNSET
    gateway_code: None | str | Unset = UNSET
    gateway_msg: None | str | Unset = UNSET
    gateway_sub_code: None | str | Unset = UNSET
    gateway_sub_msg: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        title = self.title

        status = self.status

        detail = self.detail

        code = self.code.value

        request_id: None | str | Unset
        if isinstance(self.request_id, Unset):
            request_id = UNSET
        else:
            request_id = self.request_id

        errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = []
            for errors_item_data in self.errors:
                errors_item = errors_item_data.to_dict()
                errors.append(errors_item)

        gateway_code: None | str | Unset
        if isinstance(self.gateway_code, Unset):
            gateway_code = UNSET
        else:
            gateway_code = self.gateway_code

        gateway_msg: None | str | Unset
        if isinstance(self.gateway_msg, Unset):
            gateway_msg = UNSET
        else:
            gateway_msg = self.gateway_msg

        gateway_sub_code: None | str | Unset
        if isinstance(self.gateway_sub_code, Unset):
            gateway_sub_code = UNSET
        else:
            gateway_sub_code = self.gateway_sub_code

        gateway_sub_msg: None | str | Unset
        if isinstance(self.gateway_sub_msg, Unset):
            gateway_sub_msg = UNSET
        else:
            gateway_sub_msg = self.gateway_sub_msg

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "title": title,
                "status": status,
                "detail": detail,
                "code": code,
            }
        )
        if request_id is not UNSET:
            field_dict["request_id"] = request_id
        if errors is not UNSET:
            field_dict["errors"] = errors
        if gateway_code is not UNSET:
            field_dict["gateway_code"] = gateway_code
        if gateway_msg is not UNSET:
            field_dict["gateway_msg"] = gateway_msg
        if gateway_sub_code is not UNSET:
            field_dict["gateway_sub_code"] = gateway_sub_code
        if gateway_sub_msg is not UNSET:
            field_dict["gateway_sub_msg"] = gateway_sub_msg

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.field_problem import FieldProblem

        d = dict(src_dict)
        type_ = d.pop("type")

        title = d.pop("title")

        status = d.pop("status")

        detail = d.pop("detail")

        code = ProblemCode(d.pop("code"))

        def _parse_request_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        request_id = _parse_request_id(d.pop("request_id", UNSET))

        _errors = d.pop("errors", UNSET)
        errors: list[FieldProblem] | Unset = UNSET
        if _errors is not UNSET:
            errors = []
            for errors_item_data in _errors:
                errors_item = FieldProblem.from_dict(errors_item_data)

                errors.append(errors_item)

        def _parse_gateway_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        gateway_code = _parse_gateway_code(d.pop("gateway_code", UNSET))

        def _parse_gateway_msg(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        gateway_msg = _parse_gateway_msg(d.pop("gateway_msg", UNSET))

        def _parse_gateway_sub_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        gateway_sub_code = _parse_gateway_sub_code(d.pop("gateway_sub_code", UNSET))

        def _parse_gateway_sub_msg(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        gateway_sub_msg = _parse_gateway_sub_msg(d.pop("gateway_sub_msg", UNSET))

        problem = cls(
            type_=type_,
            title=title,
            status=status,
            detail=detail,
            code=code,
            request_id=request_id,
            errors=errors,
            gateway_code=gateway_code,
            gateway_msg=gateway_msg,
            gateway_sub_code=gateway_sub_code,
            gateway_sub_msg=gateway_sub_msg,
        )

        problem.additional_properties = d
        return problem

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
