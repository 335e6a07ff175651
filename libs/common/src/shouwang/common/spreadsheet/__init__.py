"""One reader for the spreadsheets clerks upload: CSV (UTF-8 or GBK/GB18030) and XLSX; one
streaming XLSX writer for the exports (`writer`).

`open_sheet` sniffs the format and settles the encoding; `sheet_rows` streams every row as
text, blank rows included and counted against the row cap. Import the submodules directly.
"""
