//! The rows of a binary COPY, read into [`ExportRow`]s.
//!
//! The format is the one the server documents for `COPY … (FORMAT
//! binary)`: a header, then per row a field count and per field a length
//! (-1: NULL) and the value in its type's binary form (text: its UTF-8
//! bytes; integers: big-endian), then a trailer. A stream that stops
//! before the trailer (a server error mid-COPY ends it the same way) is
//! an error, never a shorter table.
//!
//! A row is read into one the caller is done with where there is one
//! (`fields`): a million rows' twenty million allocations and frees were
//! 1.3 s of the reader's 2.2 s, measured.

use std::io::BufRead;
use std::str::FromStr;

use diesel::result::{Error, QueryResult};

use super::super::fields::{self, Fields, broken, null, overwrite, overwrite_optional};

/// What a binary COPY starts with.
const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// A binary COPY's stream.
pub struct Input<R> {
    reader: R,
    /// A row that is not whole in the reader's buffer is put together
    /// here (the server sends each row as a message of its own, and libpq
    /// hands out one message at a time, so this is rare).
    scratch: Vec<u8>,
}

impl<R: BufRead> Input<R> {
    /// Checks and skips the header: signature, flags, extension.
    pub fn new(reader: R) -> QueryResult<Self> {
        let mut input = Self {
            reader,
            scratch: Vec::new(),
        };
        let mut signature = [0; SIGNATURE.len()];
        input.fill(&mut signature)?;
        if &signature != SIGNATURE {
            return Err(broken("the COPY stream does not start as a binary COPY"));
        }
        let flags = input.int32()?;
        // Bit 16 says OIDs follow; bits 17–31 are unknown to this reader.
        if flags >> 16 != 0 {
            return Err(broken(format!("the COPY header has flags {flags:#x}")));
        }
        let extension = usize::try_from(input.int32()?)
            .map_err(|_| broken("the COPY header's extension length is negative"))?;
        for _ in 0..extension {
            input.fill(&mut [0])?;
        }
        Ok(input)
    }

    /// Reads the next row, of `fields` fields, through `read`, which must
    /// read every field; false after the last, once the trailer is read.
    ///
    /// A row whole in the reader's buffer, as nearly every one is, is read
    /// where it lies: one look at the buffer a row, where asking it for
    /// each length and value was 0.15 s of a million rows (perf).
    pub fn row(
        &mut self,
        fields: usize,
        read: impl FnOnce(&mut Row<'_>) -> QueryResult<()>,
    ) -> QueryResult<bool> {
        let mut count = [0; 2];
        self.fill(&mut count)?;
        let count = i16::from_be_bytes(count);
        if count == -1 {
            return Ok(false);
        }
        if usize::try_from(count).ok() != Some(fields) {
            return Err(broken(format!(
                "a COPY row has {count} fields, not {fields}"
            )));
        }
        let buffered = self.reader.fill_buf().map_err(failed)?;
        if let Some(length) = span(buffered, fields) {
            Row::read(&buffered[..length], read)?;
            self.reader.consume(length);
        } else {
            self.gather(fields)?;
            Row::read(&self.scratch, read)?;
        }
        Ok(true)
    }

    /// Checks that nothing follows the trailer; reading on to the end
    /// also lets libpq see the COPY finish.
    pub fn end(mut self) -> QueryResult<()> {
        if self.reader.fill_buf().map_err(failed)?.is_empty() {
            Ok(())
        } else {
            Err(broken("the COPY stream goes on after its trailer"))
        }
    }

    /// Puts a row of `fields` fields together in `scratch`, from as many
    /// of the reader's buffers as it takes.
    fn gather(&mut self, fields: usize) -> QueryResult<()> {
        self.scratch.clear();
        for _ in 0..fields {
            let length = self.int32()?;
            self.scratch.extend_from_slice(&length.to_be_bytes());
            if length == -1 {
                continue;
            }
            let length = usize::try_from(length).map_err(|_| negative())?;
            let start = self.scratch.len();
            self.scratch.resize(start + length, 0);
            read_exactly(&mut self.reader, &mut self.scratch[start..])?;
        }
        Ok(())
    }

    fn int32(&mut self) -> QueryResult<i32> {
        let mut bytes = [0; 4];
        self.fill(&mut bytes)?;
        Ok(i32::from_be_bytes(bytes))
    }

    fn fill(&mut self, into: &mut [u8]) -> QueryResult<()> {
        read_exactly(&mut self.reader, into)
    }
}

/// How many bytes the `fields` fields at the start of `bytes` take, if
/// they are all there. (A negative length other than NULL's is taken as
/// none here, and refused when the field is read.)
fn span(bytes: &[u8], fields: usize) -> Option<usize> {
    let mut at = 0usize;
    for _ in 0..fields {
        let length = bytes.get(at..at.checked_add(4)?)?;
        let length = i32::from_be_bytes(length.try_into().ok()?);
        at += 4;
        if let Ok(length) = usize::try_from(length) {
            at = at.checked_add(length)?;
        }
    }
    (at <= bytes.len()).then_some(at)
}

/// One row's fields, whole, read one after another.
pub struct Row<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Row<'a> {
    /// Has `read` read the row in `bytes`, every field of it: a reading of
    /// fewer fields would put one field's value in another's place.
    fn read(
        bytes: &'a [u8],
        read: impl FnOnce(&mut Row<'a>) -> QueryResult<()>,
    ) -> QueryResult<()> {
        let mut row = Self { bytes, at: 0 };
        read(&mut row)?;
        if row.at == bytes.len() {
            Ok(())
        } else {
            Err(broken("a COPY row has more fields than were read"))
        }
    }

    /// The next field's bytes; `None`: NULL.
    fn field(&mut self) -> QueryResult<Option<&'a [u8]>> {
        let short = || broken("a COPY row has fewer fields than are read");
        let length = self.bytes.get(self.at..self.at + 4).ok_or_else(short)?;
        let length = i32::from_be_bytes(length.try_into().map_err(|_| short())?);
        self.at += 4;
        if length == -1 {
            return Ok(None);
        }
        let length = usize::try_from(length).map_err(|_| negative())?;
        let bytes = self
            .bytes
            .get(self.at..self.at + length)
            .ok_or_else(short)?;
        self.at += length;
        Ok(Some(bytes))
    }

