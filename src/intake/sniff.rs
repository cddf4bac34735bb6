//! What kind of file this is, from its bytes (the name only words the
//! refusal), and the zip-bomb check for XLSX/ODS before calamine opens them.

use std::io::Cursor;

use super::IntakeError;
use super::limits::Limits;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Xlsx,
    Xls,
    Ods,
    Csv,
    /// Comments typed into the web form.
    Form,
}

impl FileFormat {
    pub fn label(self) -> &'static str {
        match self {
            FileFormat::Xlsx => "Excel workbook (XLSX)",
            FileFormat::Xls => "Excel 97-2003 workbook (XLS)",
            FileFormat::Ods => "OpenDocument spreadsheet (ODS)",
            FileFormat::Csv => "CSV text",
            FileFormat::Form => "web form",
        }
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// Archive entries below this size may compress as well as they like.
const RATIO_FLOOR: u64 = 1024 * 1024;
const MAX_ENTRIES: usize = 10_000;

/// Names the format, or refuses the file saying what it is instead.
pub fn sniff(name: &str, bytes: &[u8], limits: &Limits) -> Result<FileFormat, IntakeError> {
    if bytes.is_empty() {
        return Err(IntakeError::Empty);
    }
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(IntakeError::TooLarge {
            size: bytes.len() as u64,
            limit: limits.max_file_bytes,
        });
    }
    if bytes.starts_with(ZIP_MAGIC) {
        return sniff_zip(bytes, limits);
    }
    if bytes.starts_with(CFB_MAGIC) {
        return sniff_cfb(bytes);
    }
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    if let Some(ext @ ("xlsx" | "xlsm" | "xls" | "ods" | "xlsb")) = extension.as_deref() {
        return Err(IntakeError::NotASpreadsheet(format!(
            "it is named .{ext} but its content is not a spreadsheet (is it damaged, or another kind of file renamed?)"
        )));
    }
    Ok(FileFormat::Csv)
}

fn sniff_zip(bytes: &[u8], limits: &Limits) -> Result<FileFormat, IntakeError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| IntakeError::Unreadable {
            format: "workbook (XLSX or ODS)",
            reason: format!(
                "the archive is damaged or incomplete ({e}); was the upload cut short?"
            ),
        })?;
    if archive.len() > MAX_ENTRIES {
        return Err(IntakeError::ZipBomb(format!(
            "it holds {} archive entries",
            archive.len()
        )));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| IntakeError::Unreadable {
                format: "workbook (XLSX or ODS)",
                reason: format!("archive entry {i} cannot be read ({e})"),
            })?;
        let size = entry.size();
        let compressed = entry.compressed_size().max(1);
        total = total.saturating_add(size);
        if size > RATIO_FLOOR && size / compressed > limits.max_compression_ratio {
            return Err(IntakeError::ZipBomb(format!(
                "entry `{}` unpacks from {} to {} bytes (ratio {}:1; the limit is {}:1)",
                entry.name().unwrap_or_default(),
                entry.compressed_size(),
                size,
                size / compressed,
                limits.max_compression_ratio
            )));
        }
        if total > limits.max_uncompressed_bytes {
            return Err(IntakeError::ZipBomb(format!(
                "it unpacks to more than {} bytes",
                limits.max_uncompressed_bytes
            )));
        }
    }
    let has = |name: &str| archive.index_for_name(name).is_some();
    if has("xl/workbook.xml") {
        Ok(FileFormat::Xlsx)
    } else if has("content.xml") && has("mimetype") {
        Ok(FileFormat::Ods)
    } else if has("xl/workbook.bin") {
        Err(IntakeError::NotASpreadsheet(
            "it is an Excel binary workbook (XLSB); save it as XLSX or CSV".to_owned(),
        ))
    } else if has("word/document.xml") {
        Err(IntakeError::NotASpreadsheet(
            "it is a Word document; put the comments in the comment template (XLSX or CSV)"
                .to_owned(),
        ))
    } else {
        Err(IntakeError::NotASpreadsheet(
            "it is a ZIP archive, not a spreadsheet".to_owned(),
        ))
    }
}

/// Compound files are Excel 97-2003 workbooks, or Office files encrypted
/// with a password (their package sits in an `EncryptedPackage` stream).
fn sniff_cfb(bytes: &[u8]) -> Result<FileFormat, IntakeError> {
    let marker: Vec<u8> = "EncryptedPackage"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    if bytes.windows(marker.len()).any(|w| w == marker.as_slice()) {
        return Err(IntakeError::Encrypted);
    }
    let word: Vec<u8> = "WordDocument"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    if bytes.windows(word.len()).any(|w| w == word.as_slice()) {
        return Err(IntakeError::NotASpreadsheet(
            "it is a Word 97-2003 document; put the comments in the comment template (XLSX or CSV)"
                .to_owned(),
        ));
    }
    Ok(FileFormat::Xls)
}
