//! Per-client-address rate limits on what anyone may send without an
//! account: sign-in attempts, uploads (`POST /d/{slug}/submit`), confirmed
//! uploads (each sends a receipt e-mail, so unlimited ones would make
//! docket a spam relay) and API submissions. Each has a per-minute and a
//! per-hour budget (`[limits]` in `config/default.toml`); a request over
//! either gets 429 with `Retry-After` and a page (or JSON) saying when to
//! try again. Nothing is stored for a refused request.
//!
//! The counts live in this process's memory (GCRA cells from `governor`,
//! keyed by [`ClientAddr::key`]): with several docket instances behind a
//! load balancer, each counts on its own, so a client may get up to that
//! many times the budget. A restart forgets them.
//!
//! A limit is a handler argument, [`Limited<K>`]; put it first, so it is
//! checked before the body is read.

use std::marker::PhantomData;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::client::{ClientAddr, TrustedProxies};
use super::{ApiError, AppState, WebError};
use crate::auth::throttle::SignInPauses;
use crate::config::LimitSettings;

/// One kind of request's budgets: per minute and per hour.
struct Budget {
    per_minute: DefaultKeyedRateLimiter<IpAddr>,
    per_hour: DefaultKeyedRateLimiter<IpAddr>,
    clock: DefaultClock,
}

