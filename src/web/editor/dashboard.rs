//! `/editor/d/{slug}`: how far the triage of a document has come. A table
//! of the outline in document order, each node with its own counts (not
//! rolled up) by status and type, what still needs a hand, and a progress
//! bar; a "General / no section" row and the totals; above it, an SVG chart
//! with one stacked bar per top-level node that has comments (its
//! descendants rolled up into it), then one for General if it has any.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

use super::{Chrome, SignedIn};
use crate::db::sections::OutlineTree;
use crate::db::{self, progress::Counts};
use crate::documents::{self, DocumentError};
use crate::web::{AppState, WebError, format};

#[derive(Template, WebTemplate)]
#[template(path = "editor/dashboard.html")]
pub struct DashboardPage {
    chrome: Chrome,
    slug: String,
    title: String,
    period: String,
    submissions: i64,
    rows: Vec<Row>,
    general: Row,
    totals: Row,
    chart: Chart,
}

/// One line of the table: an outline node, General, or the totals.
struct Row {
    /// `s{id}` for outline nodes, so each row can be found; else empty.
    anchor: String,
    /// The queue of this row: a node id, or `general`.
    queue: String,
    label: String,
    /// The label, or the title of unnumbered front matter (for the
    /// progress bar's accessible name).
    name: String,
    title: String,
    depth: i32,
    counts: Counts,
    progress: Progress,
}

impl Row {
    /// The General row or the totals: no outline node behind it.
    fn summary(name: &str, counts: Counts) -> Self {
        Self {
            anchor: String::new(),
            queue: "general".to_owned(),
            label: name.to_owned(),
            name: name.to_owned(),
            title: String::new(),
            depth: 0,
            progress: Progress::of(&counts),
            counts,
        }
    }
}

/// `done` of `of` comments answered, and the whole percent reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Progress {
    done: i64,
    of: i64,
    /// `None` when nothing needs an answer (no comments, or all withdrawn).
    percent: Option<i64>,
}

impl Progress {
    fn of(counts: &Counts) -> Self {
        let (done, of) = (counts.done(), counts.of());
        Self {
            done,
            of,
            percent: percent(done, of),
        }
    }

    /// `75%`, or a dash when there is nothing to answer.
    fn percent_text(&self) -> String {
        self.percent
            .map_or_else(|| "–".to_owned(), |p| format!("{p}%"))
    }
}

/// Whole percent, rounded down, so 100% means every comment is answered.
fn percent(done: i64, of: i64) -> Option<i64> {
    (of > 0).then(|| (done.clamp(0, of) * 100) / of)
}

/// The chart's geometry in SVG user units (the `viewBox`); CSS scales it.
const CHART_WIDTH: i64 = 800;
const LABEL_WIDTH: i64 = 270;
const BAR_WIDTH: i64 = 400;
const ROW_HEIGHT: i64 = 26;
const BAR_HEIGHT: i64 = 16;
/// The legend's band above the bars.
const LEGEND_HEIGHT: i64 = 30;
/// Longer labels are cut (SVG text does not wrap); the bar's tooltip and
/// the table carry them whole.
const LABEL_CHARS: usize = 38;

struct Chart {
    width: i64,
    height: i64,
    /// Where bars start, how long the longest is, how tall each is.
    bar_x: i64,
    bar_width: i64,
    bar_height: i64,
    legend: Vec<Swatch>,
    bars: Vec<Bar>,
}

/// One entry of the legend: a square of the segment's colour and its name.
struct Swatch {
    kind: &'static str,
    name: &'static str,
    fill: &'static str,
    x: i64,
    text_x: i64,
}

struct Bar {
    /// Top of the bar.
    y: i64,
    /// Baseline of its texts.
    text_y: i64,
    label: String,
    /// The whole label and the counts, for the tooltip.
    tooltip: String,
    segments: Vec<Segment>,
    /// `3/4 (75%)` beside the bar.
    summary: String,
    summary_x: i64,
}

#[derive(Debug, PartialEq, Eq)]
struct Segment {
    /// `new`, `in-review` or `done`: the CSS class and the legend's colour.
    kind: &'static str,
    x: i64,
    width: i64,
    fill: &'static str,
}

