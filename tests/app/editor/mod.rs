//! The editors' side over HTTP, one module per page much as
//! `src/web/editor/` has them: signing in and out, accounts made with
//! `docket user`, the dashboard, queues and their bulk changes, the comment
//! page, "Sections to check", clusters, the disposition table (export and
//! reimport), replies, admins changing the demo document's outline (every
//! change checked, refused whole with 422/409/403, re-tagging comments),
//! editors who may only look, and hostile text rendered inert on every
//! page.

mod accounts;
mod bulk;
pub(crate) mod clusters;
pub(crate) mod comment;
mod dashboard;
mod export;
mod find;
mod outline;
mod ownership;
mod queue;
mod queue_nav;
mod quick;
mod reimport;
mod replies;
mod retag;
mod sign_in;
pub(crate) mod tags;
mod users;
pub(crate) mod xss;

use std::sync::atomic::{AtomicUsize, Ordering};

use docket::db::sections::Section;
use docket::domain::Role;

use crate::helpers::{Multipart, TestApp, attrs, csrf_token, see_other, texts};

/// The demo document `TestApp::spawn` loads, and its outline page.
const DEMO: &str = "nistir-8200";
const OUTLINE: &str = "/editor/d/nistir-8200/outline";
/// Nodes in the demo outline.
const DEMO_NODES: usize = 33;

/// The answer to a form whose token is missing or not this session's.
const CSRF_REFUSED: &str = "This form has expired or was not sent from this site, so nothing was done. \
                            Go back, reload the page and send it again.";

/// An account made for a test, with the password it was made with.
#[derive(Clone, Debug)]
struct Account {
    id: i64,
    email: String,
    password: String,
    name: String,
}

/// Creates an account straight in the database (`docket::auth`), with an
/// address and name no other account of the test has.
fn create_user(app: &TestApp, role: Role) -> Account {
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = format!("{role} {n}");
    let email = format!("{role}.{n}@example.org");
    let password = format!("correct horse battery {n}");
    let user = app
        .with_conn(|conn| docket::auth::create_user(conn, &email, &name, role, &password).unwrap());
    Account {
        id: user.id,
        email,
        password,
        name,
    }
}

/// One browser: its own cookie jar, no redirects followed. `Browser::of`
/// shares the jar of `app.client`; `Browser::new` starts an empty one (a
/// second person).
#[derive(Clone)]
struct Browser {
    address: String,
    client: reqwest::Client,
}

impl Browser {
    fn of(app: &TestApp) -> Self {
        Self {
            address: app.address.clone(),
            client: app.client.clone(),
        }
    }

    fn new(app: &TestApp) -> Self {
        Self {
            address: app.address.clone(),
            client: reqwest::Client::builder()
                // See `TestApp::spawn_with`: no reuse of connections the
                // server may be closing.
                .pool_idle_timeout(std::time::Duration::from_secs(2))
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .build()
                .unwrap(),
        }
    }

    /// A second person whose requests come from `client_address`, as a
    /// trusted proxy on 127.0.0.1 would say in `X-Forwarded-For` (the app
    /// must trust 127.0.0.1: `[limits] trusted_proxies`).
    fn from(app: &TestApp, client_address: &str) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            reqwest::header::HeaderValue::from_str(client_address).unwrap(),
        );
        Self {
            address: app.address.clone(),
            client: reqwest::Client::builder()
                .pool_idle_timeout(std::time::Duration::from_secs(2))
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .default_headers(headers)
                .build()
                .unwrap(),
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap()
    }

    /// GET a page and parse it, asserting the status.
    async fn page(&self, path: &str, status: u16) -> scraper::Html {
        let response = self.get(path).await;
        assert_eq!(response.status().as_u16(), status, "GET {path}");
        html(response).await
    }

    async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    async fn post_multipart(&self, path: &str, form: Multipart) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("content-type", form.content_type())
            .body(form.into_body())
            .send()
            .await
            .unwrap()
    }

    /// Fills in and sends the sign-in form, as a person would: GET
    /// `/login?next=…` for the token, then POST it.
    async fn sign_in(&self, email: &str, password: &str, next: Option<&str>) -> reqwest::Response {
        let path = match next {
            Some(next) => format!("/login?{}", query("next", next)),
            None => "/login".to_owned(),
        };
        let form = self.page(&path, 200).await;
        let csrf = csrf_token(&form);
        let next = attrs(&form, "input[name=next]", "value").remove(0);
        self.post_form(
            "/login",
            &[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", password),
                ("next", next.as_str()),
            ],
        )
        .await
    }

    /// The CSRF token of an editor page (the sign-out form carries it).
    async fn csrf(&self) -> String {
        csrf_token(&self.page("/editor", 200).await)
    }
}

/// A new browser signed in to a new account with `role`.
async fn signed_in(app: &TestApp, role: Role) -> (Browser, Account) {
    let account = create_user(app, role);
    let browser = Browser::new(app);
    let response = browser
        .sign_in(&account.email, &account.password, None)
        .await;
    assert_eq!(see_other(&response), "/editor", "{account:?} signs in");
    (browser, account)
}

/// A response's body, parsed.
async fn html(response: reqwest::Response) -> scraper::Html {
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/html"),
        "{}: {content_type}",
        response.url()
    );
    scraper::Html::parse_document(&response.text().await.unwrap())
}

/// A response with `status` (a refused form), parsed.
async fn refused(response: reqwest::Response, status: u16, what: &str) -> scraper::Html {
    assert_eq!(response.status().as_u16(), status, "{what}");
    html(response).await
}

