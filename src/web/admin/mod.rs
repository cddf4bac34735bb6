//! Pages for admins only, under `/admin`.

mod users;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(users::show))
        .route("/admin/users/invite", web::post().to(users::invite))
        .route(
            "/admin/users/{id}/active",
            web::post().to(users::set_active),
        );
}
