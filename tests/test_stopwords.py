"""The vendored stop-word list is scikit-learn's, word for word."""

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from autocode.suggest.stopwords import SKLEARN_ENGLISH_STOP_WORDS


def test_vendored_list_equals_sklearns() -> None:
    assert SKLEARN_ENGLISH_STOP_WORDS == frozenset(ENGLISH_STOP_WORDS)
    assert len(SKLEARN_ENGLISH_STOP_WORDS) == 318
