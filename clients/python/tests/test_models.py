"""The typed template model carries every shape the service takes, field for field: an
operation's message is a string, text lines, an image or app links (a oneOf the generated
model must not confuse), and the numbers and nulls the template rules allow."""

import copy
import json
from pathlib import Path

from alipass_client.models import TemplateContent

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_template_content_round_trips_every_message_shape() -> None:
    fixture = json.loads((REPO_ROOT / "tests/fixtures/template_valid.json").read_text())
    template = copy.deepcopy(fixture)
    operations = template["content"]["evoucherInfo"]["operation"]
    operations.append(
        {"format": "img", "message": {"img": "https://example.com/a.png", "target": "https://example.com"}}
    )
    operations.append(
        {"format": "app", "message": {"android_appid": "com.example", "ios_appid": "example://"}}
    )
    operations.append({"format": "barcode", "message": "1234567890"})
    template["content"]["fileInfo"]["formatVersion"] = 2
    template["content"]["evoucherInfo"]["remindInfo"] = {"offset": 3600}
    template["content"]["style"] = None

    assert TemplateContent.from_dict(template).to_dict() == template
