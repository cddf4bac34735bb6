//! Every reader's output: the non-blank rows of each sheet as text, with the
//! row numbers a spreadsheet program shows.
//!
//! A row keeps only its non-blank cells, packed: their text in one string
//! and, per cell, its column and where its text ends. A row costs its text
//! plus 16 bytes a cell, whatever columns the cells sit in, so a sheet of
//! rows holding one value far to the right (column BL) costs what its values
//! do, not 64 cells a row; [`SheetRow::footprint`] is what a reader charges to
//! the file's memory budget (`budget`).

/// One non-blank row. Cells are the text the spreadsheet shows; blank cells
/// (empty or only white space) are not kept.
#[derive(Clone, PartialEq, Eq)]
pub struct SheetRow {
    /// 1-based, as shown by a spreadsheet program (CSV: the record number).
    pub number: u32,
    /// The non-blank cells' text, one after the other.
    text: String,
    /// (0-based column, end of its text in `text`), columns ascending.
    cells: Vec<(usize, usize)>,
}

impl SheetRow {
    /// A row of the non-blank cells among `cells`, at their positions.
    pub fn new<S: AsRef<str>>(number: u32, cells: impl IntoIterator<Item = S>) -> Self {
        let mut builder = RowText::default();
        for (column, cell) in cells.into_iter().enumerate() {
            builder.push(column, cell.as_ref());
        }
        builder.finish(number)
    }

    /// The text of cell `index` (0-based), `""` when blank.
    pub fn cell(&self, index: usize) -> &str {
        match self
            .cells
            .binary_search_by_key(&index, |(column, _)| *column)
        {
            Ok(at) => self.text_of(at),
            Err(_) => "",
        }
    }

    fn text_of(&self, at: usize) -> &str {
        let start = at.checked_sub(1).map_or(0, |before| self.cells[before].1);
        &self.text[start..self.cells[at].1]
    }

    /// The non-blank cells, left to right, with their 0-based columns.
    pub fn cells(&self) -> impl Iterator<Item = (usize, &str)> {
        (0..self.cells.len()).map(|at| (self.cells[at].0, self.text_of(at)))
    }

    /// One past the rightmost non-blank cell's column (0 for no cells).
    pub fn width(&self) -> usize {
        self.cells.last().map_or(0, |(column, _)| column + 1)
    }

    /// Every cell from the first column to the last non-blank one, blanks
    /// as `""`: for readers that look at a row as a spreadsheet shows it.
    pub fn dense(&self) -> Vec<&str> {
        let mut out = vec![""; self.width()];
        for (column, text) in self.cells() {
            out[column] = text;
        }
        out
    }

    /// The bytes this row holds on the heap and in place.
    pub fn footprint(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.text.capacity()
            + self.cells.capacity() * std::mem::size_of::<(usize, usize)>()
    }
}

impl std::fmt::Debug for SheetRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SheetRow")
            .field("number", &self.number)
            .field("cells", &self.cells().collect::<Vec<_>>())
            .finish()
    }
}

/// Builds rows cell by cell, reusing its buffers, so each finished row is
/// allocated once at its exact size.
#[derive(Default)]
pub struct RowText {
    text: String,
    cells: Vec<(usize, usize)>,
}

impl RowText {
    /// Adds a cell and returns the bytes it added; blank ones are skipped.
    /// NUL characters are left out: they show nothing in any spreadsheet,
    /// and PostgreSQL cannot store them in text (a CSV may carry one past
    /// the text check, an XLSX as `_x0000_`). Columns may come in any order
    /// (an XLSX cell's position is what the file says); [`Self::finish`]
    /// puts them in order.
    pub fn push(&mut self, column: usize, cell: &str) -> usize {
        if cell
            .trim_matches(|c: char| c.is_whitespace() || c == '\0')
            .is_empty()
        {
            return 0;
        }
        let before = self.text.len();
        if cell.contains('\0') {
            self.text.extend(cell.chars().filter(|c| *c != '\0'));
        } else {
            self.text.push_str(cell);
        }
        self.cells.push((column, self.text.len()));
        self.text.len() - before + std::mem::size_of::<(usize, usize)>()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The row so far, and an empty builder for the next one.
    pub fn finish(&mut self, number: u32) -> SheetRow {
        if !self.cells.windows(2).all(|w| w[0].0 < w[1].0) {
            self.reorder();
        }
        let row = SheetRow {
            number,
            text: self.text.as_str().to_owned(),
            cells: self.cells.as_slice().to_vec(),
        };
        self.text.clear();
        self.cells.clear();
        row
    }

    /// Columns in ascending order; of a column given twice, the last value
    /// (as a spreadsheet program reading the file would keep).
    fn reorder(&mut self) {
        let mut start = 0;
        let mut spans: Vec<(usize, usize, usize, usize)> = self
            .cells
            .iter()
            .enumerate()
            .map(|(i, &(column, end))| {
                let span = (column, i, start, end);
                start = end;
                span
            })
            .collect();
        // By column, and within a column the later value first.
        spans.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        spans.dedup_by_key(|s| s.0);
        let text = std::mem::take(&mut self.text);
        self.cells.clear();
        for (column, _, start, end) in spans {
            self.text.push_str(&text[start..end]);
            self.cells.push((column, self.text.len()));
        }
    }
}

/// A sheet of a workbook, or the one table of a CSV file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sheet {
    /// `None` for CSV.
    pub name: Option<String>,
    pub rows: Vec<SheetRow>,
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
    use super::SheetRow;

    #[test]
    fn rows_keep_non_blank_cells_at_their_columns() {
        let row = SheetRow::new(7, ["", "a", "  ", "bc", ""]);
        assert_eq!(row.number, 7);
        assert_eq!(row.cells().collect::<Vec<_>>(), [(1, "a"), (3, "bc")]);
        assert_eq!(
            (row.cell(0), row.cell(1), row.cell(3), row.cell(9)),
            ("", "a", "bc", "")
        );
        assert_eq!(row.width(), 4);
        assert_eq!(row.dense(), ["", "a", "", "bc"]);
        assert_eq!(SheetRow::new(1, [" "]).width(), 0);
        assert_eq!(SheetRow::new(1, ["a\0b", "\0"]).dense(), ["ab"]);
    }

    #[test]
    fn cells_given_out_of_order_are_put_in_order_the_last_value_kept() {
        let mut text = super::RowText::default();
        text.push(2, "c");
        text.push(0, "a");
        text.push(2, "C");
        text.push(1, "b");
        let row = text.finish(1);
        assert_eq!(row.dense(), ["a", "b", "C"]);
        assert_eq!(row.cell(2), "C");
    }

    #[test]
    fn a_value_far_right_costs_its_text_not_the_cells_before_it() {
        let mut cells = vec![String::new(); 64];
        cells[63] = "1".to_owned();
        let far = SheetRow::new(1, &cells);
        let near = SheetRow::new(1, ["1"]);
        assert_eq!(far.footprint(), near.footprint());
        assert!(far.footprint() < 64 * std::mem::size_of::<String>());
    }

    #[test]
    fn column_letters_like_excel() {
        assert_eq!(super::column_letters(0), "A");
        assert_eq!(super::column_letters(25), "Z");
        assert_eq!(super::column_letters(26), "AA");
        assert_eq!(super::column_letters(63), "BL");
    }
}
