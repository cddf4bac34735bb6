//! docket as a process of its own (`docket serve`), for what only a
//! process shows: its peak memory, its log.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `docket serve` on a port of its own, killed when dropped.
pub struct Server {
    child: Child,
    pub address: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Server {
    pub fn start(database_url: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("docket.log");
        // DOCKET_TEST_BIN measures another build (a release one, for the
        // figures in docs/performance.md) with the same steps.
        let binary = std::env::var("DOCKET_TEST_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_docket").to_owned());
        let mut command = Command::new(binary);
        command.current_dir(dir.path());
        for (key, _) in std::env::vars() {
            if key.starts_with("DOCKET") || key == "DATABASE_URL" {
                command.env_remove(key);
            }
        }
        let child = command
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("DOCKET__SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("DOCKET__SERVER__WORKERS", "2")
            .env("DOCKET__MAIL__TRANSPORT", "off")
            .env("DOCKET__TRIAGE__RECLUSTER_EVERY_SECS", "0")
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            address: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "docket serve did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// What the server has logged so far (standard error, `info` and up).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }

    /// The process's peak resident set so far, in bytes.
    pub fn peak(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kb * 1024
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
