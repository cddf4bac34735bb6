//! Section tagging: which node of the draft's outline each comment is
//! about, from its section cell, else its line, else its page, with a note
//! when the signals disagree or leave the volume open (a multi-volume draft
//! and no publication: the line, if it lies in the named section in one
//! volume only, chooses). Pure: built from the outline's rows, no
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
    /// Title without any white space (see `compact`) → the nodes with it.
    by_title: HashMap<String, Vec<usize>>,
    by_id: HashMap<i64, usize>,
    /// Per volume: the ordinal of its last page, for "past the end" notes.
    last_pages: Vec<Option<i32>>,
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

/// Titles compared without any white space: cells copied from a PDF break
/// lines inside words (`Note to\nReviewer\ns`), which `normalise_title`
/// turns into a space.
fn compact(title: &str) -> String {
    title.split_whitespace().collect()
}

impl Tagger {
    pub fn new(sections: &[Section]) -> Self {
        let mut tagger = Tagger::default();
        for s in sections {
            let volume = match tagger.volumes.iter().position(|v| *v == s.volume) {
                Some(i) => i,
                None => {
                    tagger.volumes.push(s.volume.clone());
                    tagger.last_pages.push(None);
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
                    .entry(compact(&normalise_title(&s.title)))
                    .or_default()
                    .push(index);
            }
            if let Some((_, end)) = pages {
                let last = &mut tagger.last_pages[volume];
                *last = Some(last.map_or(end, |l| l.max(end)));
            }
            // Front matter has no number: readers (and notes) name it by
            // its title (`Note to Reviewers`), not by an empty label.
            let label = s.label();
            tagger.nodes.push(Node {
                id: s.id,
                parent: s.parent_id,
                volume,
                number: if label.is_empty() {
                    s.title.clone()
                } else {
                    label
                },
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

    /// How readers cite a tagged node (`5.1`, `Table 3`, `Appendix A`, and
    /// unnumbered front matter by its title), after its volume in a
    /// multi-volume draft (`63A 4.3`), where the number alone is ambiguous.
    pub fn label(&self, section_id: i64) -> Option<String> {
        let node = &self.nodes[*self.by_id.get(&section_id)?];
        let volume = self.volumes.get(node.volume).map_or("", String::as_str);
        Some(crate::db::sections::in_volume(volume, node.number.clone()))
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
        let page = signals
            .page
            .and_then(|p| PageLabel::parse(p).ok())
            .map(|p| p.ordinal());
        let mut notes = Vec::new();
        if let (Some(p), Some(last)) = (page, self.last_page(volumes))
            && p > last
        {
            notes.push(format!(
                "page {} is past the end of the document",
                signals.page.unwrap_or_default().trim()
            ));
        }
        let joined = |notes: Vec<String>| (!notes.is_empty()).then(|| notes.join("; "));
        let cell = signals.section.unwrap_or_default().trim();
        let reference = signals.section.and_then(reference::parse);
        let mut unresolved = false;
        match reference {
            Some(SectionRef::General) => {
                return Tag {
                    conflict: joined(notes),
                    ..Tag::general()
                };
            }
            Some(SectionRef::Key { key, span }) => {
                let settled = self.find_key(volumes, &key).and_then(|(level, found)| {
                    self.settle(found, volumes, level, cell, signals.line, &mut notes)
                });
                match settled {
                    Some(index) => {
                        return Tag {
                            section_id: Some(self.nodes[index].id),
                            source: TagSource::Section,
                            span,
                            conflict: joined(notes),
                        };
                    }
                    None => unresolved = true,
                }
            }
            Some(SectionRef::Title(title)) => {
                let found = self
                    .by_title
                    .get(&compact(&title))
                    .map_or(&[][..], Vec::as_slice);
                let name = format!("\"{cell}\"");
                match self.settle(found, volumes, &name, cell, signals.line, &mut notes) {
                    Some(index) => {
                        return Tag {
                            section_id: Some(self.nodes[index].id),
                            source: TagSource::Title,
                            span: None,
                            conflict: joined(notes),
                        };
                    }
                    None => unresolved = true,
                }
            }
            None => {}
        }
        if unresolved {
            notes.push(format!(
                "the section column \"{cell}\" names nothing in the outline"
            ));
        }
        for (at, what, maps, source) in [
            (signals.line, "line", &self.line_maps, TagSource::Line),
            (page, "page", &self.page_maps, TagSource::Page),
        ] {
            let Some(at) = at else { continue };
            let Some((index, several)) = self.deepest(volumes, maps, at) else {
                continue;
            };
            if several {
                let shown = match source {
                    TagSource::Page => signals.page.unwrap_or_default().trim().to_owned(),
                    _ => at.to_string(),
                };
                notes.push(format!(
                    "{what} {shown} is in several volumes ({}); no publication says which",
                    self.volume_names(volumes, |v| maps[v].at(at).is_some())
                ));
            }
            return Tag {
                section_id: Some(self.nodes[index].id),
                source,
                span: None,
                conflict: joined(notes),
            };
        }
        if unresolved {
            return Tag {
                section_id: None,
                source: TagSource::None,
                span: None,
                conflict: joined(notes),
            };
        }
        Tag {
            conflict: joined(notes),
            ..Tag::general()
        }
    }

    /// The last page of the volumes searched.
    fn last_page(&self, volumes: Volumes) -> Option<i32> {
        self.last_pages
            .iter()
            .enumerate()
            .filter(|(v, _)| volumes.contains(*v))
            .filter_map(|(_, last)| *last)
            .max()
    }

    /// Chooses among the nodes a reference names (`found`: one per volume
    /// for a number; a title may also repeat within a volume), in the
    /// volumes searched: those whose own volume's `line` lies within them if
    /// any, else all; then the first of the first volume. Notes when that
    /// left a choice between volumes (no publication, no telling line), and
    /// when the line lies outside the chosen node. `name` is what the note
    /// calls the reference.
    fn settle(
        &self,
        found: &[usize],
        volumes: Volumes,
        name: &str,
        cell: &str,
        line: Option<i32>,
        notes: &mut Vec<String>,
    ) -> Option<usize> {
        let in_scope = || {
            found
                .iter()
                .copied()
                .filter(move |i| volumes.contains(self.nodes[*i].volume))
        };
        // The deepest node at the line in the candidate's own volume: a line
        // number means nothing across volumes.
        let line_node = |i: usize| {
            line.and_then(|l| self.line_maps[self.nodes[i].volume].at(l))
                .map(|(n, _)| n)
        };
        let confirmed = |i: &usize| line_node(*i).is_some_and(|l| self.related(*i, l));
        let any_confirmed = in_scope().any(|i| confirmed(&i));
        let pool = || in_scope().filter(move |i| !any_confirmed || confirmed(i));
        // The first volume's (outline order interleaves volumes).
        let chosen = pool().min_by_key(|i| self.nodes[*i].volume)?;
        let volume = self.nodes[chosen].volume;
        if pool().any(|i| self.nodes[i].volume != volume) {
            notes.push(format!(
                "{name} is in several volumes ({}); no publication says which",
                self.volume_names(volumes, |v| pool().any(|i| self.nodes[i].volume == v))
            ));
        }
        if let Some(at) = line_node(chosen)
            && !self.related(chosen, at)
        {
            notes.push(format!(
                "the section column says {cell} but line {} lies in {}",
                line.unwrap_or_default(),
                self.nodes[at].number
            ));
        }
        Some(chosen)
    }

    /// The names of the volumes searched that `has`, joined for a note.
    fn volume_names(&self, volumes: Volumes, has: impl Fn(usize) -> bool) -> String {
        self.volumes
            .iter()
            .enumerate()
            .filter(|(v, _)| volumes.contains(*v) && has(*v))
            .map(|(_, name)| name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The nodes with `key`, or with its nearest ancestor by dotted
    /// numbering, in the volumes searched (unfiltered: `settle` filters),
    /// and the key found.
    fn find_key<'k>(&self, volumes: Volumes, key: &'k str) -> Option<(&'k str, &[usize])> {
        let mut key = key;
        loop {
            if let Some(found) = self.by_key.get(key)
                && found
                    .iter()
                    .any(|i| volumes.contains(self.nodes[*i].volume))
            {
                return Some((key, found));
            }
            match key.rfind('.') {
                Some(dot) if !key.contains(':') => key = &key[..dot],
                _ => return None,
            }
        }
    }

    /// The deepest node whose range (lines or pages) holds `at`, in the
    /// first volume searched that has one, and whether other volumes have
    /// one too (a blank publication leaves the choice open).
    fn deepest(&self, volumes: Volumes, maps: &[RangeMap], at: i32) -> Option<(usize, bool)> {
        let mut hits = maps
            .iter()
            .enumerate()
            .filter(|(v, _)| volumes.contains(*v))
            .filter_map(|(_, map)| map.at(at));
        let (first, _) = hits.next()?;
        Some((first, hits.next().is_some()))
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
