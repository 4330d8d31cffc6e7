"""The README's walkthrough through the generated Python client, against a running service
(ALIPASS_URL, e.g. http://127.0.0.1:18181; scripts/clients.sh starts one): create a template,
issue a pass, redeem it, send a voucher, read the pass's events, then the idempotency rules a
retrying caller relies on."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from alipass_client import AuthenticatedClient
from alipass_client.api.passes import passes_events, passes_issue, passes_redeem
from alipass_client.api.templates import templates_create
from alipass_client.api.vouchers import vouchers_send
from alipass_client.models import (
    CreateTemplate,
    IssuePass,
    PassHistory,
    PassParams,
    PassRecipient,
    PassStatus,
    PassView,
    Problem,
    RedeemPass,
    SendVoucher,
    TemplateContent,
    TemplateStatus,
    TemplateView,
    VoucherRecipientInput,
    VoucherStatus,
    VoucherView,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
REPLAYED_HEADER = "Idempotent-Replayed"
# The test profile's documented development key.
DEV_KEY = "alipass-dev-key-not-for-production"


@pytest.fixture
def client() -> AuthenticatedClient:
    base_url = os.environ.get("ALIPASS_URL")
    assert base_url, "ALIPASS_URL must point at a running service (scripts/clients.sh sets it)"
    return AuthenticatedClient(base_url=base_url, token=DEV_KEY, raise_on_unexpected_status=True)


def pass_params(template_answer: bytes) -> PassParams:
    """Values for the template's $params$ that pass the rules: the smoke test's helper."""
    out = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts/lib/pass_params.py"), template_answer.decode(), "python"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return PassParams.from_dict(json.loads(out))


def create_template(client: AuthenticatedClient, run: str) -> tuple[TemplateView, bytes]:
    """The fixture template, created with an Idempotency-Key and then retried: the retry must
    meet the first template, marked as a replay. Returns the template and its raw answer."""
    fixture = json.loads((REPO_ROOT / "tests/fixtures/template_valid.json").read_text())
    content = TemplateContent.from_dict(fixture)
    # The typed model carries the template as it is, field for field.
    assert content.to_dict() == fixture
    key = f"py-template-{run}"
    created = templates_create.sync_detailed(
        client=client, body=CreateTemplate(content=content), idempotency_key=key
    )
    assert created.status_code == 201, created.content
    template = created.parsed
    assert isinstance(template, TemplateView)
    assert template.status == TemplateStatus.CREATED
    assert REPLAYED_HEADER not in created.headers

    retried = templates_create.sync_detailed(
        client=client, body=CreateTemplate(content=content), idempotency_key=key
    )
    assert retried.headers.get(REPLAYED_HEADER) == "true"
    assert isinstance(retried.parsed, TemplateView) and retried.parsed.id == template.id
    return template, created.content


def issue_pass(client: AuthenticatedClient, run: str, template: TemplateView, answer: bytes) -> PassView:
    """A pass of `template` issued with an Idempotency-Key; the same key with another body is
    refused, since it would otherwise be silently taken as a retry."""
    params = pass_params(answer)
    recipient = PassRecipient(partner_id="2088102122069225", out_trade_no=f"py-order-{run}")
    key = f"py-pass-{run}"
    issued = passes_issue.sync_detailed(
        client=client,
        body=IssuePass(template_id=template.id, params=params, recipient=recipient),
        idempotency_key=key,
    )
    assert issued.status_code == 201, issued.content
    assert isinstance(issued.parsed, PassView) and issued.parsed.status == PassStatus.ISSUED

    other_params = PassParams.from_dict({**params.to_dict(), "logoText": "another"})
    reused = passes_issue.sync_detailed(
        client=client,
        body=IssuePass(template_id=template.id, params=other_params, recipient=recipient),
        idempotency_key=key,
    )
    assert reused.status_code == 409
    assert isinstance(reused.parsed, Problem) and reused.parsed.code == "idempotency_key_reused"
    return issued.parsed


def test_walkthrough(client: AuthenticatedClient) -> None:
    run = uuid.uuid4().hex[:8]
    template, answer = create_template(client, run)
    issued_pass = issue_pass(client, run, template, answer)

    redeemed = passes_redeem.sync(serial_number=issued_pass.serial_number, client=client, body=RedeemPass())
    assert isinstance(redeemed, PassView) and redeemed.status == PassStatus.USED

    voucher = vouchers_send.sync(
        client=client,
        body=SendVoucher(
            template_id="20140601000730010040000000EB",
            recipient=VoucherRecipientInput(user_id="2088102122069225"),
            out_biz_no=f"py-voucher-{run}",
        ),
    )
    assert isinstance(voucher, VoucherView) and voucher.status == VoucherStatus.SENT

    history = passes_events.sync(serial_number=issued_pass.serial_number, client=client)
    assert isinstance(history, PassHistory)
    kinds = [event.kind for event in history.events]
    assert "ISSUED" in kinds and "REDEEMED" in kinds, kinds