/// The segments' colours, as SVG `fill` presentation attributes (the CSP
/// forbids inline `style`) and in the legend.
const LEGEND: [(&str, &str, &str); 3] = [
    ("new", "New", "#c9a227"),
    ("in-review", "In review", "#1f5fa8"),
    ("done", "Resolved or published", "#3a7d44"),
];

impl Chart {
    fn new(groups: Vec<(String, Counts)>) -> Self {
        // Every bar on one scale: the longest is the group with the most
        // comments needing an answer.
        let scale = groups.iter().map(|(_, c)| c.of()).max().unwrap_or(0);
        let bars: Vec<Bar> = groups
            .into_iter()
            .enumerate()
            .map(|(i, (label, counts))| {
                let y = LEGEND_HEIGHT + ROW_HEIGHT * i as i64;
                let progress = Progress::of(&counts);
                Bar {
                    y,
                    text_y: y + BAR_HEIGHT - 3,
                    tooltip: format!(
                        "{label}: {} new, {} in review, {} resolved or published, {} withdrawn",
                        counts.new,
                        counts.in_review,
                        counts.done(),
                        counts.withdrawn
                    ),
                    label: shorten(&label, LABEL_CHARS),
                    segments: segments(&counts, scale),
                    summary: format!(
                        "{}/{} ({})",
                        progress.done,
                        progress.of,
                        progress.percent_text()
                    ),
                    summary_x: LABEL_WIDTH + BAR_WIDTH + 8,
                }
            })
            .collect();
        Self {
            width: CHART_WIDTH,
            height: LEGEND_HEIGHT + ROW_HEIGHT * bars.len() as i64,
            bar_x: LABEL_WIDTH,
            bar_width: BAR_WIDTH,
            bar_height: BAR_HEIGHT,
            legend: LEGEND
                .iter()
                .zip(0..)
                .map(|(&(kind, name, fill), i)| Swatch {
                    kind,
                    name,
                    fill,
                    x: LABEL_WIDTH + 160 * i,
                    text_x: LABEL_WIDTH + 160 * i + 18,
                })
                .collect(),
            bars,
        }
    }
}

/// The new / in review / done segments of one bar, `scale` comments being
/// [`BAR_WIDTH`] long. Edges are rounded from the running sums, so the
/// segments always add up to the bar; empty ones are left out.
fn segments(counts: &Counts, scale: i64) -> Vec<Segment> {
    let edge = |n: i64| {
        if scale <= 0 {
            0
        } else {
            (n.clamp(0, scale) * BAR_WIDTH + scale / 2) / scale
        }
    };
    let mut sum = 0;
    [counts.new, counts.in_review, counts.done()]
        .into_iter()
        .zip(LEGEND)
        .filter_map(|(n, (kind, _, fill))| {
            let start = edge(sum);
            sum += n;
            let width = edge(sum) - start;
            (width > 0).then_some(Segment {
                kind,
                x: LABEL_WIDTH + start,
                width,
                fill,
            })
        })
        .collect()
}

fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(chars.saturating_sub(1)).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

