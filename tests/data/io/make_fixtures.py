"""Regenerate the binary/encoded fixtures in this folder (run by hand: python make_fixtures.py).

The text fixtures (.csv/.tsv written as UTF-8) are edited by hand; this script derives the
encoded variants (BOM, cp1252, latin-1, UTF-16), the workbook and the SPSS file from them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

HERE = Path(__file__).parent


def main() -> None:
    src = (HERE / "wide_utf8.csv").read_text(encoding="utf-8")
    (HERE / "wide_utf8_bom.csv").write_bytes(src.encode("utf-8-sig"))
    (HERE / "wide_cp1252.csv").write_bytes(src.replace("\n", "\r\n").encode("cp1252"))
    rows = list(csv.reader(io.StringIO(src, newline="")))
    tsv = io.StringIO(newline="")
    csv.writer(tsv, delimiter="\t", lineterminator="\r\n").writerows(rows)
    (HERE / "wide_utf16.txt").write_bytes(tsv.getvalue().encode("utf-16"))  # Excel "Unicode text"
    latin = (
        "id,comment\n1,Le café était froid mais le personnel très aimable.\n"
        "2,Accueil naïf et sympathique ; très bien.\n"
        "3,Große Verzögerung bei der Anmeldung; sonst gut.\n"
    )
    (HERE / "latin1.csv").write_bytes(latin.encode("latin-1"))
    good = "id,comment\n1,The café was lovely and the staff were kind.\n"
    bad = "2,Waiting room was cold – no heating at all in winter.\n".encode("cp1252")
    (HERE / "mixed_encoding.csv").write_bytes(good.encode("utf-8") + bad)
    cyr = (
        "id,comment\n1,Очень долго ждали врача в приёмном покое.\n"
        "2,Персонал был вежливым и внимательным.\n"
        '3,"Хорошая больница, спасибо всем сотрудникам."\n'
    )
    (HERE / "cp1251.csv").write_bytes(cyr.encode("cp1251"))
    (HERE / "binary.csv").write_bytes(bytes(range(256)) * 8)
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "corrupt.xlsx").write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    (HERE / "old_format.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500)
    _xlsx()
    _sav()


def _xlsx() -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Responses"
    ws.append(
        [
            "Participant ID",
            "Specialty",
            "Year",
            "Completed",
            "What helps you learn most on the ward?",
        ]
    )
    rows = [
        (
            101,
            "Surgery",
            1,
            dt.datetime(2024, 3, 1),
            "Being given graded responsibility with a senior nearby.",
        ),
        (
            102,
            "Medicine",
            2.0,
            dt.datetime(2024, 3, 2),
            "Teaching on the ward round, when the consultant explains their reasoning.",
        ),
        (103, "Surgery", 3, dt.datetime(2024, 3, 2), None),
        (104, "Paediatrics", 1, dt.datetime(2024, 3, 4), "N/A"),
        (
            105,
            "Medicine",
            2,
            dt.datetime(2024, 3, 5),
            "Feedback straight after a procedure — even two lines helps.\nAlso the café chats.",
        ),
        (
            106,
            "Paediatrics",
            3,
            dt.datetime(2024, 3, 6),
            "Simulation sessions that mirror real emergencies.",
        ),
    ]
    for r in rows:
        ws.append(list(r))
    ws2 = wb.create_sheet("Wave 2")
    ws2.append(["Participant ID", "Specialty", "What helps you learn most on the ward?"])
    ws2.append([201, "Surgery", "Protected teaching time that is actually protected."])
    ws2.append([202, "Medicine", "Having a named supervisor who checks in weekly."])
    ws3 = wb.create_sheet("Notes")
    ws3.append(["note"])
    ws3.append(["exported 2024-03-07"])
    wb.save(HERE / "survey.xlsx")


def _sav() -> None:
    import pandas as pd
    import pyreadstat

    df = pd.DataFrame(
        {
            "resp_id": [1.0, 2.0, 3.0, 4.0, 5.0],
            "site": [1.0, 2.0, 1.0, 2.0, 1.0],
            "q5_open": [
                "More time with patients, less paperwork.",
                "Clearer rota published further in advance.",
                "",
                "Nothing.",
                "Better access to the café after night shifts.",
            ],
        }
    )
    pyreadstat.write_sav(
        df,
        str(HERE / "survey.sav"),
        column_labels=["Respondent", "Site", "What one change would improve your training?"],
        variable_value_labels={"site": {1.0: "North", 2.0: "South"}},
    )


if __name__ == "__main__":
    main()
