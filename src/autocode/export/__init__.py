"""Exports of a coded project: codings for R/SPSS/Stata (``codings``) and a REFI-QDA
project for NVivo, ATLAS.ti, MAXQDA or QualCoder (``qdpx``)."""