/// The message of an error page (403, 404 …).
async fn error_message(response: reqwest::Response, status: u16, what: &str) -> String {
    texts(&refused(response, status, what).await, "p.message").join("\n")
}

/// `name=value`, form-urlencoded.
fn query(name: &str, value: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish()
}

/// The demo document's stored outline, in document order.
fn stored(app: &TestApp) -> Vec<Section> {
    app.with_conn(|conn| {
        let demo = docket::db::documents::find_by_slug(conn, DEMO).unwrap();
        docket::db::sections::for_document(conn, demo.id).unwrap()
    })
}

/// The stored node numbered `number` (sections and appendices).
fn node(app: &TestApp, number: &str) -> Section {
    stored(app)
        .into_iter()
        .find(|s| s.number == number && !s.kind.is_float())
        .unwrap_or_else(|| panic!("no node {number} in the stored outline"))
}

/// A digest of everything stored about the outline (ids, parents, numbers,
/// titles, ranges): equal digests mean nothing changed.
fn digest(app: &TestApp) -> String {
    docket::outline::fingerprint(&stored(app))
}

/// The one-time message after a change (`p.notice.saved`).
fn flash(page: &scraper::Html) -> Vec<String> {
    texts(page, "p.notice.saved")
}

/// The errors listed above a refused form.
fn errors(page: &scraper::Html) -> Vec<String> {
    texts(page, ".errors li")
}

/// The fingerprint the forms of a page carry.
fn fingerprint(page: &scraper::Html) -> String {
    let all = attrs(page, "input[name=fingerprint]", "value");
    assert!(!all.is_empty(), "no fingerprint field on the page");
    all[0].clone()
}

/// The form of a page whose `action` is `action`: its fields as sent (text
/// inputs and hidden ones, textareas, and the selected option of selects).
fn form_fields(page: &scraper::Html, action: &str) -> Vec<(String, String)> {
    let form_selector = scraper::Selector::parse(&format!("form[action=\"{action}\"]")).unwrap();
    let form = page
        .select(&form_selector)
        .next()
        .unwrap_or_else(|| panic!("no form posting to {action}"));
    let fields = scraper::Selector::parse("input[name], textarea[name], select[name]").unwrap();
    let selected = scraper::Selector::parse("option[selected]").unwrap();
    form.select(&fields)
        .filter(|e| e.value().attr("type") != Some("file"))
        .map(|e| {
            let name = e.value().attr("name").unwrap().to_owned();
            let value = match e.value().name() {
                "textarea" => e.text().collect(),
                "select" => e
                    .select(&selected)
                    .next()
                    .and_then(|o| o.value().attr("value"))
                    .unwrap_or_default()
                    .to_owned(),
                _ => e.value().attr("value").unwrap_or_default().to_owned(),
            };
            (name, value)
        })
        .collect()
}

/// `form_fields` with some values replaced (or added), ready for
/// `post_form`.
fn filled(fields: &[(String, String)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields = fields.to_vec();
    for (name, value) in changes {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = (*value).to_owned(),
            None => fields.push(((*name).to_owned(), (*value).to_owned())),
        }
    }
    fields
}

/// Borrows `filled`'s pairs for `post_form`.
fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect()
}

/// The value of one field of a form on a page.
fn field(page: &scraper::Html, action: &str, name: &str) -> String {
    form_fields(page, action)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no field {name} in the form posting to {action}"))
}

/// Where a node's edit form is, and where it posts.
fn edit_path(id: i64) -> String {
    format!("{OUTLINE}/{id}/edit")
}

fn save_path(id: i64) -> String {
    format!("{OUTLINE}/{id}")
}

fn delete_path(id: i64) -> String {
    format!("{OUTLINE}/{id}/delete")
}

const ADD_PATH: &str = "/editor/d/nistir-8200/outline/add";
const REPLACE_PATH: &str = "/editor/d/nistir-8200/outline/replace";

impl Browser {
    /// Opens a node's edit form and saves it with `changes`.
    async fn save_node(&self, id: i64, changes: &[(&str, &str)]) -> reqwest::Response {
        let form = self.page(&edit_path(id), 200).await;
        let fields = filled(&form_fields(&form, &save_path(id)), changes);
        self.post_form(&save_path(id), &pairs(&fields)).await
    }

    /// Opens a node's edit form and presses Remove.
    async fn remove_node(&self, id: i64) -> reqwest::Response {
        let form = self.page(&edit_path(id), 200).await;
        let fields = form_fields(&form, &delete_path(id));
        self.post_form(&delete_path(id), &pairs(&fields)).await
    }

    /// Fills in the outline page's "Add a node" form.
    async fn add_node(&self, values: &[(&str, &str)]) -> reqwest::Response {
        let form = self.page(OUTLINE, 200).await;
        let fields = filled(&form_fields(&form, ADD_PATH), values);
        self.post_form(ADD_PATH, &pairs(&fields)).await
    }

    /// Sends the "Replace the outline" form: the page's token, then the
    /// parts `build` adds.
    async fn replace(&self, build: impl FnOnce(Multipart) -> Multipart) -> reqwest::Response {
        let csrf = csrf_token(&self.page(OUTLINE, 200).await);
        self.post_multipart(REPLACE_PATH, build(Multipart::new().text("csrf", &csrf)))
            .await
    }

    /// After a change: the outline page it redirected to, with its flash.
    async fn followed(&self, response: reqwest::Response) -> scraper::Html {
        assert_eq!(see_other(&response), OUTLINE);
        self.page(OUTLINE, 200).await
    }
}
