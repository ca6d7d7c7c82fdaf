"""Inter-coder agreement: machine vs human and human vs human (``autocode agree``).

Library API (no CLI needed; numpy arrays and DataFrames in, plain values out)::

    from autocode.agree import agree, agree_matrices, agree_labels, cohen_kappa

    # two label vectors -> one Coefficient(value, se, ci_low, ci_high, reason)
    cohen_kappa(["a", "b", "a"], ["a", "b", "b"])            # Cohen 1960, FCE 1969 SE
    cohen_kappa(r1, r2, weights="quadratic")                  # weighted kappa (Cohen 1968)

    # multi-label 0/1 matrices (n_units x n_codes), one per coder -> AgreementResult
    res = agree_matrices([human, predicted], codes=names, coders=["alice", "autocode"])
    res.overall["pooled"]["cohen_kappa"].value
    res.per_code["Staff attitude"].coefficients["gwet_ac1"]
    res.to_json()                                             # the documented JSON document

    # a project, on the study model (scope, held-out answers, flagged cells) -> ProjectAgreement
    pa = agree_project(store, ["primary", "autocode"])   # see autocode.agree.project
    pa.result.overall["pooled"]["cohen_kappa"], pa.per_question, pa.excluded, pa.flagged

    # long codings (id, coder, code) from files -> AgreementResult
    df, texts = load_files(["alice.csv", "bob.csv"])
    res = agree(df, missing="exclude", bootstrap=1000, seed=1)
    res.disagreements(texts)                                  # rows for reconciliation

Single coefficients (two coders: label sequences; several: ``(n_units, n_coders)`` ratings,
None/NaN = missing): :func:`percent_agreement`, :func:`cohen_kappa`, :func:`scott_pi`,
:func:`gwet_ac1` (AC2 with ``weights``), :func:`brennan_prediger`, :func:`pabak`,
:func:`prevalence_index`, :func:`bias_index`, :func:`fleiss_kappa`, :func:`gwet_ac1_multi`,
:func:`krippendorff_alpha` (``level`` nominal/ordinal/interval/ratio). Vectorised engines for
many codes at once: :func:`two_rater_stats` (tables ``(..., q, q)``) and
:func:`multi_rater_stats` (rater counts ``(..., n_units, q)``). Formulas and references are in
:mod:`autocode.agree.coefficients`.

Undefined values are never 0 or NaN: ``Coefficient.value is None`` and ``reason`` says why
(e.g. "no coder used this code (only one category)").

JSON document (``AgreementResult.to_json()``, ``autocode agree --json``)::

    {"coders": [...], "design": "multi-label" | "single-label" | "ordinal" | "interval" | "ratio",
     "level": ..., "missing": "exclude" | "as-absent", "n_units": int,
     "excluded_units": {"count": int, "ids": [...]},
     "overall": {"pooled": {COEF: {...}}, "macro": {"n_codes": int, COEF: {...}}},
     "per_code": {CODE: {"n_units", "prevalence", "prevalence_by_coder": {coder: p},
                         "percent_agreement", "cohen_kappa", "scott_pi", "fleiss_kappa",
                         "krippendorff_alpha", "gwet_ac1", "brennan_prediger", "pabak",
                         "prevalence_index", "bias_index"}},
     "unknown_codes": [...], "pairwise": {"a|b": {...}}, "bootstrap": {...}}   # when present

Each coefficient is ``{"value": float|null, "se", "ci_low", "ci_high"}`` plus ``"reason"`` when
null, ``"note"`` when informative and ``"boot_ci_low"/"boot_ci_high"`` with ``--bootstrap``.
Single-label and ordinal designs put the coefficients directly under ``overall`` (with
``n_units``; ordinal adds ``cohen_kappa_linear``, ``cohen_kappa_quadratic``, ``gwet_ac2``) and
leave ``per_code`` empty. With three or more coders Cohen's kappa and Scott's pi are null (see
``fleiss_kappa``, ``pairwise`` and, in single-label and rating designs, ``conger_kappa``);
``prevalence_index``/``bias_index`` are two-coder only.

Missing codings (``--missing exclude``, the default): a response coded by only one coder is
listed under ``excluded_units`` and not counted in ``n_units`` (it has no observed agreement),
but its codes count toward chance agreement, as Gwet (2014) and R irrCAC's ``*.raw``
functions compute every coefficient (with two coders this gives Cohen's kappa with each
coder's category shares over the responses they coded, SE by Gwet's linearisation, and a
``note`` saying so). Three or more coders in a single-label or rating design also get
``conger_kappa`` (Conger 1980).

Choices worth knowing: weighted kappa uses category positions (as scikit-learn); Gwet-style SEs
(pi, Fleiss, AC1, Brennan–Prediger, percent agreement) divide by ``n(n-1)`` as irrCAC's raw-data
functions do; Krippendorff's alpha has no analytic SE — use ``--bootstrap``.
"""

from __future__ import annotations

from .analysis import AgreementResult, CodeResult, agree_labels, agree_matrices
from .coefficients import (
    Coefficient,
    agreement_weights,
    bias_index,
    brennan_prediger,
    cohen_kappa,
    contingency_table,
    fleiss_kappa,
    gwet_ac1,
    gwet_ac1_multi,
    krippendorff_alpha,
    landis_koch,
    multi_rater_stats,
    pabak,
    percent_agreement,
    prevalence_index,
    rater_counts,
    scott_pi,
    two_rater_stats,
)
from .design import agree
from .inputs import load_files, load_store, read_codebook_codes, read_codings_file
from .project import ProjectAgreement, agree_project

__all__ = [
    "AgreementResult",
    "CodeResult",
    "Coefficient",
    "ProjectAgreement",
    "agree",
    "agree_labels",
    "agree_matrices",
    "agree_project",
    "agreement_weights",
    "bias_index",
    "brennan_prediger",
    "cohen_kappa",
    "contingency_table",
    "fleiss_kappa",
    "gwet_ac1",
    "gwet_ac1_multi",
    "krippendorff_alpha",
    "landis_koch",
    "load_files",
    "load_store",
    "multi_rater_stats",
    "pabak",
    "percent_agreement",
    "prevalence_index",
    "rater_counts",
    "read_codebook_codes",
    "read_codings_file",
    "scott_pi",
    "two_rater_stats",
]
