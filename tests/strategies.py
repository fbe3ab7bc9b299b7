"""Hypothesis strategies shared by the test modules."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

# -- core engine -----------------------------------------------------------------------------

scores = st.floats(min_value=0.0, max_value=100.0, allow_nan=False)
"""Any valid council score, fractions included."""

bad_scores = st.one_of(
    st.floats(max_value=-1e-9, allow_nan=False),
    st.floats(min_value=100.0000001, allow_nan=False),
    st.just(float("nan")),
    st.just(float("inf")),
)
"""Numbers a council cannot give."""

dates = st.dates(min_value=dt.date(2019, 8, 21), max_value=dt.date(2035, 12, 31))
"""Operation dates from the first OCOP regime on."""

gaps = st.integers(min_value=0, max_value=400).map(lambda n: dt.timedelta(days=n))
"""Time between two operations."""
