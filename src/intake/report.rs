//! What intake says about a file: row-level problems that keep the row, and
//! whole-file failures that store nothing.

use std::fmt;

use serde::Serialize;

/// A row-level finding. The row is kept; the editor sees the problem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The sheet's name, for workbooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The row number a spreadsheet program shows (CSV: 1-based record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// The column's header as written in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The cell's value as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// What was expected and what docket did about it.
    pub message: String,
}

impl Problem {
    pub fn at(sheet: Option<&str>, row: u32) -> ProblemBuilder {
        ProblemBuilder(Problem {
            sheet: sheet.map(str::to_owned),
            row: Some(row),
            column: None,
            value: None,
            message: String::new(),
        })
    }

    pub fn file(message: impl Into<String>) -> Self {
        Problem {
            sheet: None,
            row: None,
            column: None,
            value: None,
            message: message.into(),
        }
    }
}

/// Names the cell of a problem, then says what is wrong with it.
pub struct ProblemBuilder(Problem);

impl ProblemBuilder {
    pub fn cell(mut self, column: &str, value: &str) -> Self {
        self.0.column = Some(column.to_owned());
        self.0.value = Some(value.to_owned());
        self
    }

    pub fn says(mut self, message: impl Into<String>) -> Problem {
        self.0.message = message.into();
        self.0
    }
}

/// `Sheet1 row 14, "Type": "X" is not one of E, G, T; kept as other`.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut place = Vec::new();
        if let Some(sheet) = &self.sheet {
            place.push(sheet.clone());
        }
        if let Some(row) = self.row {
            place.push(format!("row {row}"));
        }
        let mut wrote = false;
        if !place.is_empty() {
            f.write_str(&place.join(" "))?;
            wrote = true;
        }
        if let Some(column) = &self.column {
            write!(
                f,
                "{}\"{}\"",
                if wrote { ", " } else { "" },
                one_line(column)
            )?;
            wrote = true;
        }
        if wrote {
            f.write_str(": ")?;
        }
        if let Some(value) = &self.value {
            write!(f, "\"{}\" ", one_line(value))?;
        }
        f.write_str(&self.message)
    }
}

/// Header and cell text on one line, cut to a readable length.
fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 60 {
        let cut: String = flat.chars().take(57).collect();
        format!("{cut}...")
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_a_sentence() {
        let p = Problem::at(Some("Sheet1"), 14)
            .cell("Type", "X")
            .says("is not one of E, G, T; kept as other");
        assert_eq!(
            p.to_string(),
            r#"Sheet1 row 14, "Type": "X" is not one of E, G, T; kept as other"#
        );
        let csv = Problem::at(None, 3).says("has no comment text; kept");
        assert_eq!(csv.to_string(), "row 3: has no comment text; kept");
        let header = Problem::at(None, 2)
            .cell("Comment\n(Include rationale for comment)", "")
            .says("is empty");
        assert_eq!(
            header.to_string(),
            r#"row 2, "Comment (Include rationale for comment)": "" is empty"#
        );
    }
}
