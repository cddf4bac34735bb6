//! Finding the answers in a disposition table sent back: the header row
//! (any preset, a hand-made table too), the tracking column, and the
//! columns holding the disposition and the response.

use crate::domain::Disposition;
use crate::domain::disposition_word::{self, KNOWN};
use crate::export::cells;
use crate::intake::header::compact;
use crate::intake::{Sheet, SheetRow};

/// Rows searched for the header (title rows come first in XLSX exports).
const SEARCH_ROWS: u32 = 30;

/// What a row of the file says about one comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Where it is, for messages (`row 12`, `sheet "All comments" row 12`).
    pub row: u32,
    pub tracking: String,
    /// `None`: the cell was blank (a blank cell leaves docket's value).
    pub disposition: Option<Disposition>,
    pub response: Option<String>,
    /// The comment's version when exported, if the table has the column.
    pub version: Option<i32>,
    /// ISO's one answer column as written: a response that itself begins
    /// with a disposition word (`Deferred until May.`) and has no
    /// disposition is exported as just that, and reads back the same only
    /// when taken whole.
    pub as_written: Option<String>,
}

/// A cell the file cannot mean: which row, which column, what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellProblem {
    pub row: u32,
    pub column: String,
    pub message: String,
}

/// Where the answers are in a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub sheet: Option<String>,
    pub header_row: u32,
    tracking: usize,
    version: Option<usize>,
    answer: AnswerColumns,
    /// The header of each column used, for messages.
    headers: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AnswerColumns {
    /// NIST and IEEE: one column each (either may be missing).
    Apart {
        disposition: Option<usize>,
        response: Option<usize>,
    },
    /// ISO: `Accepted in principle. <response>` in one column.
    Together(usize),
}

/// Header words (compact keys, see `intake::header::compact`).
const TRACKING: &[&str] = &[
    "tracking#",
    "tracking",
    "trackingnumber",
    "trackingid",
    "cid",
];
const DISPOSITION: &[&str] = &[
    "disposition",
    "commentdisposition",
    "resnstatus",
    "resolutionstatus",
    "decision",
];
const RESPONSE: &[&str] = &["response", "resolution", "nistresponse", "motivation"];
const TOGETHER: &[&str] = &[
    "observationsofthesecretariat",
    "secretariatobservationsoneachcommentsubmitted",
    "secretariatobservations",
];
const VERSION: &[&str] = &["version"];

/// Every sheet with a tracking and an answer column in its first rows (a
/// workbook exported with a sheet per section has several), in order:
/// the sheet, the header's position among its rows, and the layout.
pub fn tables(sheets: &[Sheet]) -> impl Iterator<Item = (usize, usize, Layout)> + '_ {
    sheets
        .iter()
        .enumerate()
        .filter(|(_, sheet)| !sheet.hidden)
        .filter_map(|(s, sheet)| {
            sheet
                .rows
                .iter()
                .take_while(|row| row.number <= SEARCH_ROWS)
                .enumerate()
                .find_map(|(r, row)| layout_of(sheet, row).map(|layout| (s, r, layout)))
        })
}

fn layout_of(sheet: &Sheet, row: &SheetRow) -> Option<Layout> {
    let keys: Vec<String> = row.dense().into_iter().map(compact).collect();
    let find = |words: &[&str]| keys.iter().position(|k| words.contains(&k.as_str()));
    let tracking = find(TRACKING)?;
    let answer = match find(TOGETHER) {
        Some(column) => AnswerColumns::Together(column),
        None => {
            let disposition = find(DISPOSITION);
            let response = find(RESPONSE);
            if disposition.is_none() && response.is_none() {
                return None;
            }
            AnswerColumns::Apart {
                disposition,
                response,
            }
        }
    };
    Some(Layout {
        sheet: sheet.name.clone(),
        header_row: row.number,
        tracking,
        version: find(VERSION),
        answer,
        headers: row
            .dense()
            .into_iter()
            .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect(),
    })
}

