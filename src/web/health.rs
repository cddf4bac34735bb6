//! `/healthz`: for load balancers. 200 when the database answers, 503 when not.

use actix_web::{HttpResponse, web};
use diesel::connection::SimpleConnection;

use super::AppState;
use crate::db::DbError;

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let backend = state.db.backend().to_string();
    let probe = state
        .db
        .run(|conn| conn.batch_execute("SELECT 1").map_err(DbError::from))
        .await;
    match probe {
        Ok(()) => {
            HttpResponse::Ok().json(serde_json::json!({ "status": "ok", "database": backend }))
        }
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({ "status": "unavailable", "database": backend }))
        }
    }
}
