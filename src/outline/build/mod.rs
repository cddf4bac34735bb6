//! Checking an outline: kinds, numbers, parents, page and line ranges.

use std::collections::HashMap;

use super::{Outline, OutlineEntry, OutlineError, OutlineNode, OutlineProblem};
use crate::domain::{PageLabel, SectionKind};

/// Turns file rows into an outline, or lists every rule they break.
///
/// Rules: a kind is one of front, section, appendix, table, figure (blank:
/// appendix when the number starts with a letter, else section); a number is
/// required except for front matter; numbers are unique per volume; a dotted
/// number's parent (`D` for `D.1`) must exist; tables and figures sit in the
/// section whose lines contain theirs, else the section listed before them;
/// ranges need both ends, in order, inside the parent's, and line ranges of
/// unrelated nodes of one volume must not overlap.
pub fn build(entries: Vec<OutlineEntry>) -> Result<Outline, OutlineError> {
    if entries.is_empty() {
        return Err(OutlineError::Empty);
    }
    let mut problems = Vec::new();
    let mut nodes: Vec<Draft> = entries
        .iter()
        .map(|e| Draft::read(e, &mut problems))
        .collect();

    let mut keys: HashMap<(String, String), usize> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        let key = (node.volume.clone(), node.lookup_key.clone());
        if let Some(&first) = keys.get(&key) {
            problems.push(problem(
                &entries[i],
                format!(
                    "duplicate number: {} is also {}",
                    nodes[i].label(),
                    entries[first].origin
                ),
            ));
        } else {
            keys.insert(key, i);
        }
    }

    for i in 0..nodes.len() {
        let parent = resolve_parent(i, &nodes, &keys, &entries[i], &mut problems);
        nodes[i].parent = parent;
    }
    // Ranges are checked even when some parents are missing, so one run
    // reports every problem of the file.
    check_cycles_and_ranges(&nodes, &entries, &mut problems);
    if !problems.is_empty() {
        return Err(OutlineError::Invalid(problems));
    }
    Ok(order(nodes))
}

/// A node as read, parent not yet known.
struct Draft {
    number: String,
    title: String,
    kind: SectionKind,
    volume: String,
    lookup_key: String,
    parent: Option<usize>,
    pages: Option<(PageLabel, PageLabel)>,
    lines: Option<(i32, i32)>,
}

impl Draft {
    fn read(entry: &OutlineEntry, problems: &mut Vec<OutlineProblem>) -> Self {
        let number = entry.number.trim().trim_end_matches('.').to_owned();
        let title = entry.title.trim().to_owned();
        let kind = match entry
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            Some(k) => k.to_ascii_lowercase().parse().unwrap_or_else(|_| {
                problems.push(problem(
                    entry,
                    format!("kind `{k}` is not one of front, section, appendix, table, figure"),
                ));
                SectionKind::Section
            }),
            None if number.starts_with(|c: char| c.is_ascii_alphabetic()) => SectionKind::Appendix,
            None => SectionKind::Section,
        };
        if title.is_empty() {
            problems.push(problem(entry, "title is empty".into()));
        }
        if number.is_empty() && kind != SectionKind::Front {
            problems.push(problem(
                entry,
                "number is empty (only front matter may omit it)".into(),
            ));
        }
        let lookup_key = match kind {
            SectionKind::Table | SectionKind::Figure => format!("{kind}:{}", number.to_lowercase()),
            SectionKind::Front if number.is_empty() => format!("front:{}", title.to_lowercase()),
            _ => number.to_lowercase(),
        };
        let pages = range(
            entry,
            "page",
            &entry.page_start,
            &entry.page_end,
            problems,
            |s| {
                PageLabel::parse(s)
                    .map(|p| (p.ordinal(), p))
                    .map_err(|e| e.to_string())
            },
        )
        .map(|((_, a), (_, b))| (a, b));
        let lines = range(
            entry,
            "line",
            &entry.line_start,
            &entry.line_end,
            problems,
            |s| match s.trim().parse::<i32>() {
                Ok(n) if n >= 1 => Ok((n, n)),
                _ => Err(format!(
                    "`{s}` is not a line number (a whole number from 1)"
                )),
            },
        )
        .map(|((a, _), (b, _))| (a, b));
        Self {
            number,
            title,
            kind,
            volume: entry.volume.trim().to_owned(),
            lookup_key,
            parent: None,
            pages,
            lines,
        }
    }

    fn label(&self) -> String {
        let name = match self.kind {
            SectionKind::Table => format!("Table {}", self.number),
            SectionKind::Figure => format!("Figure {}", self.number),
            _ if self.number.is_empty() => self.title.clone(),
            _ => self.number.clone(),
        };
        if self.volume.is_empty() {
            name
        } else {
            format!("{name} in volume {}", self.volume)
        }
    }
}

