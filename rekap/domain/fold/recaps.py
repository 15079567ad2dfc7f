"""Folding the recap entries: each region's recap status, its latest figures and who signed it off."""

from __future__ import annotations

from rekap.domain.fold.state import Changes, Recap, State
from rekap.domain.log import Entry
from rekap.domain.result import Result
from rekap.domain.rules import Finding

#: the status each recap entry leads to (the planner checked it was allowed; the fold follows what is logged)
STATUS_AFTER = {
    "recap.started": "in_plenary",
    "recap.entered": "entered",
    "recap.signed_off": "signed_off",
    "recap.reopened": "reopened",
}


def recap_step(state: State, entry: Entry) -> Changes:
    p = entry.payload
    key = (p["region"], p["contest"])
    recap = state.recaps.get(key)
    if recap is None:
        recap = state.recaps[key] = Recap(*key)
    recap.status = STATUS_AFTER[entry.kind]
    recap.entries.append(entry.seq)
    if entry.kind == "recap.started":
        recap.started_at = entry.at
    elif entry.kind == "recap.entered":
        recap.result = Result.from_payload(p["result"])
        recap.photos = tuple(p.get("photos", ()))
        recap.findings = tuple(Finding(**f) for f in p["findings"])
        recap.source = p.get("source", "operator")
        recap.entered_seq, recap.entered_by, recap.entered_at = entry.seq, entry.actor, entry.at
        recap.reason = p.get("reason") or ""
        recap.signed_seq, recap.signed_by, recap.signed_at, recap.explanation = 0, "", "", ""
    elif entry.kind == "recap.signed_off":
        recap.signed_seq, recap.signed_by, recap.signed_at = entry.seq, entry.actor, entry.at
        recap.explanation = p.get("explanation") or ""
    else:
        recap.reopened_by, recap.reopened_at, recap.reason = entry.actor, entry.at, p["reason"]
        recap.signed_seq, recap.signed_by, recap.signed_at = 0, "", ""
    return Changes(recaps={key})