pub async fn show(
    who: SignedIn,
    session: Session,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<DashboardPage, WebError> {
    let slug = slug.into_inner();
    let (document, sections, counted, submissions) = state
        .db
        .run(move |conn| {
            let document = documents::find(conn, &slug)?;
            let sections = db::sections::for_document(conn, document.id)?;
            let counted = db::progress::by_section(conn, document.id)?;
            let submissions = db::submissions::count_for_document(conn, document.id)?;
            Ok::<_, DocumentError>((document, sections, counted, submissions))
        })
        .await?;
    let by_id: HashMap<Option<i64>, Counts> = counted.into_iter().collect();
    let counts_of = |id: Option<i64>| by_id.get(&id).copied().unwrap_or_default();

    let mut totals = Counts::default();
    for c in by_id.values() {
        totals += *c;
    }
    let rows: Vec<Row> = sections
        .iter()
        .map(|s| {
            let counts = counts_of(Some(s.id));
            Row {
                anchor: format!("s{}", s.id),
                queue: s.id.to_string(),
                label: s.cited(),
                name: documents::name_of(s),
                title: s.title.clone(),
                depth: s.depth.clamp(0, 6),
                progress: Progress::of(&counts),
                counts,
            }
        })
        .collect();

    // The chart: top-level nodes with their descendants rolled up. Counts
    // for a node no longer in the outline (removed while the page loaded)
    // are left out of the chart, but not of the totals.
    let tree = OutlineTree::new(&sections);
    let mut rolled: HashMap<i64, Counts> = HashMap::new();
    for s in &sections {
        if let (Some(c), Some(t)) = (by_id.get(&Some(s.id)), tree.top(s.id)) {
            *rolled.entry(t).or_default() += *c;
        }
    }
    let general = counts_of(None);
    let mut groups: Vec<(String, Counts)> = sections
        .iter()
        .filter_map(|s| {
            let c = rolled.get(&s.id).filter(|c| c.total > 0)?;
            // Unnumbered front matter has no label: its title alone.
            let label = format!("{} {}", s.cited(), s.title);
            Some((label.trim().to_owned(), *c))
        })
        .collect();
    if general.total > 0 {
        groups.push((GENERAL.to_owned(), general));
    }

    Ok(DashboardPage {
        chrome: Chrome::new(&who, &session)?,
        period: format::period(document.opens_on, document.closes_on),
        submissions,
        rows,
        general: Row::summary(GENERAL, general),
        totals: Row::summary("Total", totals),
        chart: Chart::new(groups),
        slug: document.slug,
        title: document.title,
    })
}

const GENERAL: &str = "General / no section";

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(new: i64, in_review: i64, resolved: i64, withdrawn: i64) -> Counts {
        Counts {
            total: new + in_review + resolved + withdrawn,
            new,
            in_review,
            resolved,
            withdrawn,
            ..Counts::default()
        }
    }

    #[test]
    fn percent_rounds_down_and_needs_something_to_answer() {
        assert_eq!(percent(0, 0), None);
        assert_eq!(percent(0, 3), Some(0));
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(66));
        assert_eq!(percent(199, 200), Some(99));
        assert_eq!(percent(3, 3), Some(100));
        let all_withdrawn = Progress::of(&counts(0, 0, 0, 2));
        assert_eq!(
            (all_withdrawn.of, all_withdrawn.percent_text()),
            (0, "–".to_owned())
        );
        assert_eq!(Progress::of(&counts(1, 0, 3, 1)).percent_text(), "75%");
    }

    #[test]
    fn segments_add_up_to_the_bar_and_skip_empty_ones() {
        let full = segments(&counts(1, 1, 1, 5), 3);
        let widths: Vec<i64> = full.iter().map(|s| s.width).collect();
        assert_eq!(widths.iter().sum::<i64>(), BAR_WIDTH);
        assert_eq!(widths, [133, 134, 133]);
        assert_eq!(full[0].x, LABEL_WIDTH);
        assert_eq!(full[1].x, LABEL_WIDTH + 133);
        assert_eq!(full[2].x, LABEL_WIDTH + 267);

        // Half the scale: half the length; no in-review segment.
        let half = segments(&counts(2, 0, 1, 0), 6);
        assert_eq!(
            half.iter().map(|s| (s.kind, s.width)).collect::<Vec<_>>(),
            [("new", 133), ("done", 67)]
        );
        assert!(segments(&counts(0, 0, 0, 4), 0).is_empty());
        assert!(segments(&Counts::default(), 10).is_empty());
    }

    #[test]
    fn the_chart_stacks_one_bar_per_group() {
        let chart = Chart::new(vec![
            ("5 IoT Applications".to_owned(), counts(1, 1, 0, 0)),
            (GENERAL.to_owned(), counts(0, 0, 1, 1)),
        ]);
        assert_eq!(chart.height, LEGEND_HEIGHT + 2 * ROW_HEIGHT);
        assert_eq!(chart.bars[1].y, LEGEND_HEIGHT + ROW_HEIGHT);
        assert_eq!(chart.bars[0].summary, "0/2 (0%)");
        assert_eq!(chart.bars[1].summary, "1/1 (100%)");
        assert_eq!(chart.bars[1].segments[0].width, BAR_WIDTH / 2);
        assert!(Chart::new(Vec::new()).bars.is_empty());
    }

    #[test]
    fn long_labels_are_cut_on_characters() {
        assert_eq!(shorten("5 Short", 10), "5 Short");
        assert_eq!(shorten("ééééé ééééé", 7), "ééééé…");
        assert_eq!(shorten("abcdefghij", 10), "abcdefghij");
        assert_eq!(shorten("abcdefghijk", 10), "abcdefghi…");
    }
}