/// Parses both ends of a range; both or neither must be given, start ≤ end.
fn range<T>(
    entry: &OutlineEntry,
    what: &str,
    start: &Option<String>,
    end: &Option<String>,
    problems: &mut Vec<OutlineProblem>,
    parse: impl Fn(&str) -> Result<(i32, T), String>,
) -> Option<((i32, T), (i32, T))> {
    let mut one = |field: &str, raw: &str| match parse(raw) {
        Ok(v) => Some(v),
        Err(msg) => {
            problems.push(problem(entry, format!("{what}_{field}: {msg}")));
            None
        }
    };
    match (start, end) {
        (None, None) => None,
        (Some(_), None) | (None, Some(_)) => {
            problems.push(problem(
                entry,
                format!("{what} range needs both {what}_start and {what}_end, or neither"),
            ));
            None
        }
        (Some(s), Some(e)) => {
            // Both ends are parsed before giving up, so both get reported.
            let (s, e) = (one("start", s), one("end", e));
            let (s, e) = (s?, e?);
            if s.0 > e.0 {
                problems.push(problem(
                    entry,
                    format!("{what}_start comes after {what}_end"),
                ));
                return None;
            }
            Some((s, e))
        }
    }
}

fn resolve_parent(
    i: usize,
    nodes: &[Draft],
    keys: &HashMap<(String, String), usize>,
    entry: &OutlineEntry,
    problems: &mut Vec<OutlineProblem>,
) -> Option<usize> {
    let node = &nodes[i];
    let find = |number: &str| {
        keys.get(&(node.volume.clone(), number.to_lowercase()))
            .copied()
    };
    if let Some(explicit) = entry
        .parent
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let found = find(explicit.trim_end_matches('.'));
        if found.is_none() {
            problems.push(problem(
                entry,
                format!("parent `{explicit}` is not in the outline"),
            ));
        }
        return found;
    }
    if node.kind.is_float() {
        return container_of(i, nodes);
    }
    let (parent_number, _) = node.number.rsplit_once('.')?;
    let found = find(parent_number);
    if found.is_none() {
        problems.push(problem(
            entry,
            format!("missing parent: the numbering puts {} under {parent_number}, which is not in the outline", node.number),
        ));
    }
    found
}

/// The section a table or figure sits in: the innermost one of its volume
/// whose line range holds the table's, else the last section listed before it.
fn container_of(i: usize, nodes: &[Draft]) -> Option<usize> {
    let me = &nodes[i];
    let candidates = || {
        nodes
            .iter()
            .enumerate()
            .filter(|(j, n)| *j != i && !n.kind.is_float() && n.volume == me.volume)
    };
    if let Some((start, end)) = me.lines {
        let holding = candidates()
            .filter_map(|(j, n)| n.lines.map(|l| (j, l)))
            .filter(|(_, (s, e))| *s <= start && end <= *e)
            // Equal spans: the one listed later is the nested one.
            .min_by_key(|(j, (s, e))| (e - s, std::cmp::Reverse(*j)));
        if let Some((j, _)) = holding {
            return Some(j);
        }
    }
    candidates()
        .filter(|(j, _)| *j < i)
        .map(|(j, _)| j)
        .next_back()
}

