"""Contains all the data models used in inputs/outputs"""

from .attempt_row import AttemptRow
from .campaign_kind import CampaignKind
from .campaign_status import CampaignStatus
from .campaign_view import CampaignView
from .campaign_view_refused_by_code import CampaignViewRefusedByCode
from .certificate_serials import CertificateSerials
from .create_campaign import CreateCampaign
from .create_campaign_shared import CreateCampaignShared
from .create_endpoint import CreateEndpoint
from .create_template import CreateTemplate
from .dependency_state import DependencyState
from .diagnostic_finding import DiagnosticFinding
from .diagnostics_report import DiagnosticsReport
from .endpoint_view import EndpointView
from .field_problem import FieldProblem
from .finding import Finding
from .gateway_call_view import GatewayCallView
from .issue_pass import IssuePass
from .issue_pass_params import IssuePassParams
from .liveness import Liveness
from .page_campaign_view import PageCampaignView
from .page_campaign_view_items_item import PageCampaignViewItemsItem
from .page_campaign_view_items_item_refused_by_code import (
    PageCampaignViewItemsItemRefusedByCode,
)
from .page_pass_view import PagePassView
from .page_pass_view_items_item import PagePassViewItemsItem
from .page_template_view import PageTemplateView
from .page_template_view_items_item import PageTemplateViewItemsItem
from .page_voucher_view import PageVoucherView
from .page_voucher_view_items_item import PageVoucherViewItemsItem
from .pass_event_view import PassEventView
from .pass_history import PassHistory
from .pass_recipient import PassRecipient
from .pass_status import PassStatus
from .pass_view import PassView
from .preview import Preview
from .preview_params import PreviewParams
from .preview_params_params import PreviewParamsParams
from .preview_template import PreviewTemplate
from .preview_template_params import PreviewTemplateParams
from .problem import Problem
from .problem_code import ProblemCode
from .queued_test_event import QueuedTestEvent
from .readiness_report import ReadinessReport
from .ready_status import ReadyStatus
from .redeem_pass import RedeemPass
from .redeem_pass_params_type_0 import RedeemPassParamsType0
from .resolution import Resolution
from .retry_refused import RetryRefused
from .row_counts import RowCounts
from .row_problem import RowProblem
from .row_state import RowState
from .send_voucher import SendVoucher
from .set_alipay_template_id import SetAlipayTemplateId
from .severity import Severity
from .template_report import TemplateReport
from .template_status import TemplateStatus
from .template_view import TemplateView
from .update_pass import UpdatePass
from .update_pass_params import UpdatePassParams
from .update_template import UpdateTemplate
from .upload_report import UploadReport
from .validate_template import ValidateTemplate
from .verify_type import VerifyType
from .voucher_recipient_input import VoucherRecipientInput
from .voucher_recipient_view import VoucherRecipientView
from .voucher_status import VoucherStatus
from .voucher_view import VoucherView

__all__ = (
    "AttemptRow",
    "CampaignKind",
    "CampaignStatus",
    "CampaignView",
    "CampaignViewRefusedByCode",
    "CertificateSerials",
    "CreateCampaign",
    "CreateCampaignShared",
    "CreateEndpoint",
    "CreateTemplate",
    "DependencyState",
    "DiagnosticFinding",
    "DiagnosticsReport",
    "EndpointView",
    "FieldProblem",
    "Finding",
    "GatewayCallView",
    "IssuePass",
    "IssuePassParams",
    "Liveness",
    "PageCampaignView",
    "PageCampaignViewItemsItem",
    "PageCampaignViewItemsItemRefusedByCode",
    "PagePassView",
    "PagePassViewItemsItem",
    "PageTemplateView",
    "PageTemplateViewItemsItem",
    "PageVoucherView",
    "PageVoucherViewItemsItem",
    "PassEventView",
    "PassHistory",
    "PassRecipient",
    "PassStatus",
    "PassView",
    "Preview",
    "PreviewParams",
    "PreviewParamsParams",
    "PreviewTemplate",
    "PreviewTemplateParams",
    "Problem",
    "ProblemCode",
    "QueuedTestEvent",
    "ReadinessReport",
    "ReadyStatus",
    "RedeemPass",
    "RedeemPassParamsType0",
    "Resolution",
    "RetryRefused",
    "RowCounts",
    "RowProblem",
    "RowState",
    "SendVoucher",
    "SetAlipayTemplateId",
    "Severity",
    "TemplateReport",
    "TemplateStatus",
    "TemplateView",
    "UpdatePass",
    "UpdatePassParams",
    "UpdateTemplate",
    "UploadReport",
    "ValidateTemplate",
    "VerifyType",
    "VoucherRecipientInput",
    "VoucherRecipientView",
    "VoucherStatus",
    "VoucherView",
)
