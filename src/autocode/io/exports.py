"""Survey-platform exports: Qualtrics (three or two header rows) and REDCap (raw or labels).

Recognising the platform tells us the id column, the metadata columns that are neither
answers nor useful attributes, and (REDCap) the columns that split one record into several
rows (events, repeated instruments).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .tables import Table

# Qualtrics metadata columns (current and legacy names). ResponseId is the id.
QUALTRICS_META = {
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
    "Finished", "RecordedDate", "ResponseId", "ResponseID", "RecipientLastName",
    "RecipientFirstName", "RecipientEmail", "ExternalReference", "ExternalDataReference",
    "LocationLatitude", "LocationLongitude", "LocationAccuracy", "DistributionChannel",
    "UserLanguage", "ResponseSet", "Name", "EmailAddress",
}  # fmt: skip
_QUALTRICS_META_RE = re.compile(
    r"^Q_(Recaptcha|RelevantID|TotalDuration|URL|BallotBox|DuplicateRespondent|AmbiguousText|"
    r"Unanswered|Straightlining|Language$|CHL$|R$|SocialMedia|Quota|PopulatedResponse)|"
    r".+_(First Click|Last Click|Page Submit|Click Count)$|"  # timing questions
    r".+ - (Topics|Parent Topics|Sentiment|Sentiment Polarity|Sentiment Score|"
    r"Topic Sentiment Label|Topic Sentiment Score|Actionability)$"  # Text iQ output
)
_IMPORT_ID = re.compile(r'^\{\s*"ImportId"\s*:')

# REDCap: raw field names and their "labels" export equivalents.
REDCAP_STRUCTURE = {
    "redcap_event_name": "Event Name",
    "redcap_repeat_instrument": "Repeat Instrument",
    "redcap_repeat_instance": "Repeat Instance",
}
REDCAP_META = {
    "redcap_data_access_group", "redcap_survey_identifier", "Data Access Group",
    "Survey Identifier", "Survey Timestamp", "Complete?",
}  # fmt: skip
_REDCAP_META_RE = re.compile(r".+_(timestamp|complete)$|^Complete\?|.+ Complete\?$")
_REDCAP_STATUS = {"Incomplete", "Unverified", "Complete", "0", "1", "2", ""}


@dataclass
class Export:
    kind: str | None = None  # "qualtrics", "redcap" or None
    id_column: str | None = None
    meta: set[str] = field(default_factory=set)  # drop: not text, not attributes
    structure: list[str] = field(default_factory=list)  # REDCap event/repeat columns
    notes: list[str] = field(default_factory=list)


def recognise(t: Table) -> Export:
    """Recognise the platform; for Qualtrics, also remove its label rows from ``t``."""
    for recogniser in (_qualtrics, _surveymonkey):
        ex = recogniser(t)
        if ex.kind:
            return ex
    return _redcap(t)


def _qualtrics(t: Table) -> Export:
    ex = Export()
    header = t.header
    n_meta = sum(h in QUALTRICS_META for h in header)
    import_row = _import_id_row(t)
    legacy = (
        import_row is None
        and t.rows
        and (header[:1] == ["V1"] or n_meta >= 3)
        and sum(v in QUALTRICS_META for v in t.rows[0]) >= 3
    )
    if import_row is None and not legacy and n_meta < 4:
        return ex
    ex.kind = "qualtrics"
    skip = 0
    # The question-text row alone (the ImportId row deleted by hand): "Response ID" under
    # ResponseId.
    label_only = (
        import_row is None
        and not legacy
        and "ResponseId" in header
        and bool(t.rows)
        and t.rows[0][header.index("ResponseId")].strip() in ("Response ID", "ResponseId")
    )
    if import_row is not None or legacy or label_only:
        labels = t.rows[0] if import_row == 1 or legacy or label_only else []
        # not strict: the label row may be shorter than the header (or absent: labels == [])
        if legacy:  # V1..V10 metadata names live in the label row
            header = [
                lab if re.fullmatch(r"V\d+", h) and lab else h
                for h, lab in zip(header, labels, strict=False)
            ]
            t.header = header
        t.question_labels.update(
            {
                h: lab.strip()
                for h, lab in zip(header, labels, strict=False)
                if lab.strip() and lab.strip() != h
            }
        )
        skip = import_row + 1 if import_row is not None else 1
        t.rows, t.row_labels = t.rows[skip:], t.row_labels[skip:]
        ex.notes.append(f"Qualtrics export: skipped {skip} header row(s) after the column names")
    ex.meta = {h for h in header if h in QUALTRICS_META or _QUALTRICS_META_RE.match(h)}
    for name in ("ResponseId", "ResponseID"):
        if name in header:
            ex.id_column = name
            ex.meta.discard(name)
            break
    return ex


def _is_import_row(row: list[str]) -> bool:
    filled = [v for v in row if v.strip()]
    return bool(filled) and sum(bool(_IMPORT_ID.match(v.strip())) for v in filled) >= 0.5 * len(
        filled
    )


def _import_id_row(t: Table) -> int | None:
    """Index of the `{"ImportId": ...}` row among the first two data rows, if any."""
    for i in (1, 0):
        if len(t.rows) > i and _is_import_row(t.rows[i]):
            return i
    return None


SURVEYMONKEY_META = {
    "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
    "Last Name", "Custom Data 1", "Custom Data",
}  # fmt: skip
_SM_SUBHEADS = {"Response", "Open-Ended Response"}


def _surveymonkey(t: Table) -> Export:
    """SurveyMonkey: question text in row 1 (blank over a question's further columns), and
    "Response" / "Open-Ended Response" / the choice labels in row 2."""
    ex = Export()
    h = t.header
    if "Respondent ID" not in h or "Collector ID" not in h or not t.rows:
        return ex
    sub = t.rows[0]
    if sub[h.index("Respondent ID")].strip() or not any(v.strip() in _SM_SUBHEADS for v in sub):
        return ex
    ex.kind, ex.id_column = "surveymonkey", "Respondent ID"
    names, last = [], ""
    for j, name in enumerate(h):
        label = sub[j].strip()
        if name in t.unnamed and last:  # a further column of the question on its left
            name = f"{last} - {label}" if label else name
        else:
            last = name
            if label and label not in _SM_SUBHEADS and name not in SURVEYMONKEY_META:
                name = f"{name} - {label}"
        names.append(name)
    if len(set(names)) == len(names):
        t.header = names
        t.notes = [n for n in t.notes if "has no name" not in n]
    t.rows, t.row_labels = t.rows[1:], t.row_labels[1:]
    ex.meta = {n for n in t.header if n in SURVEYMONKEY_META}
    ex.notes.append("SurveyMonkey export: skipped the second header row")
    return ex


def _redcap(t: Table) -> Export:
    ex = Export()
    header = t.header
    raw_structure = [h for h in REDCAP_STRUCTURE if h in header]
    label_structure = [v for v in REDCAP_STRUCTURE.values() if v in header]
    # A lone "record_id" column is not enough: any file may have one.
    is_raw = any(h.startswith("redcap_") for h in header)
    is_labels = bool(label_structure) and header[0].endswith("ID")
    complete = [h for h in header if _REDCAP_META_RE.match(h) and _all_in(t, h, _REDCAP_STATUS)]
    # REDCap always puts the record id field first; "*_complete" alone needs an id-like first
    # column, or any file with an "is_complete" 0/1 column would pass.
    first_is_id = re.sub(r"[^a-z]", "", header[0].casefold()).endswith("id")
    if not (is_raw or is_labels or (complete and first_is_id)):
        return ex
    is_raw = is_raw or "record_id" in header
    ex.kind = "redcap"
    ex.id_column = (
        "record_id" if "record_id" in header
        else "Record ID" if "Record ID" in header
        else header[0]
    )  # fmt: skip
    ex.structure = raw_structure if is_raw else label_structure
    ex.meta = {h for h in header if h in REDCAP_META or h.startswith("redcap_")}
    ex.meta |= {h for h in header if h.endswith("_timestamp") or h in complete}
    ex.meta -= set(ex.structure)
    return ex


def _all_in(t: Table, col: str, allowed: set[str]) -> bool:
    j = t.header.index(col)
    return all(r[j].strip() in allowed for r in t.rows)
