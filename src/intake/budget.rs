//! The memory one file may take while it is read.
//!
//! A file's size says little about what it unpacks to: a 2 MB XLSX can
//! claim 400,000 rows, a 786-byte ODS 12.8 million cells. Every reader
//! charges what it is about to hold (rows as they are kept, a workbook's
//! shared strings and calamine's cell grids before they are built) to one
//! budget per file, `read_memory_floor` plus `read_memory_ratio` times the
//! file's size, and the file is refused the moment the budget is spent, so
//! memory follows the file's real size, whatever it claims.
//!
//! What is charged is what the readers keep; the comments mapped from the
//! rows afterwards hold no more text than the rows did, so a file's whole
//! reading stays within about twice the budget.

use super::IntakeError;
use super::grid::SheetRow;
use super::limits::Limits;

/// What one file's readers have kept so far: bytes, and rows of all its
/// sheets together (the row limit is per file, not per sheet).
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    spent: u64,
    file_bytes: u64,
    rows: usize,
    /// `max_rows` comment rows, plus the rows above each sheet's header.
    row_cap: usize,
    max_rows: usize,
}

impl Budget {
    pub fn for_file(file_bytes: usize, limits: &Limits) -> Self {
        let file_bytes = file_bytes as u64;
        Self {
            limit: limits
                .read_memory_floor
                .saturating_add(limits.read_memory_ratio.saturating_mul(file_bytes)),
            spent: 0,
            file_bytes,
            rows: 0,
            row_cap: limits.max_rows,
            max_rows: limits.max_rows,
        }
    }

    /// A sheet begins: its name and place, and room for the rows above its
    /// header (titles, instructions) besides the file's comment rows.
    pub fn start_sheet(&mut self, name: Option<&str>) -> Result<(), IntakeError> {
        self.row_cap = self
            .row_cap
            .saturating_add(super::header::SEARCH_ROWS as usize);
        self.charge_bytes(std::mem::size_of::<super::grid::Sheet>() + name.map_or(0, str::len))
    }

    /// Charges a row about to be kept, or refuses the file when it has too
    /// many rows or they take too much memory.
    pub fn keep(&mut self, row: &SheetRow) -> Result<(), IntakeError> {
        self.count_row()?;
        self.charge_bytes(row.footprint())
    }

    /// [`Self::keep`] for a row whose cells were charged as they were read
    /// (`RowText::push`): a single row can hold a whole budget.
    pub fn keep_charged(&mut self) -> Result<(), IntakeError> {
        self.count_row()?;
        self.charge_bytes(std::mem::size_of::<SheetRow>())
    }

    fn count_row(&mut self) -> Result<(), IntakeError> {
        self.rows += 1;
        if self.rows > self.row_cap {
            return Err(IntakeError::TooManyRows {
                rows: None,
                limit: self.max_rows,
            });
        }
        Ok(())
    }

    /// Counts `bytes` more, or refuses the file when they do not fit.
    pub fn charge(&mut self, bytes: u64) -> Result<(), IntakeError> {
        self.spent = self.spent.saturating_add(bytes);
        if self.spent > self.limit {
            return Err(IntakeError::TooMuchContent {
                file_bytes: self.file_bytes,
                limit: self.limit,
            });
        }
        Ok(())
    }

    /// [`Self::charge`] for an in-memory size.
    pub fn charge_bytes(&mut self, bytes: usize) -> Result<(), IntakeError> {
        self.charge(bytes as u64)
    }

    #[cfg(test)]
    pub fn spent(&self) -> u64 {
        self.spent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_grows_with_the_file_and_refuses_past_it() {
        let limits = Limits {
            read_memory_floor: 100,
            read_memory_ratio: 4,
            ..Limits::default()
        };
        let mut budget = Budget::for_file(10, &limits);
        assert_eq!(budget.charge(140), Ok(()));
        assert_eq!(
            budget.charge(1),
            Err(IntakeError::TooMuchContent {
                file_bytes: 10,
                limit: 140
            })
        );
        // Without a budget (files docket stored itself), nothing is refused.
        let mut free = Budget::for_file(10, &limits.without_memory_budget());
        assert_eq!(free.charge(u64::MAX / 2), Ok(()));
    }
}
