//! Outline files: TOML (`[[section]]` tables) and CSV with the header
//! `number,title,kind,volume,page_start,page_end,line_start,line_end`
//! (any order; `parent` optional; only `number` and `title` required).

use std::path::Path;

use serde::Deserialize;

use super::{OutlineEntry, OutlineError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutlineFormat {
    Toml,
    Csv,
}

impl OutlineFormat {
    /// From the file extension (`.toml`, `.csv`).
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "toml" => Some(Self::Toml),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }
}

/// Reads the rows of an outline file without judging them.
pub fn read(text: &str, format: OutlineFormat) -> Result<Vec<OutlineEntry>, OutlineError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match format {
        OutlineFormat::Toml => read_toml(text),
        OutlineFormat::Csv => read_csv(text),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlFile {
    #[serde(default)]
    section: Vec<TomlSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TomlSection {
    #[serde(default)]
    number: Option<NumberOrText>,
    title: String,
    kind: Option<String>,
    #[serde(default)]
    volume: String,
    page_start: Option<NumberOrText>,
    page_end: Option<NumberOrText>,
    line_start: Option<NumberOrText>,
    line_end: Option<NumberOrText>,
    parent: Option<NumberOrText>,
}

/// `page_start = 12` and `page_start = "xii"` are both natural to write.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Int(i64),
    Float(f64),
    Text(String),
}

impl NumberOrText {
    fn into_text(self) -> String {
        match self {
            Self::Int(n) => n.to_string(),
            Self::Float(f) => f.to_string(),
            Self::Text(s) => s,
        }
    }

    /// Section numbers must be integers or text: TOML reads `5.10` as the
    /// float 5.1, which would silently become another section.
    fn into_number(self, origin: &str, field: &str) -> Result<String, OutlineError> {
        match self {
            Self::Float(f) => Err(OutlineError::Unreadable(format!(
                "{origin}: {field} = {f} is read as a decimal number; quote it, e.g. {field} = \"{f}\""
            ))),
            other => Ok(other.into_text()),
        }
    }
}

fn read_toml(text: &str) -> Result<Vec<OutlineEntry>, OutlineError> {
    let file: TomlFile =
        toml::from_str(text).map_err(|e| OutlineError::Unreadable(e.to_string()))?;
    let opt = |v: Option<NumberOrText>| v.map(NumberOrText::into_text);
    let mut entries = Vec::with_capacity(file.section.len());
    for (i, s) in file.section.into_iter().enumerate() {
        let origin = format!("[[section]] #{}", i + 1);
        let number = s
            .number
            .map(|n| n.into_number(&origin, "number"))
            .transpose()?;
        let parent = s
            .parent
            .map(|n| n.into_number(&origin, "parent"))
            .transpose()?;
        entries.push(OutlineEntry {
            number: number.unwrap_or_default(),
            title: s.title,
            kind: s.kind,
            volume: s.volume,
            page_start: opt(s.page_start),
            page_end: opt(s.page_end),
            line_start: opt(s.line_start),
            line_end: opt(s.line_end),
            parent,
            origin,
        });
    }
    Ok(entries)
}

pub(super) const CSV_COLUMNS: [&str; 9] = [
    "number",
    "title",
    "kind",
    "volume",
    "page_start",
    "page_end",
    "line_start",
    "line_end",
    "parent",
];

/// Reads CSV rows. A cell is taken through `export::cells::from_csv_cell`
/// (an outline docket wrote reads back exactly) before it is trimmed: the
/// CSV rule may have put a `'` after the spaces or line breaks a trim
/// takes off.
fn read_csv(text: &str) -> Result<Vec<OutlineEntry>, OutlineError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::Headers)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| OutlineError::Unreadable(e.to_string()))?
        .clone();
    let mut index = [None; CSV_COLUMNS.len()];
    for (i, header) in headers.iter().enumerate() {
        let name = header.to_ascii_lowercase();
        let Some(slot) = CSV_COLUMNS.iter().position(|c| *c == name) else {
            return Err(OutlineError::Unreadable(format!(
                "unknown column `{header}` in the header; expected {}",
                CSV_COLUMNS.join(",")
            )));
        };
        if index[slot].replace(i).is_some() {
            return Err(OutlineError::Unreadable(format!(
                "column `{header}` appears twice"
            )));
        }
    }
    for required in ["number", "title"] {
        if !headers.iter().any(|h| h.eq_ignore_ascii_case(required)) {
            return Err(OutlineError::Unreadable(format!(
                "the header has no `{required}` column; expected {}",
                CSV_COLUMNS.join(",")
            )));
        }
    }
    let mut entries = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| OutlineError::Unreadable(e.to_string()))?;
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let row = record.position().map_or(0, |p| p.line());
        let cell = |slot: usize| -> Option<String> {
            index[slot]
                .and_then(|i| record.get(i))
                .map(|v| crate::export::cells::from_csv_cell(v).trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        entries.push(OutlineEntry {
            origin: format!("row {row}"),
            number: cell(0).unwrap_or_default(),
            title: cell(1).unwrap_or_default(),
            kind: cell(2),
            volume: cell(3).unwrap_or_default(),
            page_start: cell(4),
            page_end: cell(5),
            line_start: cell(6),
            line_end: cell(7),
            parent: cell(8),
        });
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_columns_in_any_order_with_empty_cells() {
        let text = "\u{feff}title,number,kind,volume,page_start,page_end,line_start,line_end\n\
                    Introduction,1,section,,1,3,100,180\n\
                    Scope,2,,,,,,\n";
        let rows = read(text, OutlineFormat::Csv).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].number, "1");
        assert_eq!(rows[0].line_end.as_deref(), Some("180"));
        assert_eq!(rows[1].origin, "row 3");
        assert_eq!(rows[1].kind, None);
        assert_eq!(rows[1].page_start, None);
    }

    #[test]
    fn csv_header_problems_are_named() {
        let err = read("number,titel\n1,x\n", OutlineFormat::Csv)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown column `titel`"), "{err}");
        let err = read("number\n1\n", OutlineFormat::Csv)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no `title` column"), "{err}");
    }

    #[test]
    fn toml_accepts_numbers_and_text() {
        let text = "[[section]]\nnumber = \"5.1\"\ntitle = \"Vehicles\"\npage_start = \"iii\"\nline_start = 10\n";
        let rows = read(text, OutlineFormat::Toml).unwrap();
        assert_eq!(rows[0].number, "5.1");
        assert_eq!(rows[0].page_start.as_deref(), Some("iii"));
        assert_eq!(rows[0].line_start.as_deref(), Some("10"));
        let err = read(
            "[[section]]\ntitle = \"x\"\npages = 3\n",
            OutlineFormat::Toml,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("pages"), "{err}");
    }
}
