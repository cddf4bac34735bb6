//! What kind of file this is, from its bytes (the name only words the
//! refusal), and the zip-bomb check for XLSX/ODS before calamine opens them.

use std::io::{Cursor, Read};

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
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        IntakeError::damaged(
            "workbook (XLSX or ODS)",
            "the file is damaged or incomplete; was the upload cut short?",
            e,
        )
    })?;
    if archive.len() > MAX_ENTRIES {
        return Err(IntakeError::ZipBomb(format!(
            "it holds {} archive entries",
            archive.len()
        )));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| {
            IntakeError::damaged(
                "workbook (XLSX or ODS)",
                format!("part {} of the file is damaged", i + 1),
                e,
            )
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
    verify_sizes(&mut archive)?;
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

/// Unpacks every entry once, stopping as soon as one yields more than it
/// declares: the declared sizes checked above may lie, and calamine's zip
/// reader would believe the data rather than the directory.
fn verify_sizes(archive: &mut zip::ZipArchive<Cursor<&[u8]>>) -> Result<(), IntakeError> {
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| {
            IntakeError::damaged(
                "workbook (XLSX or ODS)",
                format!("part {} of the file is damaged", i + 1),
                e,
            )
        })?;
        let declared = entry.size();
        let name = entry.name().unwrap_or_default().into_owned();
        let unpacked = std::io::copy(
            &mut (&mut entry).take(declared.saturating_add(1)),
            &mut std::io::sink(),
        );
        // zip itself stops an entry at its declared size, with an error.
        let over = match unpacked {
            Ok(n) => n > declared,
            Err(e) if e.to_string().contains("declared") => true,
            Err(e) => {
                return Err(IntakeError::damaged(
                    "workbook (XLSX or ODS)",
                    format!("its part `{name}` is damaged"),
                    e,
                ));
            }
        };
        if over {
            return Err(IntakeError::ZipBomb(format!(
                "entry `{name}` unpacks to more than the {declared} bytes it declares"
            )));
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A ZIP with one deflated entry of `size` zero bytes.
    fn zip_of(name: &str, size: usize) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        writer.start_file(name, options).unwrap();
        writer.write_all(&vec![b' '; size]).unwrap();
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn a_directory_that_understates_an_entry_is_a_zip_bomb() {
        let mut bytes = zip_of("xl/workbook.xml", 5000);
        // Claim 100 bytes in the local header and in the central directory.
        let claim = 100u32.to_le_bytes();
        bytes[22..26].copy_from_slice(&claim);
        let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        bytes[central + 24..central + 28].copy_from_slice(&claim);
        let error = sniff("x.xlsx", &bytes, &Limits::default()).unwrap_err();
        assert_eq!(
            error,
            IntakeError::ZipBomb(
                "entry `xl/workbook.xml` unpacks to more than the 100 bytes it declares".to_owned()
            )
        );
    }

    #[test]
    fn a_high_ratio_entry_is_a_zip_bomb_before_anything_is_unpacked() {
        let bytes = zip_of("xl/worksheets/sheet1.xml", 20 * 1024 * 1024);
        let error = sniff("x.xlsx", &bytes, &Limits::default()).unwrap_err();
        assert!(
            matches!(&error, IntakeError::ZipBomb(m) if m.contains("ratio")),
            "{error}"
        );
    }

    #[test]
    fn other_zip_archives_are_named() {
        let docx = zip_of("word/document.xml", 10);
        let error = sniff("c.docx", &docx, &Limits::default()).unwrap_err();
        assert!(error.to_string().contains("Word document"), "{error}");
    }
}
