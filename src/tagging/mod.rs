//! Section tagging: which node of the draft's outline each comment is
//! about, from its section cell, else its line, else its page, with a note
//! when the signals disagree. Pure: built from the outline's rows, no
//! database (the benchmark and property tests call it directly).

mod reference;

use std::collections::HashMap;

pub use reference::{SectionRef, normalise_title};

use crate::db::sections::Section;
use crate::domain::{PageLabel, SectionKind, TagSource};

/// A node as tagging needs it.
#[derive(Clone, Debug)]
struct Node {
    id: i64,
    parent: Option<i64>,
    volume: usize,
    number: String,
    depth: i32,
    pages: Option<(i32, i32)>,
    lines: Option<(i32, i32)>,
}

/// The outline of one document, indexed for tagging.
#[derive(Debug, Default)]
pub struct Tagger {
    nodes: Vec<Node>,
    /// Volume names as the outline has them (`""` for single-volume drafts).
    volumes: Vec<String>,
    /// Lookup key → the nodes with it, one per volume at most.
    by_key: HashMap<String, Vec<usize>>,
    by_title: HashMap<String, Vec<usize>>,
    by_id: HashMap<i64, usize>,
    last_page: Option<i32>,
    /// Per volume: the deepest node at each line, and at each page.
    line_maps: Vec<RangeMap>,
    page_maps: Vec<RangeMap>,
}

/// The volumes a comment's publication selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Volumes {
    All,
    One(usize),
}

impl Volumes {
    fn contains(self, volume: usize) -> bool {
        match self {
            Volumes::All => true,
            Volumes::One(v) => v == volume,
        }
    }
}

/// Which node is the deepest at each point of a line or page axis, built
/// once from the nested ranges so that a lookup is a binary search.
#[derive(Clone, Debug, Default)]
struct RangeMap {
    /// Segment starts, ascending; a segment runs to the next start.
    starts: Vec<i32>,
    /// The deepest node over each segment, with its depth.
    nodes: Vec<Option<(usize, i32)>>,
}

impl RangeMap {
    fn build(ranges: &[(usize, i32, (i32, i32))]) -> Self {
        let mut starts: Vec<i32> = ranges
            .iter()
            .flat_map(|(_, _, (a, b))| [*a, b.saturating_add(1)])
            .collect();
        starts.sort_unstable();
        starts.dedup();
        let nodes = starts
            .iter()
            .map(|&at| {
                ranges
                    .iter()
                    .filter(|(_, _, (a, b))| *a <= at && at <= *b)
                    .max_by_key(|(_, depth, _)| *depth)
                    .map(|(i, depth, _)| (*i, *depth))
            })
            .collect();
        RangeMap { starts, nodes }
    }

    fn at(&self, point: i32) -> Option<(usize, i32)> {
        let i = self
            .starts
            .partition_point(|s| *s <= point)
            .checked_sub(1)?;
        self.nodes[i]
    }
}

/// What a comment offers for tagging.
#[derive(Clone, Copy, Debug, Default)]
pub struct Signals<'a> {
    pub volume: Option<&'a str>,
    pub section: Option<&'a str>,
    pub line: Option<i32>,
    pub page: Option<&'a str>,
}

/// The result: a section (none for General or unresolved), how it was
/// found, the reference's full span when it named several, and a conflict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tag {
    pub section_id: Option<i64>,
    pub source: TagSource,
    pub span: Option<String>,
    pub conflict: Option<String>,
}

impl Tag {
    fn general() -> Self {
        Tag {
            section_id: None,
            source: TagSource::General,
            span: None,
            conflict: None,
        }
    }
}

/// What a comment read by intake offers for tagging.
pub fn signals_of(c: &crate::intake::ParsedComment) -> Signals<'_> {
    Signals {
        volume: c.volume.as_deref(),
        section: c.section.as_deref(),
        line: c.lines.map(|(start, _)| start),
        page: c.pages.as_ref().map(|p| p.start.as_str()),
    }
}

/// `63-Base`, `Base`, `NIST SP 800-63A` → `base`, `63a`: volume names
/// compared without the series prefix.
pub fn volume_key(raw: &str) -> String {
    let mut key: String = raw
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    for prefix in ["nist", "sp", "800"] {
        if let Some(rest) = key.strip_prefix(prefix) {
            key = rest.to_owned();
        }
    }
    // `63base` → `base`: the series number before a word is noise.
    let digits = key.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && key[digits..].len() > 1 {
        key = key[digits..].to_owned();
    }
    key
}

