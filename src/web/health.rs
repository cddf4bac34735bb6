//! `/healthz`, for load balancers and orchestrators (liveness and
//! readiness alike): 200 when this instance can serve, 503 with the reason
//! when not (the database unreachable, its schema missing or behind this
//! version, or it cannot take writes). See `db::health`.

use actix_web::{HttpResponse, web};

use super::AppState;
use crate::db::DbError;
use crate::db::health::{self, Unhealthy};

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.db.backend().to_string();
    let file = state.db.sqlite_file().map(ToOwned::to_owned);
    let probe = state
        .db
        .run(move |conn| Ok::<_, DbError>(health::check(conn, file.as_deref())))
        .await;
    let reason = match probe {
        Ok(Ok(())) => {
            return HttpResponse::Ok()
                .json(serde_json::json!({ "status": "ok", "database": backend }));
        }
        Ok(Err(unhealthy)) => {
            tracing::warn!(reason = %unhealthy, "health check failed");
            reason_of(&unhealthy)
        }
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            "the database does not answer".to_owned()
        }
    };
    HttpResponse::ServiceUnavailable()
        .insert_header((
            actix_web::http::header::RETRY_AFTER,
            super::errors::RETRY_AFTER_SECONDS,
        ))
        .json(serde_json::json!({
            "status": "unavailable",
            "database": backend,
            "reason": reason,
        }))
}

/// The reason as the response says it: the driver's detail goes to the
/// log only (it may name hosts or paths).
fn reason_of(unhealthy: &Unhealthy) -> String {
    match unhealthy {
        Unhealthy::Query(_) => "the database does not answer".to_owned(),
        Unhealthy::Disk(_) => "the database's disk cannot be examined".to_owned(),
        other => other.to_string(),
    }
}
