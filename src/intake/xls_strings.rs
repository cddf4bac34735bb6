//! The lengths of an XLS workbook's shared strings, read from its record
//! stream before calamine opens it: calamine gives every cell that shows a
//! shared string (LABELSST) its own copy, so a long string shown by many
//! cells costs its length that many times (`bounds::check_xls` charges it).

/// The records of a BIFF stream: (type, declared length, data). A record
/// cut short by the end of the stream yields what is there.
pub fn records(stream: &[u8]) -> impl Iterator<Item = (u16, usize, &[u8])> {
    let mut at = 0;
    std::iter::from_fn(move || {
        if at + 4 > stream.len() {
            return None;
        }
        let kind = u16::from_le_bytes([stream[at], stream[at + 1]]);
        let len = usize::from(u16::from_le_bytes([stream[at + 2], stream[at + 3]]));
        let data = &stream[(at + 4).min(stream.len())..(at + 4 + len).min(stream.len())];
        at += 4 + len;
        Some((kind, len, data))
    })
}

/// The length in characters of each string of an XLS workbook's shared
/// string table (the SST record and the CONTINUE records after it, MS-XLS
/// 2.4.265): each string is a character count, flags, optional run and
/// extension sizes, then its characters (one or two bytes each; when the
/// characters go on in a CONTINUE record, that record starts with a new
/// flags byte), runs and extension. Parsing stops where the data does.
pub fn lengths(stream: &[u8]) -> Vec<u64> {
    // The SST record's data and its CONTINUE records', in order.
    let mut parts: Vec<&[u8]> = Vec::new();
    for (kind, _, data) in records(stream) {
        match (kind, parts.is_empty()) {
            (0x00FC, true) => parts.push(data),
            (0x003C, false) => parts.push(data),
            (_, false) => break,
            _ => {}
        }
    }
    let mut reader = Parts {
        parts,
        part: 0,
        at: 0,
    };
    let mut lengths = Vec::new();
    let Some(_total) = reader.bytes(4) else {
        return lengths;
    };
    let Some(unique) = reader
        .bytes(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    else {
        return lengths;
    };
    for _ in 0..unique {
        let (Some(cch), Some(flags)) = (reader.bytes(2), reader.bytes(1)) else {
            break;
        };
        let cch = u64::from(u16::from_le_bytes([cch[0], cch[1]]));
        let flags = flags[0];
        let runs = if flags & 0x08 != 0 {
            reader
                .bytes(2)
                .map_or(0, |b| u64::from(u16::from_le_bytes([b[0], b[1]])))
        } else {
            0
        };
        let ext = if flags & 0x04 != 0 {
            reader.bytes(4).map_or(0, |b| {
                u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            })
        } else {
            0
        };
        if !reader.chars(cch, flags & 0x01 != 0) {
            break;
        }
        reader.skip(runs * 4 + ext);
        lengths.push(cch);
    }
    lengths
}

/// A cursor over the SST's record parts.
struct Parts<'a> {
    parts: Vec<&'a [u8]>,
    part: usize,
    at: usize,
}

impl<'a> Parts<'a> {
    /// The next `n` bytes, which the format never splits across parts.
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        while self.parts.get(self.part)?.len() == self.at {
            self.part += 1;
            self.at = 0;
        }
        let part = self.parts.get(self.part)?;
        let bytes = part.get(self.at..self.at + n)?;
        self.at += n;
        Some(bytes)
    }

    /// Skips `count` characters; a part boundary among them is followed by
    /// a flags byte saying how wide the rest are. False when data runs out.
    fn chars(&mut self, mut count: u64, mut wide: bool) -> bool {
        while count > 0 {
            let Some(part) = self.parts.get(self.part) else {
                return false;
            };
            let width = if wide { 2 } else { 1 };
            let room = ((part.len() - self.at) / width) as u64;
            if room >= count {
                self.at += count as usize * width;
                return true;
            }
            count -= room;
            self.part += 1;
            self.at = 0;
            match self.parts.get(self.part).and_then(|p| p.first()) {
                Some(flags) => {
                    wide = flags & 0x01 != 0;
                    self.at = 1;
                }
                None => return false,
            }
        }
        true
    }

    fn skip(&mut self, mut n: u64) {
        while n > 0 {
            let Some(part) = self.parts.get(self.part) else {
                return;
            };
            let room = (part.len() - self.at) as u64;
            if room >= n {
                self.at += n as usize;
                return;
            }
            n -= room;
            self.part += 1;
            self.at = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: u16, data: &[u8]) -> Vec<u8> {
        let mut out = kind.to_le_bytes().to_vec();
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
        out
    }

    #[test]
    fn shared_strings_are_measured_across_continue_records() {
        // "abc", then 5 wide characters: 2 in the SST, 3 after a CONTINUE's
        // flags byte saying they are narrow now.
        let mut first = 2u32.to_le_bytes().to_vec();
        first.extend(2u32.to_le_bytes());
        first.extend([3, 0, 0, b'a', b'b', b'c']);
        first.extend([5, 0, 1, b'd', 0, b'e', 0]);
        let stream = [
            record(0x00FC, &first),
            record(0x003C, &[0, b'f', b'g', b'h']),
            record(0x000A, &[]),
        ]
        .concat();
        assert_eq!(lengths(&stream), [3, 5]);
    }
}