impl Tagger {
    pub fn new(sections: &[Section]) -> Self {
        let mut tagger = Tagger::default();
        for s in sections {
            let volume = match tagger.volumes.iter().position(|v| *v == s.volume) {
                Some(i) => i,
                None => {
                    tagger.volumes.push(s.volume.clone());
                    tagger.volumes.len() - 1
                }
            };
            let ordinal = |p: &Option<String>| {
                p.as_deref()
                    .and_then(|p| PageLabel::parse(p).ok())
                    .map(|p| p.ordinal())
            };
            let pages = ordinal(&s.page_start).zip(ordinal(&s.page_end).or(ordinal(&s.page_start)));
            let lines = s.line_start.zip(s.line_end.or(s.line_start));
            let index = tagger.nodes.len();
            tagger
                .by_key
                .entry(s.lookup_key.clone())
                .or_default()
                .push(index);
            tagger.by_id.insert(s.id, index);
            if !matches!(s.kind, SectionKind::Table | SectionKind::Figure) {
                tagger
                    .by_title
                    .entry(normalise_title(&s.title))
                    .or_default()
                    .push(index);
            }
            if let Some((_, end)) = pages {
                tagger.last_page = Some(tagger.last_page.map_or(end, |l| l.max(end)));
            }
            tagger.nodes.push(Node {
                id: s.id,
                parent: s.parent_id,
                volume,
                number: s.label(),
                depth: s.depth,
                pages,
                lines,
            });
        }
        for volume in 0..tagger.volumes.len() {
            let ranges = |pick: fn(&Node) -> Option<(i32, i32)>| -> Vec<(usize, i32, (i32, i32))> {
                tagger
                    .nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.volume == volume)
                    .filter_map(|(i, n)| pick(n).map(|r| (i, n.depth, r)))
                    .collect()
            };
            let lines = RangeMap::build(&ranges(|n| n.lines));
            let pages = RangeMap::build(&ranges(|n| n.pages));
            tagger.line_maps.push(lines);
            tagger.page_maps.push(pages);
        }
        tagger
    }

    /// The volumes to search: the one the publication names, else all.
    fn volumes_for(&self, volume: Option<&str>) -> Volumes {
        let Some(raw) = volume.map(str::trim).filter(|v| !v.is_empty()) else {
            return Volumes::All;
        };
        if self.volumes.len() < 2 {
            return Volumes::All;
        }
        let wanted = volume_key(raw);
        match self
            .volumes
            .iter()
            .position(|v| !v.is_empty() && volume_key(v) == wanted)
        {
            Some(i) => Volumes::One(i),
            None => Volumes::All,
        }
    }

    /// How readers cite a tagged node (`5.1`, `Table 3`, `Appendix A`).
    pub fn label(&self, section_id: i64) -> Option<&str> {
        self.by_id
            .get(&section_id)
            .map(|i| self.nodes[*i].number.as_str())
    }

    /// Whether the document has an outline to tag against at all.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Tags one comment. Without an outline nothing is tagged (and nothing
    /// is flagged: there is nothing to disagree with).
    pub fn tag(&self, signals: Signals<'_>) -> Tag {
        if self.is_empty() {
            return Tag {
                section_id: None,
                source: TagSource::None,
                span: None,
                conflict: None,
            };
        }
        let volumes = self.volumes_for(signals.volume);
        let named = volumes != Volumes::All;
        let by_line = signals
            .line
            .and_then(|line| self.deepest(volumes, &self.line_maps, line));
        let page = signals
            .page
            .and_then(|p| PageLabel::parse(p).ok())
            .map(|p| p.ordinal());
        let mut conflict = None;
        if let (Some(p), Some(last)) = (page, self.last_page)
            && p > last
        {
            conflict = Some(format!(
                "page {} is past the end of the document",
                signals.page.unwrap_or_default().trim()
            ));
        }
        let reference = signals.section.and_then(reference::parse);
        let mut unresolved = None;
        match reference {
            Some(SectionRef::General) => {
                return Tag {
                    conflict,
                    ..Tag::general()
                };
            }
            Some(SectionRef::Key { key, span }) => match self.find_key(volumes, &key, named) {
                Some((index, ambiguous)) => {
                    let node = &self.nodes[index];
                    let mut notes: Vec<String> = conflict.into_iter().chain(ambiguous).collect();
                    if let Some(line_node) = by_line
                        && !self.related(index, line_node)
                    {
                        notes.push(format!(
                            "the section column says {} but line {} lies in {}",
                            signals.section.unwrap_or_default().trim(),
                            signals.line.unwrap_or_default(),
                            self.nodes[line_node].number
                        ));
                    }
                    return Tag {
                        section_id: Some(node.id),
                        source: TagSource::Section,
                        span,
                        conflict: (!notes.is_empty()).then(|| notes.join("; ")),
                    };
                }
                None => unresolved = Some(key),
            },
            Some(SectionRef::Title(title)) => {
                if let Some(index) = self.by_title.get(&title).and_then(|found| {
                    found
                        .iter()
                        .copied()
                        .find(|i| volumes.contains(self.nodes[*i].volume))
                }) {
                    return Tag {
                        section_id: Some(self.nodes[index].id),
                        source: TagSource::Title,
                        span: None,
                        conflict,
                    };
                }
                unresolved = Some(title);
            }
            None => {}
        }
        let unresolved_note = unresolved.map(|_| {
            format!(
                "the section column \"{}\" names nothing in the outline",
                signals.section.unwrap_or_default().trim()
            )
        });
        let notes = |extra: Option<String>| {
            let all: Vec<String> = conflict.clone().into_iter().chain(extra).collect();
            (!all.is_empty()).then(|| all.join("; "))
        };
        if let Some(index) = by_line {
            return Tag {
                section_id: Some(self.nodes[index].id),
                source: TagSource::Line,
                span: None,
                conflict: notes(unresolved_note),
            };
        }
        if let Some(index) = page.and_then(|p| self.deepest(volumes, &self.page_maps, p)) {
            return Tag {
                section_id: Some(self.nodes[index].id),
                source: TagSource::Page,
                span: None,
                conflict: notes(unresolved_note),
            };
        }
        if unresolved_note.is_some() {
            return Tag {
                section_id: None,
                source: TagSource::None,
                span: None,
                conflict: notes(unresolved_note),
            };
        }
        Tag {
            conflict: notes(None),
            ..Tag::general()
        }
    }

    /// The node with `key` (or its nearest ancestor by dotted numbering)
    /// in the volumes searched, and a note when several volumes have it.
    fn find_key(
        &self,
        volumes: Volumes,
        key: &str,
        named: bool,
    ) -> Option<(usize, Option<String>)> {
        let mut key = key;
        loop {
            let mut found = self
                .by_key
                .get(key)
                .into_iter()
                .flatten()
                .copied()
                .filter(|i| volumes.contains(self.nodes[*i].volume));
            if let Some(first) = found.next() {
                let others: Vec<usize> = found.collect();
                let ambiguous = (!others.is_empty() && !named).then(|| {
                    let names: Vec<&str> = std::iter::once(first)
                        .chain(others)
                        .map(|i| self.volumes[self.nodes[i].volume].as_str())
                        .collect();
                    format!(
                        "{key} is in several volumes ({}); no publication says which",
                        names.join(", ")
                    )
                });
                return Some((first, ambiguous));
            }
            match key.rfind('.') {
                Some(dot) if !key.contains(':') => key = &key[..dot],
                _ => return None,
            }
        }
    }

    /// The deepest node whose range (lines or pages) contains `at`.
    fn deepest(&self, volumes: Volumes, maps: &[RangeMap], at: i32) -> Option<usize> {
        maps.iter()
            .enumerate()
            .filter(|(v, _)| volumes.contains(*v))
            .filter_map(|(_, map)| map.at(at))
            .max_by_key(|(_, depth)| *depth)
            .map(|(i, _)| i)
    }

    /// Whether one node is the other, or one contains the other.
    fn related(&self, a: usize, b: usize) -> bool {
        self.is_within(a, b) || self.is_within(b, a)
    }

    fn is_within(&self, inner: usize, outer: usize) -> bool {
        let target = self.nodes[outer].id;
        let mut at = Some(self.nodes[inner].id);
        while let Some(id) = at {
            if id == target {
                return true;
            }
            at = self.by_id.get(&id).and_then(|i| self.nodes[*i].parent);
        }
        false
    }
}

#[cfg(test)]
mod tests;
