//! Every reader's output: the non-blank rows of each sheet as text, with the
//! row numbers a spreadsheet program shows.

/// One non-blank row. Cells are the text the spreadsheet shows; trailing
/// blank cells are dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// 1-based, as shown by a spreadsheet program (CSV: the record number).
    pub number: u32,
    pub cells: Vec<String>,
}

impl Row {
    pub fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", String::as_str)
    }

    pub fn is_blank(cells: &[String]) -> bool {
        cells.iter().all(|c| c.trim().is_empty())
    }
}

/// A sheet of a workbook, or the one table of a CSV file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sheet {
    /// `None` for CSV.
    pub name: Option<String>,
    pub rows: Vec<Row>,
    /// The first value right of the column limit, (row, 1-based column).
    /// Such cells are not kept; the file is refused only when this sheet
    /// turns out to hold comments (a stray note on an instructions sheet
    /// does not matter).
    pub overflow: Option<(u32, usize)>,
    /// A hidden worksheet: not read, named in the report.
    pub hidden: bool,
}

impl Sheet {
    pub fn hidden(name: String) -> Self {
        Sheet {
            name: Some(name),
            hidden: true,
            ..Sheet::default()
        }
    }
}

/// Drops trailing blank cells so row widths reflect content.
pub fn trim_row(mut cells: Vec<String>) -> Vec<String> {
    while cells.last().is_some_and(|c| c.trim().is_empty()) {
        cells.pop();
    }
    cells
}

/// `A`, `B`, … `Z`, `AA`: how spreadsheets name column `index` (0-based).
pub fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_letters_like_excel() {
        assert_eq!(super::column_letters(0), "A");
        assert_eq!(super::column_letters(25), "Z");
        assert_eq!(super::column_letters(26), "AA");
        assert_eq!(super::column_letters(63), "BL");
    }
}