impl Layout {
    fn header(&self, column: usize) -> String {
        self.headers.get(column).cloned().unwrap_or_default()
    }

    /// The headers the answers are read from, for the preview.
    pub fn answer_headers(&self) -> Vec<String> {
        match self.answer {
            AnswerColumns::Together(c) => vec![self.header(c)],
            AnswerColumns::Apart {
                disposition,
                response,
            } => [disposition, response]
                .into_iter()
                .flatten()
                .map(|c| self.header(c))
                .collect(),
        }
    }

    pub fn has_versions(&self) -> bool {
        self.version.is_some()
    }

    /// One row below the header: its answer, a problem, or `None` for a
    /// row without a tracking number (notes, totals, blank lines).
    pub fn read(&self, row: &SheetRow) -> Option<Result<Answer, CellProblem>> {
        // Every format through the CSV rule's inverse: a workbook sent
        // back may be a CSV docket wrote, opened and saved as a workbook,
        // its inserted quotes now text (`export::cells`). Trimmed after, as
        // the rule may have put a `'` after the spaces a trim takes off.
        let cells: Vec<String> = row
            .dense()
            .into_iter()
            .map(|c| cells::from_csv_cell(c).trim().to_owned())
            .collect();
        let cell = |c: usize| cells.get(c).map_or("", String::as_str);
        let tracking = cell(self.tracking);
        if tracking.is_empty() {
            return None;
        }
        let problem = |column: usize, message: String| CellProblem {
            row: row.number,
            column: self.header(column),
            message,
        };
        let version = match self.version.map(|c| (c, cell(c))) {
            None | Some((_, "")) => None,
            Some((c, text)) => match text.trim_end_matches(".0").parse::<i32>() {
                Ok(v) => Some(v),
                Err(_) => {
                    return Some(Err(problem(
                        c,
                        format!("“{text}” is not a version number; leave this column as exported"),
                    )));
                }
            },
        };
        let mut as_written = None;
        let (disposition, response) = match self.answer {
            AnswerColumns::Together(c) => {
                as_written = Some(cell(c).to_owned()).filter(|w| !w.is_empty());
                let (d, rest) = disposition_word::split_answer(cell(c));
                (d, Some(rest.to_owned()).filter(|r| !r.is_empty()))
            }
            AnswerColumns::Apart {
                disposition,
                response,
            } => {
                let d = match disposition.map(|c| (c, cell(c))) {
                    None | Some((_, "")) => None,
                    Some((c, word)) => match disposition_word::parse(word) {
                        Some(d) => Some(d),
                        None => {
                            return Some(Err(problem(
                                c,
                                format!("“{word}” is not a disposition docket knows ({KNOWN})"),
                            )));
                        }
                    },
                };
                let r = response
                    .map(|c| cell(c).to_owned())
                    .filter(|r| !r.is_empty());
                (d, r)
            }
        };
        Some(Ok(Answer {
            row: row.number,
            tracking: tracking.to_owned(),
            disposition,
            response,
            version,
            as_written,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Disposition::*;

    fn row(number: u32, cells: &[&str]) -> SheetRow {
        SheetRow::new(number, cells)
    }

    fn sheet(name: &str, rows: Vec<SheetRow>) -> Sheet {
        Sheet {
            name: Some(name.to_owned()),
            rows,
            ..Sheet::default()
        }
    }

    #[test]
    fn nist_layout_below_title_rows() {
        let sheets = vec![sheet(
            "All comments",
            vec![
                row(1, &["Draft report"]),
                row(2, &["Disposition of comments: All comments"]),
                row(
                    4,
                    &[
                        "Tracking #",
                        "Comment",
                        "Disposition",
                        "Response",
                        "Version (do not edit)",
                    ],
                ),
                row(
                    5,
                    &["DOC-0001-1", "text", "partially-accepted", "Done.", "3"],
                ),
                row(6, &["", "a note under the table"]),
                row(7, &["DOC-0001-2", "text", "", "", "1"]),
            ],
        )];
        let (s, header, layout) = tables(&sheets).next().expect("found");
        assert_eq!((s, header, layout.header_row), (0, 2, 4));
        assert!(layout.has_versions());
        assert_eq!(layout.answer_headers(), ["Disposition", "Response"]);
        let rows = &sheets[0].rows;
        assert_eq!(
            layout.read(&rows[3]),
            Some(Ok(Answer {
                row: 5,
                tracking: "DOC-0001-1".into(),
                disposition: Some(AcceptedWithModification),
                response: Some("Done.".into()),
                version: Some(3),
                as_written: None,
            }))
        );
        assert_eq!(
            layout.read(&rows[4]),
            None,
            "no tracking number: not a comment row"
        );
        let blank = layout.read(&rows[5]).expect("a row").expect("readable");
        assert_eq!((blank.disposition, blank.response), (None, None));
    }

    #[test]
    fn iso_and_ieee_layouts() {
        let iso = vec![sheet(
            "Sheet1",
            vec![
                row(
                    1,
                    &[
                        "Tracking #",
                        "MB/NC",
                        "Comments",
                        "Observations of the secretariat",
                    ],
                ),
                row(2, &["T-1", "AFNOR", "x", "Not accepted. Out of scope."]),
                row(3, &["T-2", "AFNOR", "x", "'=See 4.2"]),
            ],
        )];
        let (_, _, layout) = tables(&iso).next().expect("found");
        assert!(!layout.has_versions());
        let first = layout.read(&iso[0].rows[1]).expect("row").expect("ok");
        assert_eq!(first.disposition, Some(Declined));
        assert_eq!(first.response.as_deref(), Some("Out of scope."));
        // The quote an export puts before a formula-like cell is taken off.
        let second = layout.read(&iso[0].rows[2]).expect("row").expect("ok");
        assert_eq!(
            (second.disposition, second.response.as_deref()),
            (None, Some("=See 4.2"))
        );

        let ieee = vec![sheet(
            "Comments",
            vec![
                row(
                    3,
                    &["CID", "Clause", "Comment", "Resn Status", "Resolution"],
                ),
                row(4, &["T-9", "5", "x", "V", "Revised as proposed."]),
            ],
        )];
        let (_, _, layout) = tables(&ieee).next().expect("found");
        let answer = layout.read(&ieee[0].rows[1]).expect("row").expect("ok");
        assert_eq!(answer.disposition, Some(AcceptedWithModification));
    }

    #[test]
    fn bad_cells_name_row_and_column() {
        let sheets = vec![sheet(
            "All comments",
            vec![
                row(
                    4,
                    &[
                        "Tracking #",
                        "Disposition",
                        "Response",
                        "Version (do not edit)",
                    ],
                ),
                row(5, &["T-1", "Maybe", "", "1"]),
                row(6, &["T-2", "Noted", "", "two"]),
            ],
        )];
        let (_, _, layout) = tables(&sheets).next().expect("found");
        let bad_word = layout
            .read(&sheets[0].rows[1])
            .expect("row")
            .expect_err("refused");
        assert_eq!((bad_word.row, bad_word.column.as_str()), (5, "Disposition"));
        assert!(bad_word.message.contains("“Maybe”"), "{}", bad_word.message);
        let bad_version = layout
            .read(&sheets[0].rows[2])
            .expect("row")
            .expect_err("refused");
        assert_eq!(bad_version.column, "Version (do not edit)");
    }

    #[test]
    fn a_comment_sheet_without_answers_is_not_a_table() {
        let sheets = vec![sheet(
            "Comments",
            vec![row(
                1,
                &["Comment #", "Section", "Comment", "Suggested Change"],
            )],
        )];
        assert!(tables(&sheets).next().is_none());
    }
}
