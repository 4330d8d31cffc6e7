"""Values for a template's $params$ (its create answer on argv[1]), as compact JSON: dates
where a name says start, end or date, `argv[2]` (a filler word) elsewhere. serialNumber and
channelID are filled by the service. Shared by the image smoke test and the bench stack."""
import json
import sys

values = {}
for name in json.loads(sys.argv[1])["params"]:
    if name in ("serialNumber", "channelID"):
        continue
    low = name.lower()
    values[name] = ("2026-12-01 10:00:00" if "start" in low else "2027-12-31 23:59:59" if "end" in low
                    else "2026-12-15 12:00:00" if "date" in low else sys.argv[2])
print(json.dumps(values, ensure_ascii=False, separators=(",", ":")))
