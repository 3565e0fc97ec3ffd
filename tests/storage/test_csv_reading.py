"""Reading the CSV file of a people import as spreadsheets and people save it."""

from __future__ import annotations

import codecs

import pytest

from vaxel.storage.people_import import ImportFailed, RowError, decode_csv, read_csv

SEMICOLON = (
    "namn;e-post;enhet;titel;typ;anknytning;mobil;slutdatum;nyckelord\n"
    "Åsa Öberg;asa.oberg@testby.se;Kommunstyrelsen / IT;Tekniker, nätverk;anställd;4101;"
    "070-123 45 67;;nätverk\n"
    'Olle Berg;olle@testby.se;Bygglov;"Handläggare; bygglov";employee;4102;;;"bygglov;strand"\n'
)


def test_semicolons_swedish_headers_bom_and_windows_line_endings() -> None:
    data = codecs.BOM_UTF8 + SEMICOLON.replace("\n", "\r\n").encode("utf-8")
    columns, rows = read_csv(data)
    assert columns[:4] == ["name", "email", "unit", "title"]
    assert [line for line, _ in rows] == [2, 3]
    first, second = (values for _, values in rows)
    assert first["name"] == "Åsa Öberg" and first["title"] == "Tekniker, nätverk"
    assert first["mobile"] == "070-123 45 67"  # no stray "\r" at the end of a line
    assert second["title"] == "Handläggare; bygglov" and second["keywords"] == "bygglov;strand"


def test_commas_with_quoted_commas() -> None:
    text = (
        "name,email,unit,title\n"
        'Karin Ängström,karin@testby.se,"Kommunstyrelsen / HR","HR-konsult, lön"\n'
    )
    _, [(line, values)] = read_csv(text)
    assert line == 2 and values["title"] == "HR-konsult, lön" and values["name"] == "Karin Ängström"


def test_excel_windows_1252_is_read_and_said() -> None:
    # What Excel on a Swedish Windows saves as "CSV (semikolonavgränsad)".
    text, encoding = decode_csv(SEMICOLON.encode("cp1252"))
    assert encoding == "windows-1252" and "Åsa Öberg" in text
    assert decode_csv(SEMICOLON.encode("utf-8")) == (SEMICOLON, "utf-8")


def test_excel_unicode_text_is_utf16_with_tabs() -> None:
    text = SEMICOLON.replace(";", "\t").replace('"bygglov\tstrand"', "bygglov;strand")
    text = text.replace('"Handläggare\tbygglov"', "Handläggare")
    _, rows = read_csv(text.encode("utf-16"))
    assert rows[0][1]["name"] == "Åsa Öberg" and rows[1][1]["keywords"] == "bygglov;strand"


def test_utf8_with_a_broken_byte_is_refused_not_garbled() -> None:
    # Mostly UTF-8 (ä as two bytes), one stray Latin-1 byte on line 3: reading the whole file as
    # Windows-1252 would turn every "ä" into "Ã¤", so the line is named instead.
    data = "name;email;unit\nPär Ek;par@testby.se;IT\n".encode() + b"Bo \xe5s;bo@testby.se;IT\n"
    with pytest.raises(ImportFailed) as info:
        read_csv(data)
    (error,) = info.value.errors
    assert (error.line, error.column) == (3, "file")
    assert "0xe5" in error.reason and "UTF-8" in error.reason


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        (b"", 1, "the file is empty"),
        (b"name;email;unit\n", 2, "there are no people below the header line"),
        (b"name;email;unit\r\n;;\r\n\r\n", 2, "there are no people below the header line"),
    ],
)
def test_empty_and_header_only_files_are_mistakes(data: bytes, line: int, reason: str) -> None:
    with pytest.raises(ImportFailed) as info:
        read_csv(data)
    assert info.value.errors == [RowError(line, "file", reason)]
    assert str(info.value) == "1 problem on 1 line; nothing was imported"


def test_missing_required_and_unknown_columns_are_named() -> None:
    with pytest.raises(ImportFailed) as info:
        read_csv("name;title;shoe size\nEva;Chef;42\n")
    assert {(e.line, e.column) for e in info.value.errors} == {
        (1, "shoe size"),
        (1, "email"),
        (1, "unit"),
    }
    assert str(info.value) == "3 problems on 1 line; nothing was imported"


def test_a_short_row_has_empty_cells_and_a_long_row_is_an_error() -> None:
    _, [(_, values)] = read_csv("name;email;unit;extension;mobile\nEva;eva@testby.se;IT\n")
    assert values == {
        "name": "Eva",
        "email": "eva@testby.se",
        "unit": "IT",
        "extension": "",
        "mobile": "",
    }
    with pytest.raises(ImportFailed) as info:
        read_csv("name;email;unit\nEva;eva@testby.se;IT;extra\n")
    assert info.value.errors == [RowError(2, "file", "4 fields, the header has 3")]


def test_excel_sep_line_names_the_delimiter() -> None:
    text = 'sep=,\r\nname,email,unit,title\r\nEva Holm,eva@testby.se,IT,"Tekniker; nätverk"\r\n'
    columns, [(line, values)] = read_csv(text)
    assert columns == ["name", "email", "unit", "title"]
    assert line == 3 and values["title"] == "Tekniker; nätverk"
    with pytest.raises(ImportFailed) as info:
        read_csv("sep=;\nname;shoe\n")
    assert {(e.line, e.column) for e in info.value.errors} == {
        (2, "shoe"),
        (2, "email"),
        (2, "unit"),
    }
