//! How much one file may hold. Checked before and while reading, so an
//! oversized or hostile file is refused before it costs memory.

use serde::Deserialize;

/// Intake limits (`[intake]` in the configuration; `docket import` can raise
/// them for one run).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Most comment rows in one file (all sheets together).
    pub max_rows: usize,
    /// Rightmost column that may hold a value.
    pub max_columns: usize,
    /// Most bytes an XLSX/ODS archive may unpack to, all entries together.
    pub max_uncompressed_bytes: u64,
    /// Highest compression ratio of one archive entry larger than 1 MiB.
    /// Real workbooks stay far below 100; zip bombs are in the thousands.
    pub max_compression_ratio: u64,
    /// Memory one file may take while it is read, in bytes: this floor
    /// plus `read_memory_ratio` times the file's size (see `budget`).
    pub read_memory_floor: u64,
    /// Bytes of cells and text read per byte of file, at most.
    pub read_memory_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 50 * 1024 * 1024,
            max_rows: 200_000,
            max_columns: 64,
            max_uncompressed_bytes: 1024 * 1024 * 1024,
            max_compression_ratio: 100,
            read_memory_floor: 8 * 1024 * 1024,
            read_memory_ratio: 12,
        }
    }
}

impl Limits {
    /// These limits without the memory budget: for files docket stored
    /// itself (accepted under the limits of their day) and the benchmark.
    pub fn without_memory_budget(self) -> Self {
        Self {
            read_memory_floor: u64::MAX,
            ..self
        }
    }
}