    /// An integer of `N` bytes, big-endian.
    fn integer<const N: usize, T>(&mut self, from: fn([u8; N]) -> T) -> QueryResult<Option<T>> {
        self.field()?
            .map(|bytes| {
                <[u8; N]>::try_from(bytes)
                    .map(from)
                    .map_err(|_| broken(format!("an integer field is not {N} bytes")))
            })
            .transpose()
    }
}

impl Fields for Row<'_> {
    fn text(&mut self, into: &mut String) -> QueryResult<()> {
        overwrite(into, utf8(self.field()?.ok_or_else(null)?)?);
        Ok(())
    }

    fn optional_text(&mut self, into: &mut Option<String>) -> QueryResult<()> {
        overwrite_optional(into, self.field()?.map(utf8).transpose()?);
        Ok(())
    }

    fn word<T: FromStr<Err = strum::ParseError>>(&mut self) -> QueryResult<Option<T>> {
        self.field()?
            .map(|bytes| fields::word(utf8(bytes)?))
            .transpose()
    }

    fn int4(&mut self) -> QueryResult<Option<i32>> {
        self.integer(i32::from_be_bytes)
    }

    fn int8(&mut self) -> QueryResult<Option<i64>> {
        self.integer(i64::from_be_bytes)
    }
}

/// Fills `into` from the stream, a buffer at a time. An empty buffer is
/// the end, and the stream is not asked again: libpq's `PQgetCopyData`
/// says once that the COPY has ended (finished, or failed on the server),
/// and asked again it answers "no COPY in progress", which would hide
/// that the rows stopped early.
fn read_exactly(reader: &mut impl BufRead, into: &mut [u8]) -> QueryResult<()> {
    let mut filled = 0;
    while filled < into.len() {
        let buffered = reader.fill_buf().map_err(failed)?;
        if buffered.is_empty() {
            return Err(ended_early());
        }
        let taken = buffered.len().min(into.len() - filled);
        into[filled..filled + taken].copy_from_slice(&buffered[..taken]);
        reader.consume(taken);
        filled += taken;
    }
    Ok(())
}

