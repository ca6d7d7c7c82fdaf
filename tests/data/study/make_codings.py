"""Two coders' codings of faculty_survey_raw.csv, written by hand by the autocode developers
for testing (CC0). `primary` coded every non-blank answer; `secondary` double-coded every
answer independently (a few honest disagreements, as between two real coders). A row with no
code means "coded, no code applies". Rebuild: python make_codings.py"""

from __future__ import annotations

import csv
from pathlib import Path

S, B, T = "mentor_skills", "mentor_barriers", "mentor_training"
# (question, record id): primary's codes | secondary's codes when they differ
PRIMARY: dict[tuple[str, int], list[str]] = {
    (S, 1): ["Listening", "Availability"],
    (S, 2): ["Empathy and approachability", "Feedback skills", "Honesty and trust"],
    (S, 3): ["Listening", "Goals and structure"],
    (S, 4): ["Availability"],
    (S, 5): ["Feedback skills"],
    (S, 6): ["Role modelling"],
    (S, 7): ["Career guidance and sponsorship"],
    (S, 9): ["Honesty and trust"],
    (S, 10): ["Goals and structure"],
    (S, 11): ["Empathy and approachability"],
    (S, 13): ["Availability"],
    (S, 14): ["Career guidance and sponsorship"],
    (S, 15): ["Cultural humility"],
    (S, 16): ["Listening", "Empathy and approachability"],
    (S, 17): ["Empathy and approachability"],
    (S, 18): ["Feedback skills"],
    (S, 19): ["Empathy and approachability"],
    (S, 20): ["Role clarity"],
    (S, 21): ["Goals and structure"],
    (S, 22): ["Career guidance and sponsorship"],
    (S, 23): ["Empathy and approachability"],
    (S, 25): ["Listening", "Role modelling"],
    (S, 26): ["Honesty and trust"],
    (S, 27): ["Knowing resources"],
    (S, 28): ["Availability", "Honesty and trust", "Empathy and approachability"],
    (S, 29): ["Knowing resources"],
    (S, 30): ["Listening"],
    (S, 32): ["Availability", "Goals and structure"],
    (S, 33): ["Role modelling"],
    (S, 34): ["Career guidance and sponsorship", "Honesty and trust"],
    (S, 35): ["Empathy and approachability"],
    (S, 36): ["Goals and structure"],
    (S, 37): ["Role modelling"],
    (S, 38): ["Listening", "Empathy and approachability"],
    (S, 39): ["Cultural humility"],
    (S, 40): ["Availability"],
    (S, 41): [],
    (B, 1): ["Lack of time", "Clinical workload"],
    (B, 2): ["Lack of time"],
    (B, 3): ["Clinical workload"],
    (B, 4): ["No recognition"],
    (B, 6): ["Burnout"],
    (B, 7): ["Role clarity"],
    (B, 8): ["Scheduling and logistics"],
    (B, 9): ["Mentee load and match"],
    (B, 11): ["Lack of time", "Clinical workload"],
    (B, 12): ["Lack of training or confidence"],
    (B, 13): ["Scheduling and logistics"],
    (B, 14): ["No recognition"],
    (B, 15): ["Scheduling and logistics"],
    (B, 16): ["Lack of time"],
    (B, 17): ["Clinical workload"],
    (B, 18): ["Role clarity"],
    (B, 19): ["Burnout"],
    (B, 20): ["Mentee load and match"],
    (B, 21): ["Resident engagement"],
    (B, 22): ["Lack of time", "Scheduling and logistics"],
    (B, 23): ["No recognition"],
    (B, 24): [],
    (B, 25): ["Clinical workload"],
    (B, 26): ["Scheduling and logistics"],
    (B, 27): ["Lack of training or confidence"],
    (B, 28): ["Clinical workload"],
    (B, 29): ["Lack of training or confidence"],
    (B, 31): ["Mentee load and match"],
    (B, 32): ["Resident engagement"],
    (B, 33): ["Lack of time"],
    (B, 34): ["Role clarity"],
    (B, 35): ["Burnout", "Clinical workload"],
    (B, 36): ["No recognition"],
    (B, 37): ["Lack of training or confidence"],
    (B, 38): ["Lack of time", "Clinical workload"],
    (B, 39): ["Resident engagement"],
    (B, 40): ["Lack of time"],
    (B, 41): ["Clinical workload"],
    (T, 1): ["Coaching skills", "Faculty development sessions"],
    (T, 2): ["Feedback training"],
    (T, 3): ["Faculty development sessions"],
    (T, 5): ["Supporting struggling residents"],
    (T, 7): ["Online modules"],
    (T, 8): ["Equity and cultural training"],
    (T, 9): ["Toolkits and guides"],
    (T, 10): ["Supporting struggling residents"],
    (T, 11): ["Career advising"],
    (T, 12): ["Faculty development sessions"],
    (T, 14): ["Coaching skills"],
    (T, 15): ["Feedback training", "Faculty development sessions"],
    (T, 16): ["Time rather than training"],
    (T, 17): ["Faculty development sessions"],
    (T, 18): ["Role clarity"],
    (T, 19): ["Equity and cultural training"],
    (T, 21): ["Faculty development sessions"],
    (T, 22): ["Supporting struggling residents"],
    (T, 23): [],
    (T, 24): ["Toolkits and guides"],
    (T, 25): ["Coaching skills"],
    (T, 26): ["Career advising"],
    (T, 27): ["Online modules"],
    (T, 28): ["Feedback training"],
    (T, 29): ["Toolkits and guides"],
    (T, 30): ["Online modules"],
    (T, 31): ["Faculty development sessions"],
    (T, 33): ["Coaching skills"],
    (T, 34): ["Supporting struggling residents"],
    (T, 35): ["Toolkits and guides"],
    (T, 36): ["Role clarity", "Toolkits and guides"],
    (T, 37): ["Equity and cultural training"],
    (T, 38): ["Coaching skills", "Faculty development sessions"],
    (T, 39): ["Time rather than training"],
    (T, 40): ["Time rather than training"],
    (T, 41): ["Career advising"],
}
# where the second coder read an answer differently
SECONDARY_DIFFERS: dict[tuple[str, int], list[str]] = {
    (S, 1): ["Listening", "Availability", "Empathy and approachability"],
    (S, 3): ["Listening"],
    (S, 11): ["Empathy and approachability", "Role modelling"],
    (S, 20): ["Role clarity", "Goals and structure"],
    (S, 37): ["Role modelling", "Feedback skills"],
    (S, 39): ["Cultural humility", "Empathy and approachability"],
    (B, 1): ["Lack of time"],
    (B, 13): ["Scheduling and logistics", "Lack of time"],
    (B, 31): ["Mentee load and match", "Clinical workload"],
    (B, 39): ["Lack of training or confidence"],
    (B, 41): ["Lack of time"],
    (T, 1): ["Coaching skills"],
    (T, 12): ["Faculty development sessions", "Toolkits and guides"],
    (T, 30): ["Online modules", "Faculty development sessions"],
    (T, 35): ["Toolkits and guides", "Faculty development sessions"],
}


def write(path: Path, coding: dict[tuple[str, int], list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "question", "code"])
        for (q, rid), codes in sorted(coding.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            for c in codes or [""]:
                w.writerow([rid, q, c])


if __name__ == "__main__":
    here = Path(__file__).parent
    write(here / "primary.csv", PRIMARY)
    write(here / "secondary.csv", {**PRIMARY, **SECONDARY_DIFFERS})
