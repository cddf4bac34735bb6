//! Building the application: bind, open the database, migrate, seed, serve.
//! Tests call [`Application::build`] with port 0 and run it in the background.
//!
//! Binding comes first, as a port in use is the quickest thing to report.
//! Migrating and seeding run under `migrate::with_bootstrap_lock`, so
//! instances starting together against one database take turns. The
//! background jobs start here too: the mail sender (`mail::outbox`), the
//! sweep of submissions a dead process left arriving, and the re-clustering
//! pass (`triage.recluster_every_secs`). Each instance runs its own; the
//! database decides which one does a given piece of work.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_session::SessionMiddleware;
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use tracing_actix_web::TracingLogger;

use crate::config::Settings;
use crate::db::{self, Db, DbConnection, DbError, migrate};
use crate::demo::{self, DemoOutcome};
use crate::documents::DocumentError;
use crate::jobs;
use crate::mail::{MailError, Mailer};
use crate::web::client::TrustedProxies;
use crate::web::rate_limit::{RateLimits, forget_idle_in_background};
use crate::web::{AppState, RequestSpan, routes};
use secrecy::ExposeSecret;

/// Why docket could not start. Each names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(
        "cannot listen on {addr}: {reason}. Another program (another docket?) may be using it; \
         choose another address with --bind or DOCKET__SERVER__BIND"
    )]
    Bind {
        addr: SocketAddr,
        reason: std::io::Error,
    },
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Migration(#[from] migrate::MigrationError),
    #[error("loading the demo document failed")]
    Demo(#[from] DocumentError),
    #[error("mail is not set up: {0}")]
    Mail(#[from] MailError),
}

/// What start-up did to the database, for the log and for tests.
#[derive(Debug, Default)]
pub struct Prepared {
    pub migrations_applied: Vec<String>,
    pub demo: Option<DemoOutcome>,
}

/// One connection, no pool: for CLI commands, which run one task and exit.
/// (A pool keeps background threads that may still be connecting when the
/// process exits, and libpq does not survive that.)
pub fn connect_once(settings: &Settings) -> Result<DbConnection, StartupError> {
    let url = settings.database_url()?;
    Ok(db::connect(&url, &settings.pool_options().connect).map_err(DbError::from)?)
}

/// Applies pending migrations and, when asked and the database has no
/// document, loads the demo. Instances starting together take turns (see
/// `migrate::with_bootstrap_lock`), so each step runs once.
pub fn prepare_database(
    conn: &mut DbConnection,
    load_demo_when_empty: bool,
) -> Result<Prepared, StartupError> {
    migrate::with_bootstrap_lock(conn, |conn| {
        let migrations_applied = migrate::run_pending(conn)?;
        let keyed = db::pending::key_old_tokens(conn).map_err(DbError::from)?;
        if keyed > 0 {
            tracing::info!(
                keyed,
                "preview and receipt tokens of earlier versions stored as keys"
            );
        }
        crate::submissions::sweep_abandoned(conn, db::now())?;
        let empty = db::documents::count(conn).map_err(DbError::from)? == 0;
        let demo = if load_demo_when_empty && empty {
            Some(demo::load(conn)?)
        } else {
            None
        };
        Ok::<_, StartupError>(Prepared {
            migrations_applied,
            demo,
        })
    })
}

impl From<diesel::result::Error> for StartupError {
    fn from(e: diesel::result::Error) -> Self {
        Self::Database(e.into())
    }
}

/// A bound, ready-to-run server.
pub struct Application {
    addr: SocketAddr,
    server: Server,
    db: Db,
}

impl Application {
    /// Binds first (a port in use is the quickest thing to report), then
    /// opens and prepares the database, then builds the server.
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        let wanted = settings.bind_addr()?;
        let listener = TcpListener::bind(wanted).map_err(|reason| StartupError::Bind {
            addr: wanted,
            reason,
        })?;
        let addr = listener.local_addr().map_err(|reason| StartupError::Bind {
            addr: wanted,
            reason,
        })?;
        // Connecting and migrating block: keep them off the async runtime.
        let url = settings.database_url()?;
        let pool_options = settings.pool_options();
        let demo = settings.demo.load_when_empty;
        let (db, prepared) = actix_web::rt::task::spawn_blocking(move || {
            let db = Db::open(&url, &pool_options)?;
            let prepared = prepare_database(&mut *db.get()?, demo)?;
            Ok::<_, StartupError>((db, prepared))
        })
        .await
        .map_err(|e| DbError::Cancelled(e.to_string()))??;
        if !prepared.migrations_applied.is_empty() {
            tracing::info!(applied = ?prepared.migrations_applied, "database migrated");
        }
        if let Some(DemoOutcome::Loaded { sections }) = prepared.demo {
            tracing::info!(sections, "demo document loaded");
        }
        let mailer = Arc::new(Mailer::new(&settings.mail)?);
        let session_key = settings.session_key()?;
        let outbox = crate::mail::outbox::Wake::default();
        if let Some(poll) = settings.mail.queue_poll() {
            tokio::spawn(crate::mail::outbox::run(
                db.clone(),
                mailer.clone(),
                outbox.clone(),
                settings.mail.retry(),
                poll,
            ));
        }
        let state = AppState {
            db: db.clone(),
            mailer,
            outbox,
            limits: settings.intake.clone(),
            uploads: settings.uploads.clone(),
            client_salt: crate::web::submit::client_salt(&session_key),
            public_url: settings.server.public_url.trim_end_matches('/').to_owned(),
            downloads: crate::web::stream::Downloads::default(),
            reply_runs: crate::jobs::reply_mail::ReplyRuns::default(),
            rate_limits: Arc::new(RateLimits::new(
                &settings.limits,
                TrustedProxies::new(settings.limits.trusted_proxies()?),
            )),
        };
        tokio::spawn(forget_idle_in_background(state.rate_limits.clone()));
        start_jobs(&db, settings.triage.recluster_every());
        let session = SessionConfig {
            key: session_key,
            secure: settings.secure_cookies(),
        };
        if settings.server.secret_key.expose_secret().trim().is_empty() {
            tracing::warn!(
                "server.secret_key is not set: forms open across a restart must be sent again, and instances behind one load balancer would not accept each other's forms"
            );
        }
        let server = serve(listener, addr, state, session, settings.server.workers)?;
        Ok(Self { addr, server, db })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Runs until Ctrl-C / SIGTERM (actix-web handles the signals).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// The server future, for tests that drive it themselves.
    pub fn into_server(self) -> Server {
        self.server
    }
}

/// How often the submissions a dead process left arriving are looked for.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// Starts the periodic jobs (`jobs`): the sweep of submissions stored
/// half-way, and the re-clustering of documents that received comments
/// (every `recluster`, if set).
fn start_jobs(db: &Db, recluster: Option<std::time::Duration>) {
    tokio::spawn(jobs::every(
        db.clone(),
        "sweep of submissions stored half-way",
        SWEEP_EVERY,
        |conn| crate::submissions::sweep_abandoned(conn, db::now()),
        |_removed| {},
    ));
    if let Some(period) = recluster {
        tokio::spawn(jobs::every(
            db.clone(),
            "re-clustering",
            period,
            |conn| crate::triage::similar::recluster_stale(conn, db::now()),
            |done| {
                for (document_id, report) in done {
                    tracing::info!(
                        document_id,
                        clusters = report.clusters,
                        clustered = report.clustered,
                        changed = report.changed,
                        "re-clustered"
                    );
                }
            },
        ));
    }
}

/// How session cookies are signed and flagged.
struct SessionConfig {
    key: Key,
    secure: bool,
}

fn serve(
    listener: TcpListener,
    addr: SocketAddr,
    state: AppState,
    session: SessionConfig,
    workers: usize,
) -> Result<Server, StartupError> {
    let upload_limit = state.limits.max_file_bytes;
    let state = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(crate::web::nul::refuse_nul))
            .wrap(
                SessionMiddleware::builder(CookieSessionStore::default(), session.key.clone())
                    .cookie_name("docket_session".to_owned())
                    .cookie_secure(session.secure)
                    .cookie_http_only(true)
                    .cookie_same_site(SameSite::Strict)
                    .build(),
            )
            .wrap(security_headers())
            .wrap(from_fn(crate::web::telemetry_request_id_header))
            .wrap(TracingLogger::<RequestSpan>::new())
            .app_data(state.clone())
            .app_data(crate::web::submit::multipart_config(upload_limit))
            .app_data(crate::web::form_config())
            .app_data(crate::web::query_config())
            .configure(routes)
    });
    if workers > 0 {
        server = server.workers(workers);
    }
    Ok(server
        .listen(listener)
        .map_err(|reason| StartupError::Bind { addr, reason })?
        .run())
}

/// Conservative defaults: no framing, no sniffing, same-origin everything.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ))
}