fn check_cycles_and_ranges(
    nodes: &[Draft],
    entries: &[OutlineEntry],
    problems: &mut Vec<OutlineProblem>,
) {
    let ancestors = |mut i: usize| {
        let mut seen = Vec::new();
        while let Some(p) = nodes[i].parent {
            if seen.contains(&p) || p == i {
                return None;
            }
            seen.push(p);
            i = p;
        }
        Some(seen)
    };
    let mut chains = Vec::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        let Some(chain) = ancestors(i) else {
            problems.push(problem(
                &entries[i],
                format!("{} is its own ancestor", node.label()),
            ));
            return;
        };
        if let Some(p) = node.parent {
            let parent = &nodes[p];
            if let (Some((s, e)), Some((ps, pe))) = (node.lines, parent.lines)
                && (s < ps || e > pe)
            {
                problems.push(problem(
                    &entries[i],
                    format!(
                        "lines {s}–{e} lie outside its parent {} (lines {ps}–{pe})",
                        parent.label()
                    ),
                ));
            }
            if let (Some((s, e)), Some((ps, pe))) = (&node.pages, &parent.pages)
                && (s.ordinal() < ps.ordinal() || e.ordinal() > pe.ordinal())
            {
                problems.push(problem(
                    &entries[i],
                    format!(
                        "pages {s}–{e} lie outside its parent {} (pages {ps}–{pe})",
                        parent.label()
                    ),
                ));
            }
        }
        chains.push(chain);
    }
    // Overlapping line ranges between nodes of one volume where neither holds
    // the other: a line could not be tagged to one of them.
    let mut with_lines: Vec<usize> = (0..nodes.len())
        .filter(|&i| nodes[i].lines.is_some())
        .collect();
    with_lines.sort_by_key(|&i| nodes[i].lines);
    for (a_pos, &a) in with_lines.iter().enumerate() {
        let Some((_, a_end)) = nodes[a].lines else {
            continue;
        };
        for &b in &with_lines[a_pos + 1..] {
            let Some((b_start, b_end)) = nodes[b].lines else {
                continue;
            };
            if b_start > a_end {
                break;
            }
            let related = chains[a].contains(&b) || chains[b].contains(&a);
            if nodes[a].volume == nodes[b].volume && !related {
                let a_start = nodes[a].lines.map_or(0, |l| l.0);
                problems.push(problem(
                    &entries[b],
                    format!(
                        "lines {b_start}–{b_end} overlap {} (lines {a_start}–{a_end}, {})",
                        nodes[a].label(),
                        entries[a].origin
                    ),
                ));
            }
        }
    }
}

/// Depth-first order: each node followed by its children. Siblings follow
/// their line ranges when all of them have one (a table listed at the end of
/// the file still comes where its lines are), else the order of the file.
fn order(drafts: Vec<Draft>) -> Outline {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); drafts.len()];
    let mut roots = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        match d.parent {
            Some(p) => children[p].push(i),
            None => roots.push(i),
        }
    }
    let by_lines = |siblings: &mut Vec<usize>| {
        if siblings.iter().all(|&i| drafts[i].lines.is_some()) {
            siblings.sort_by_key(|&i| drafts[i].lines.map(|(start, _)| start));
        }
    };
    // Volumes keep the order they first appear in; each numbers its lines
    // from 1, so top-level nodes are ordered by line within their volume.
    let mut volumes: Vec<&str> = Vec::new();
    for d in &drafts {
        if !volumes.contains(&d.volume.as_str()) {
            volumes.push(&d.volume);
        }
    }
    let rank = |i: usize| volumes.iter().position(|v| *v == drafts[i].volume);
    let mut grouped: Vec<Vec<usize>> = vec![Vec::new(); volumes.len()];
    for &r in &roots {
        if let Some(v) = rank(r) {
            grouped[v].push(r);
        }
    }
    grouped.iter_mut().for_each(by_lines);
    let roots: Vec<usize> = grouped.into_iter().flatten().collect();

    children.iter_mut().for_each(by_lines);
    let mut sequence = Vec::with_capacity(drafts.len());
    let mut stack: Vec<(usize, i32)> = roots.iter().rev().map(|&r| (r, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        sequence.push((i, depth));
        stack.extend(children[i].iter().rev().map(|&c| (c, depth + 1)));
    }
    let mut new_index = vec![0; drafts.len()];
    for (pos, (i, _)) in sequence.iter().enumerate() {
        new_index[*i] = pos;
    }
    let mut slots: Vec<Option<Draft>> = drafts.into_iter().map(Some).collect();
    let nodes = sequence
        .into_iter()
        .filter_map(|(i, depth)| {
            let d = slots[i].take()?;
            Some(OutlineNode {
                number: d.number,
                title: d.title,
                kind: d.kind,
                volume: d.volume,
                lookup_key: d.lookup_key,
                parent: d.parent.map(|p| new_index[p]),
                depth,
                pages: d.pages,
                lines: d.lines,
            })
        })
        .collect();
    Outline { nodes }
}

fn problem(entry: &OutlineEntry, rule: String) -> OutlineProblem {
    let node = match (entry.number.trim(), entry.title.trim()) {
        ("", "") => "unnamed".to_owned(),
        ("", title) => title.to_owned(),
        (number, _) => number.to_owned(),
    };
    OutlineProblem {
        origin: entry.origin.clone(),
        node,
        rule,
    }
}

#[cfg(test)]
mod tests;
