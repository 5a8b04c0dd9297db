"""Typed values from what clerks write, and errors that name row, field and fix."""

import datetime as dt

import pandas as pd
import pytest

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
