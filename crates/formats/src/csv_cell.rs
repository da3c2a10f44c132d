//! Spreadsheet formula injection: a CSV cell that starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return is run as a formula by spreadsheet programs. Every CSV export in Steward
//! passes each cell through [`csv_safe`]; every CSV import passes each cell through
//! [`csv_restore`], so that an export imports back unchanged.
//!
//! The rule, both ways: a cell that matches `'*` followed by one of those characters (any
//! number of leading apostrophes, then the dangerous character) gets one more apostrophe in
//! front on export, and loses one on import. Plain numbers (`-12`, `+3.5`, `-1e3`) are left
//! alone: spreadsheets read them as numbers, not formulas.

use std::borrow::Cow;

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as it is safe to write into a CSV file that a spreadsheet may open: an
/// apostrophe is put in front of a cell that a spreadsheet would run as a formula (see the
/// module documentation for the exact rule). Use it on every exported cell whose value came
/// from outside: agents, imports, users.
pub fn csv_safe(cell: &str) -> Cow<'_, str> {
    if needs_quote(cell) && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Undoes [`csv_safe`] on an imported cell: one leading apostrophe is removed from a cell
/// that, without it, still matches the neutralised form.
pub fn csv_restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_quote(rest) => rest,
        _ => cell,
    }
}

/// A CSV document (RFC 4180 quoting, `\n` line ends): the header, then each row, every cell
/// passed through [`csv_safe`]. The one writer of Steward's CSV exports.
pub fn csv_table<R, C>(header: &[&str], rows: R) -> Vec<u8>
where
    R: IntoIterator<Item = Vec<C>>,
    C: AsRef<str>,
{
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = writer.write_record(header.iter().map(|h| csv_safe(h).into_owned()));
    for row in rows {
        let _ = writer.write_record(row.iter().map(|cell| csv_safe(cell.as_ref()).into_owned()));
    }
    writer.into_inner().unwrap_or_default()
}

/// Whether the cell is apostrophes followed by a formula-starting character.
fn needs_quote(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// A decimal number a spreadsheet reads as a number: optional sign, digits with an optional
/// fraction, an optional exponent. `inf` and `nan` are not numbers here.
fn is_plain_number(cell: &str) -> bool {
    let body = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (mantissa, exponent) = match body.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (body, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = !(whole.is_empty() && fraction.is_empty())
        && digits(whole)
        && digits(fraction)
        && (whole.len() + fraction.len()) > 0;
    let exponent_ok = match exponent {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && digits(e)
        }
    };
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised() {
        assert_eq!(csv_safe("=1+2"), "'=1+2");
        assert_eq!(csv_safe("+cmd"), "'+cmd");
        assert_eq!(csv_safe("-x"), "'-x");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("\tx"), "'\tx");
        assert_eq!(csv_safe("\rx"), "'\rx");
        assert_eq!(csv_safe("'=x"), "''=x");
    }

    #[test]
    fn plain_numbers_and_ordinary_text_stay() {
        for cell in [
            "-12",
            "+3.5",
            "-1e3",
            "-.5",
            "0",
            "switch-01",
            "a=b",
            "",
            "'quoted",
        ] {
            assert_eq!(csv_safe(cell), cell);
        }
        assert_eq!(csv_safe("-inf"), "'-inf");
        assert_eq!(csv_safe("-"), "'-");
        assert_eq!(csv_safe("-1e"), "'-1e");
    }

    #[test]
    fn a_table_quotes_what_csv_needs_and_neutralises_every_cell() {
        let rows = vec![
            vec!["web, \"one\"", "=HYPERLINK(\"x\")", "-3"],
            vec!["two\nlines", "@x", "+1-1"],
        ];
        let text = String::from_utf8(csv_table(&["name", "note", "n"], rows)).unwrap();
        assert_eq!(
            text,
            "name,note,n\n\
             \"web, \"\"one\"\"\",\"'=HYPERLINK(\"\"x\"\")\",-3\n\
             \"two\nlines\",'@x,'+1-1\n"
        );
    }

    #[test]
    fn restore_undoes_safe_for_every_shape() {
        let cells = [
            "=1+2", "'=1+2", "''=1+2", "-12", "-x", "'-12", "'quoted", "plain", "", "'", "@", "\t",
            "'\r",
        ];
        for cell in cells {
            assert_eq!(csv_restore(&csv_safe(cell)), cell, "{cell:?}");
        }
    }
}