fn utf8(bytes: &[u8]) -> QueryResult<&str> {
    std::str::from_utf8(bytes).map_err(broken)
}

fn negative() -> Error {
    broken("a COPY field has a negative length")
}

/// The connection failed while the rows came.
fn failed(error: std::io::Error) -> Error {
    broken(error)
}

/// The stream ended before its trailer: the server ended the COPY with an
/// error. libpq keeps the server's message for the next statement, and the
/// rollback that follows discards it, so the server's log has the cause.
fn ended_early() -> Error {
    broken("the database ended the COPY before its last row (its log says why)")
}

#[cfg(test)]
mod tests {
    use super::super::super::ExportRow;
    use super::super::super::fields::{FIELDS, KEEP, blank};
    use super::*;
    use crate::domain::TriageStatus;

    /// The next row read whole into `row`, as the export reads a row with
    /// its submission's fields; false after the last.
    fn read_row<R: BufRead>(input: &mut Input<R>, row: &mut ExportRow) -> QueryResult<bool> {
        input.row(FIELDS, |columns| fields::fill(columns, row))
    }

    /// A binary COPY's header, then `rows` as given, then the trailer.
    fn stream(rows: &[u8], trailer: bool) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&0i32.to_be_bytes());
        out.extend_from_slice(&4i32.to_be_bytes());
        out.extend_from_slice(b"ext!");
        out.extend_from_slice(rows);
        if trailer {
            out.extend_from_slice(&(-1i16).to_be_bytes());
        }
        out
    }

    /// One row's fields as the server sends them: `None` is NULL.
    fn tuple(fields: &[Option<&[u8]>]) -> Vec<u8> {
        let mut out = i16::try_from(fields.len()).unwrap().to_be_bytes().to_vec();
        for field in fields {
            match field {
                None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(bytes) => {
                    out.extend_from_slice(&i32::try_from(bytes.len()).unwrap().to_be_bytes());
                    out.extend_from_slice(bytes);
                }
            }
        }
        out
    }

    /// A full row: the comment and its submission.
    fn full_row(tracking: &str, response: Option<&str>, email: Option<&str>) -> Vec<u8> {
        let int4 = |n: i32| n.to_be_bytes().to_vec();
        let text = |s: &str| s.as_bytes().to_vec();
        let fields: Vec<Option<Vec<u8>>> = Vec::from([
            Some(text(tracking)),              // tracking_number
            None,                              // source_sheet
            Some(int4(7)),                     // source_row
            Some(text("{}")),                  // extra_json
            Some(text("[]")),                  // problems_json
            Some(text("3")),                   // comment_number
            Some(text("Ada")),                 // commenter
            None,                              // organization
            None,                              // volume_raw
            Some(text("T")),                   // type_raw
            Some(text("technical")),           // comment_type
            None,                              // severity
            Some(text("2.1")),                 // section_raw
            None,                              // paragraph_raw
            Some(text("12")),                  // page_raw
            Some(text("12")),                  // page_start
            None,                              // page_end
            Some(text("40-41")),               // line_raw
            Some(int4(40)),                    // line_start
            Some(int4(41)),                    // line_end
            Some(text("Body ünï")),            // body
            None,                              // suggested_change
            Some(9i64.to_be_bytes().to_vec()), // section_id
            Some(text("section")),             // tag_source
            None,                              // tag_conflict
            Some(text("resolved")),            // status
            Some(text("accepted")),            // disposition
            None,                              // disposition_raw
            response.map(text),                // response
            Some(int4(4)),                     // version
            Some(text("S-1")),                 // submission_tracking
            Some(text("Ada L")),               // submitter_name
            Some(text("Engines")),             // submitter_organization
            email.map(text),                   // submitter_email
            None,                              // file_name
        ]);
        assert_eq!(fields.len(), FIELDS);
        let fields: Vec<Option<&[u8]>> = fields.iter().map(|f| f.as_deref()).collect();
        tuple(&fields)
    }

    #[test]
    fn rows_are_read_into_the_row_given_and_nulls_clear_it() {
        let mut rows = full_row("C-1", Some("Done."), Some("ada@example.org"));
        rows.extend(full_row("C-2", None, None));
        let bytes = stream(&rows, true);
        // One byte at a time: every field straddles the reader's buffer.
        let mut input = Input::new(std::io::BufReader::with_capacity(1, bytes.as_slice())).unwrap();
        let mut row = blank();
        assert!(read_row(&mut input, &mut row).unwrap());
        assert_eq!(row.comment.tracking_number, "C-1");
        assert_eq!(row.comment.body, "Body ünï");
        assert_eq!(row.comment.source_row, Some(7));
        assert_eq!(row.comment.section_id, Some(9));
        assert_eq!(row.comment.status, TriageStatus::Resolved);
        assert_eq!(
            row.comment.disposition.0,
            Some(crate::domain::Disposition::Accepted)
        );
        assert_eq!(row.comment.response.as_deref(), Some("Done."));
        assert_eq!(row.submitter_email.as_deref(), Some("ada@example.org"));
        assert_eq!(row.comment.version, 4);

        assert!(read_row(&mut input, &mut row).unwrap());
        assert_eq!(row.comment.tracking_number, "C-2");
        assert_eq!(
            row.comment.response, None,
            "a NULL clears what the row held"
        );
        assert_eq!(row.submitter_email, None);
        assert!(
            !read_row(&mut input, &mut row).unwrap(),
            "the trailer ends the rows"
        );
    }

    #[test]
    fn a_long_text_s_buffer_is_not_kept_for_the_short_ones_after_it() {
        let mut text = String::new();
        overwrite(&mut text, &"x".repeat(100_000));
        overwrite(&mut text, "short");
        assert_eq!(text, "short");
        assert!(text.capacity() <= KEEP, "{}", text.capacity());
        let mut text = String::with_capacity(KEEP);
        let buffer = text.as_ptr();
        overwrite(&mut text, "short");
        assert_eq!(text.as_ptr(), buffer, "a small buffer is reused");
    }

    #[test]
    fn an_empty_copy_has_no_rows() {
        let bytes = stream(&[], true);
        let mut input = Input::new(bytes.as_slice()).unwrap();
        assert!(!read_row(&mut input, &mut blank()).unwrap());
        input.end().unwrap();
    }

    #[test]
    fn nothing_may_follow_the_trailer() {
        let mut bytes = stream(&[], true);
        bytes.push(0);
        let mut input = Input::new(bytes.as_slice()).unwrap();
        assert!(!read_row(&mut input, &mut blank()).unwrap());
        let error = input.end().unwrap_err().to_string();
        assert!(error.contains("after its trailer"), "{error}");
    }

    /// A COPY as diesel's `CopyToBuffer` hands it out: `chunk` bytes at a
    /// time, then one empty buffer (libpq: the COPY has ended), then an
    /// error (libpq: no COPY in progress).
    struct Copy {
        data: Vec<u8>,
        at: usize,
        chunk: usize,
        ended: bool,
    }

    impl Copy {
        fn new(data: Vec<u8>, chunk: usize) -> Self {
            Self {
                data,
                at: 0,
                chunk,
                ended: false,
            }
        }
    }

    impl std::io::Read for Copy {
        fn read(&mut self, into: &mut [u8]) -> std::io::Result<usize> {
            let buffered = self.fill_buf()?;
            let taken = buffered.len().min(into.len());
            into[..taken].copy_from_slice(&buffered[..taken]);
            self.consume(taken);
            Ok(taken)
        }
    }

    impl BufRead for Copy {
        fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
            if self.at < self.data.len() {
                let end = self.data.len().min(self.at + self.chunk);
                return Ok(&self.data[self.at..end]);
            }
            if self.ended {
                return Err(std::io::Error::other("no COPY in progress"));
            }
            self.ended = true;
            Ok(&[])
        }

        fn consume(&mut self, amount: usize) {
            self.at += amount;
        }
    }

    #[test]
    fn a_copy_without_its_trailer_is_an_error_not_the_end() {
        let ended = "ended the COPY before its last row";
        let row = full_row("C-1", Some("Done."), None);
        for chunk in [1, 7, 1 << 20] {
            // Cut mid-row, then at a row's end (where the trailer belongs).
            for cut in [row.len() - 3, row.len()] {
                let bytes = stream(&row[..cut], false);
                let mut input = Input::new(Copy::new(bytes, chunk)).unwrap();
                let mut read = blank();
                let error = match read_row(&mut input, &mut read) {
                    Ok(true) => read_row(&mut input, &mut read).unwrap_err(),
                    Ok(false) => panic!("no trailer was sent"),
                    Err(error) => error,
                }
                .to_string();
                assert!(error.contains(ended), "chunk {chunk}, cut {cut}: {error}");
            }
        }
        let bytes = SIGNATURE[..5].to_vec();
        let error = Input::new(Copy::new(bytes, 3)).err().unwrap().to_string();
        assert!(error.contains(ended), "{error}");
    }

    #[test]
    fn a_whole_copy_read_in_pieces_ends_cleanly() {
        let mut rows = full_row("C-1", Some(&"long ".repeat(300)), None);
        rows.extend(full_row("C-2", None, Some("bo@example.org")));
        for chunk in [1, 5, 64, 1 << 20] {
            let mut input = Input::new(Copy::new(stream(&rows, true), chunk)).unwrap();
            let mut row = blank();
            assert!(read_row(&mut input, &mut row).unwrap());
            assert_eq!(row.comment.response.as_deref().map(str::len), Some(1500));
            assert!(read_row(&mut input, &mut row).unwrap());
            assert_eq!(row.submitter_email.as_deref(), Some("bo@example.org"));
            assert!(!read_row(&mut input, &mut row).unwrap());
            input.end().unwrap();
        }
    }

    #[test]
    fn a_row_of_another_shape_is_refused() {
        let bytes = stream(&tuple(&[None, None, None]), true);
        let mut input = Input::new(bytes.as_slice()).unwrap();
        let error = read_row(&mut input, &mut blank()).unwrap_err().to_string();
        assert!(error.contains("3 fields, not 35"), "{error}");
    }

    #[test]
    fn another_format_is_refused() {
        assert!(Input::new(&b"tracking\tnumber\n"[..]).is_err());
    }

    #[test]
    fn text_that_is_not_utf8_or_a_word_not_in_the_vocabulary_is_an_error() {
        let mut bytes = 2i32.to_be_bytes().to_vec();
        bytes.extend_from_slice(&[0xff, 0xfe]);
        let mut row = Row {
            bytes: &bytes,
            at: 0,
        };
        assert!(row.text(&mut String::new()).is_err());

        let mut bytes = 5i32.to_be_bytes().to_vec();
        bytes.extend_from_slice(b"maybe");
        let mut row = Row {
            bytes: &bytes,
            at: 0,
        };
        let error = row.word::<TriageStatus>().unwrap_err().to_string();
        assert!(error.contains("\"maybe\" is not a TriageStatus"), "{error}");
    }

    #[test]
    fn a_row_is_read_whole_or_refused() {
        let bytes = stream(&tuple(&[Some(b"a"), None]), true);
        for chunk in [1, 3, 1 << 20] {
            let read = |fields: usize, reads: usize| {
                let mut input = Input::new(Copy::new(bytes.clone(), chunk)).unwrap();
                input
                    .row(fields, |row| {
                        for _ in 0..reads {
                            row.optional_text(&mut None)?;
                        }
                        Ok(())
                    })
                    .map_err(|e| e.to_string())
            };
            assert_eq!(read(2, 2), Ok(true), "chunk {chunk}");
            let error = read(2, 1).unwrap_err();
            assert!(error.contains("more fields than were read"), "{error}");
            let error = read(2, 3).unwrap_err();
            assert!(error.contains("fewer fields than are read"), "{error}");
        }
        let negative = stream(&tuple_with_length(-2), true);
        for chunk in [1, 1 << 20] {
            let mut input = Input::new(Copy::new(negative.clone(), chunk)).unwrap();
            let error = input
                .row(1, |row| row.optional_text(&mut None))
                .unwrap_err()
                .to_string();
            assert!(error.contains("negative length"), "chunk {chunk}: {error}");
        }
    }

    /// A row of one field whose length is given as `length`.
    fn tuple_with_length(length: i32) -> Vec<u8> {
        let mut out = 1i16.to_be_bytes().to_vec();
        out.extend_from_slice(&length.to_be_bytes());
        out
    }
}
