//! The `docket` binary: everything lives in the library; see `docket::cli`.

fn main() -> std::process::ExitCode {
    docket::cli::main()
}
