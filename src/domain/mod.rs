//! Domain types, parsed at the edge (CLI, forms, files) so the rest of the
//! code never handles an unchecked string.

pub mod disposition_word;
mod page;
mod slug;
mod vocab;

pub use page::{PageLabel, PageLabelError};
pub use slug::{Slug, SlugError, TrackingPrefix};
pub use vocab::{Channel, CommentType, Disposition, Role, SectionKind, TagSource, TriageStatus};
