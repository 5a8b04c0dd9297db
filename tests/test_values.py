"""Typed values from what clerks write, and errors that name row, field and fix."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landbank.errors import InputError
from landbank.io.values import parse_cause, parse_dates, parse_numbers, parse_text


def label(i):
    return f"row {i + 2}"


@pytest.mark.parametrize(
    "text",
    [
        "2023-05-01",
        "2023/5/1",
        "2023.05.01",
        "2023年5月1日",
        "20230501",
        "2023-05-01 00:00:00",
        " 2023-5-01 ",
    ],
)
def test_dates_in_the_usual_ways_clerks_write_them(text):
    got = parse_dates(pd.Series([text, None]), "f.csv", label, "approved_on")
    assert got.iloc[0] == pd.Timestamp(2023, 5, 1)
    assert pd.isna(got.iloc[1])


def test_date_objects_from_a_spreadsheet_are_taken_as_they_are():
    got = parse_dates(
        pd.Series([dt.datetime(2022, 2, 28, 13, 5), dt.date(2020, 2, 29), None], dtype=object),
        "f.xlsx",
        label,
        "supplied_on",
    )
    assert list(got.iloc[:2]) == [pd.Timestamp(2022, 2, 28), pd.Timestamp(2020, 2, 29)]


@pytest.mark.parametrize("bad", ["2031-02-30", "2023-13-01", "next spring", "2023-02-29"])
def test_an_impossible_date_names_file_row_field_and_fix(bad):
    with pytest.raises(InputError) as err:
        parse_dates(pd.Series(["2020-01-01", bad]), "parcels.csv", label, "approved_on")
    assert str(err.value) == (
        f'parcels.csv row 3, approved_on: "{bad}" is not a date; write YYYY-MM-DD'
    )


def test_numbers_with_thousands_separators_are_read():
    got = parse_numbers(pd.Series(["1,234.5", " 7 ", None, ""]), "f.csv", label, "x")
    assert got.iloc[0] == 1234.5 and got.iloc[1] == 7.0
    assert got.iloc[2:].isna().all()


def test_a_number_with_a_unit_is_refused_and_the_count_of_others_given():
    with pytest.raises(
        InputError,
        match=r'row 2, land_price_wan: "12万" is not a number '
        r"\(and 1 more rows\); write digits only",
    ):
        parse_numbers(pd.Series(["12万", "3", "4亩"]), "f.csv", label, "land_price_wan")


def test_a_negative_area_is_refused():
    with pytest.raises(InputError, match="is below 0"):
        parse_numbers(pd.Series([-1.5]), "f.csv", label, "recorded_area_mu")


def test_a_workbook_column_of_numbers_is_read_with_its_blanks_and_checks():
    # a workbook read as objects: ints, floats and blanks (the fast path) or some text
    numbers = pd.Series([3, 2.5, None, float("nan"), 10**20], dtype=object)
    got = parse_numbers(numbers, "f.xlsx", label, "tax_wan")
    assert got.dtype == float and got.tolist()[:2] == [3.0, 2.5] and got.iloc[4] == 1e20
    assert got.iloc[2:4].isna().all()
    mixed = parse_numbers(pd.Series([3, "1,234.5"], dtype=object), "f.xlsx", label, "tax_wan")
    assert mixed.tolist() == [3.0, 1234.5]
    with pytest.raises(InputError, match=r"f.xlsx row 3, tax_wan: .* is below 0"):
        parse_numbers(pd.Series([1, -2.0], dtype=object), "f.xlsx", label, "tax_wan")
    with pytest.raises(InputError, match=r"row 2, tax_wan: .* is not a finite number"):
        parse_numbers(pd.Series([float("inf"), 1], dtype=object), "f.xlsx", label, "tax_wan")


def test_codes_typed_as_numbers_in_excel_keep_their_digits():
    got = parse_text(pd.Series([370402.0, 12.5, None]))
    assert list(got) == ["370402", "12.5", None]


def test_cause_accepts_ids_and_chinese_words():
    got = parse_cause(pd.Series(["government", "企业原因", "政府", None]), "f", label, "cause")
    assert list(got) == ["government", "enterprise", "government", None]
    with pytest.raises(InputError, match="write government"):
        parse_cause(pd.Series(["weather"]), "f", label, "cause")


ARROW_TEXT = pd.StringDtype("pyarrow")  # how a vector file's text columns are read


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.dates(dt.date(1950, 1, 1), dt.date(2050, 12, 31)).map(str),
            st.dates(dt.date(1950, 1, 1), dt.date(2050, 12, 31)).map(
                lambda d: f" {d.year}/{d.month}/{d.day} "
            ),
            st.sampled_from(["", "  ", None, "2023-02-30", "2023-13-01", "1800-01-01", "soon"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_arrow_text_dates_read_as_the_general_path_reads_them(cells):
    """A vector file's dates come as Arrow text, parsed by Arrow's strict cast where
    every value is an ISO date: the same days, NaT and errors as the general path."""

    def parsed(series):
        try:
            return parse_dates(series, "f.gpkg", label, "approved_on").tolist()
        except InputError as exc:
            return str(exc)

    arrow, objects = parsed(pd.Series(cells, dtype=ARROW_TEXT)), parsed(pd.Series(cells))
    assert arrow == objects


def test_arrow_text_keeps_blanks_as_missing_and_becomes_python_strings():
    from landbank.io.values import as_objects, parse_text_within

    text = parse_text_within(
        pd.Series([" 峄城区 ", "", None, "  "], dtype=ARROW_TEXT),
        "f.gpkg",
        label,
        "district",
        8,
        arrow=True,
    )
    assert isinstance(text.dtype, pd.StringDtype)
    assert text.isna().tolist() == [False, True, True, True]
    plain = as_objects(pd.DataFrame({"district": text}))["district"]
    assert plain.dtype == object and plain.tolist() == ["峄城区", None, None, None]