impl Budget {
    fn new(per_minute: u32, per_hour: u32) -> Self {
        // The settings refuse 0; 1 is only a fallback for the type's sake.
        let at_least_one = |n: u32| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Self {
            per_minute: RateLimiter::keyed(Quota::per_minute(at_least_one(per_minute))),
            per_hour: RateLimiter::keyed(Quota::per_hour(at_least_one(per_hour))),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one request from `key`'s budgets, or says how long to wait.
    fn take(&self, key: IpAddr) -> Result<(), Duration> {
        let now = self.clock.now();
        self.per_minute
            .check_key(&key)
            .and_then(|()| self.per_hour.check_key(&key))
            .map_err(|not_until| not_until.wait_time_from(now))
    }

    fn forget_idle(&self) {
        for limiter in [&self.per_minute, &self.per_hour] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// Which budget a [`Limited`] argument takes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    SignIn,
    Upload,
    Confirm,
    ApiSubmit,
}

impl Limit {
    fn refusal(self, wait: Duration) -> WebError {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let secs = secs.max(1);
        let when = if secs < 120 {
            format!("{secs} seconds")
        } else {
            format!("{} minutes", secs.div_ceil(60))
        };
        let message = match self {
            Self::SignIn => {
                format!("Too many sign-in attempts came from your network. Try again in {when}.")
            }
            Self::Upload => format!(
                "Too many submissions came from your network, so this one was not read and nothing was stored. \
                 Try again in {when}."
            ),
            Self::Confirm => format!(
                "Too many submissions were confirmed from your network, so this one was not stored yet. \
                 Try again in {when}: the preview keeps until then."
            ),
            Self::ApiSubmit => format!(
                "too many submissions came from your network: try again in {when}. Nothing was stored"
            ),
        };
        WebError::TooManyRequests {
            message,
            retry_after: secs,
        }
    }
}

/// Every limit of this instance, and the trusted proxies that decide
/// whose address a request counts under.
pub struct RateLimits {
    proxies: TrustedProxies,
    sign_in: Budget,
    upload: Budget,
    confirm: Budget,
    api_submit: Budget,
    /// Sign-in pauses after failed passwords (per address and account).
    pub sign_in_pauses: SignInPauses,
}

impl RateLimits {
    pub fn new(settings: &LimitSettings, proxies: TrustedProxies) -> Self {
        let s = settings;
        Self {
            proxies,
            sign_in: Budget::new(s.sign_in_per_minute, s.sign_in_per_hour),
            upload: Budget::new(s.upload_per_minute, s.upload_per_hour),
            confirm: Budget::new(s.confirm_per_minute, s.confirm_per_hour),
            api_submit: Budget::new(s.api_submit_per_minute, s.api_submit_per_hour),
            sign_in_pauses: SignInPauses::default(),
        }
    }

    pub fn proxies(&self) -> &TrustedProxies {
        &self.proxies
    }

    /// Takes one `limit` request from `client`, or refuses it (429).
    pub fn take(&self, limit: Limit, client: ClientAddr) -> Result<(), WebError> {
        let budget = match limit {
            Limit::SignIn => &self.sign_in,
            Limit::Upload => &self.upload,
            Limit::Confirm => &self.confirm,
            Limit::ApiSubmit => &self.api_submit,
        };
        budget
            .take(client.key())
            .map_err(|wait| limit.refusal(wait))
    }

    /// Drops the state of clients whose budgets are full again, so memory
    /// follows the clients of the last hour, not of all time.
    pub fn forget_idle(&self) {
        for budget in [&self.sign_in, &self.upload, &self.confirm, &self.api_submit] {
            budget.forget_idle();
        }
        self.sign_in_pauses
            .forget_idle(time::OffsetDateTime::now_utc());
    }
}

/// Runs [`RateLimits::forget_idle`] every minute, for as long as the
/// process runs.
pub async fn forget_idle_in_background(limits: Arc<RateLimits>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        limits.forget_idle();
    }
}

/// A kind of limited request, as a type for [`Limited`].
pub trait Kind {
    const LIMIT: Limit;
}

macro_rules! kinds {
    ($($(#[$doc:meta])* $name:ident),*) => {$(
        $(#[$doc])*
        pub struct $name;
        impl Kind for $name {
            const LIMIT: Limit = Limit::$name;
        }
    )*};
}

kinds!(
    /// `POST /login`.
    SignIn,
    /// `POST /d/{slug}/submit`.
    Upload,
    /// `POST /d/{slug}/submit/{token}/confirm`.
    Confirm,
    /// `POST /api/v1/documents/{slug}/submissions` without a token: an
    /// editor's script with a token is not limited (a wrong token is 401).
    ApiSubmit
);

/// A handler argument that takes one request of kind `K` from the
/// client's budgets, refusing the request (429) when they are spent.
pub struct Limited<K: Kind>(PhantomData<K>);

impl<K: Kind> FromRequest for Limited<K> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(check::<K>(req))
    }
}

fn check<K: Kind>(req: &HttpRequest) -> Result<Limited<K>, actix_web::Error> {
    let api = req.path().starts_with("/api/");
    let exempt = K::LIMIT == Limit::ApiSubmit
        && req
            .headers()
            .contains_key(actix_web::http::header::AUTHORIZATION);
    let state = req.app_data::<web::Data<AppState>>();
    let outcome = match state {
        Some(state) if !exempt => state.rate_limits.take(K::LIMIT, ClientAddr::of(req)),
        _ => Ok(()),
    };
    match outcome {
        Ok(()) => Ok(Limited(PhantomData)),
        Err(error) if api => Err(ApiError(error).into()),
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(per_minute: u32, per_hour: u32) -> LimitSettings {
        LimitSettings {
            trusted_proxies: Vec::new(),
            sign_in_per_minute: per_minute,
            sign_in_per_hour: per_hour,
            upload_per_minute: per_minute,
            upload_per_hour: per_hour,
            confirm_per_minute: per_minute,
            confirm_per_hour: per_hour,
            api_submit_per_minute: per_minute,
            api_submit_per_hour: per_hour,
        }
    }

    fn client(s: &str) -> ClientAddr {
        ClientAddr(s.parse().unwrap())
    }

    #[test]
    fn each_client_and_kind_has_its_own_budget() {
        let limits = RateLimits::new(&settings(2, 100), TrustedProxies::default());
        let a = client("198.51.100.1");
        assert!(limits.take(Limit::Upload, a).is_ok());
        assert!(limits.take(Limit::Upload, a).is_ok());
        let Err(WebError::TooManyRequests {
            message,
            retry_after,
        }) = limits.take(Limit::Upload, a)
        else {
            panic!("the third upload in a minute is refused");
        };
        assert!((1..=60).contains(&retry_after), "{retry_after}");
        assert!(message.contains("Try again in"), "{message}");
        // Another kind, another client: untouched.
        assert!(limits.take(Limit::Confirm, a).is_ok());
        assert!(limits.take(Limit::Upload, client("198.51.100.2")).is_ok());
        // One IPv6 /64 is one client.
        assert!(limits.take(Limit::SignIn, client("2001:db8::1")).is_ok());
        assert!(limits.take(Limit::SignIn, client("2001:db8::2")).is_ok());
        assert!(limits.take(Limit::SignIn, client("2001:db8::3")).is_err());
    }

    #[test]
    fn the_hourly_budget_holds_when_the_minute_one_is_fresh() {
        let limits = RateLimits::new(&settings(10, 3), TrustedProxies::default());
        let a = client("198.51.100.1");
        for _ in 0..3 {
            assert!(limits.take(Limit::ApiSubmit, a).is_ok());
        }
        let Err(WebError::TooManyRequests { retry_after, .. }) = limits.take(Limit::ApiSubmit, a)
        else {
            panic!("the fourth in an hour is refused");
        };
        assert!(retry_after > 60 && retry_after <= 1200, "{retry_after}");
    }
}
