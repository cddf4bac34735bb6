//! Static files from `static/` (the stylesheet, the few scripts, and htmx 2
//! in `vendor/` with its licence), compiled into the binary with rust-embed,
//! as askama compiles in the templates: one file to deploy, nothing to
//! find on disk.

use actix_web::http::header::{self, EntityTag};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

pub async fn serve(req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let Some(file) = Assets::get(&path) else {
        use actix_web::ResponseError;
        return super::WebError::NotFound(format!("no static file {path}")).error_response();
    };
    let etag = EntityTag::new_strong(hex(&file.metadata.sha256_hash()[..16]));
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains(etag.tag()));
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag.to_string()))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"));
    if fresh {
        return response.finish();
    }
    response
        .content_type(
            mime_guess::from_path(path.as_str())
                .first_or_octet_stream()
                .as_ref(),
        )
        .body(file.data.into_owned())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
