//! Sign-in pauses after failed passwords, per client address *and* e-mail
//! address typed.
//!
//! [`MAX_FAILURES`] attempts in a row with one e-mail address from one
//! client address (an IPv6 /64 counts as one, see `web::client`) pause
//! sign-in for that pair for [`LOCK_FOR`]; a success clears the count.
//! Only the pair is paused: someone guessing an admin's password from their
//! own network cannot keep the admin out, who signs in from another. Guesses
//! across many accounts from one address are bounded by the per-address
//! sign-in budget (`web::rate_limit`), which is counted before this.
//!
//! The pair is keyed by the address *typed*, whether or not an account has
//! it, so an unknown address is paused exactly like a real one, with the
//! same status (429) and words: the pause tells nobody which addresses
//! have accounts. Attempts are counted before the password is checked, so
//! guesses sent in parallel each count.
//!
//! The counts live in this process's memory: each docket instance keeps
//! its own, and a restart forgets them. (The `users.failed_logins` and
//! `users.locked_until` columns of earlier versions are no longer written
//! on a failure: a write only for real accounts made them answer slower.)

use std::collections::HashMap;
use std::net::IpAddr;

use parking_lot::Mutex;
use time::{Duration, OffsetDateTime};

/// Attempts in a row, from one client address with one e-mail address,
/// before sign-in pauses for that pair.
pub const MAX_FAILURES: u32 = 5;
/// How long a pause lasts.
pub const LOCK_FOR: Duration = Duration::minutes(15);
/// Pairs remembered at most; beyond, those not paused are forgotten first,
/// so a flood of made-up addresses cannot exhaust memory.
const MAX_PAIRS: usize = 100_000;
/// Longest e-mail address kept as a key (RFC 5321's limit on a path).
const MAX_EMAIL_BYTES: usize = 256;

/// Whether an attempt may go on to the password check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Go,
    /// Paused until then: answer without checking the password.
    Paused(OffsetDateTime),
}

#[derive(Debug, Default, Clone, Copy)]
struct Pair {
    /// Attempts since the last success or the end of the last pause.
    attempts: u32,
    paused_until: Option<OffsetDateTime>,
    last: Option<OffsetDateTime>,
}

/// The pauses of this process (see the module doc).
#[derive(Debug, Default)]
pub struct SignInPauses {
    pairs: Mutex<HashMap<(IpAddr, String), Pair>>,
}

/// The e-mail address as looked up: trimmed, lowercased, bounded.
fn email_key(email: &str) -> String {
    let mut key = email.trim().to_lowercase();
    if key.len() > MAX_EMAIL_BYTES {
        let mut end = MAX_EMAIL_BYTES;
        while !key.is_char_boundary(end) {
            end -= 1;
        }
        key.truncate(end);
    }
    key
}

impl SignInPauses {
    /// Counts an attempt from `client` with `email`, before its password is
    /// checked; refuses it when the pair is paused.
    pub fn admit(&self, client: IpAddr, email: &str, now: OffsetDateTime) -> Admission {
        let mut pairs = self.pairs.lock();
        if pairs.len() >= MAX_PAIRS {
            prune(&mut pairs, now);
        }
        let pair = pairs.entry((client, email_key(email))).or_default();
        match pair.paused_until {
            Some(until) if until > now => return Admission::Paused(until),
            Some(_) => *pair = Pair::default(),
            None => {}
        }
        pair.attempts += 1;
        pair.last = Some(now);
        if pair.attempts > MAX_FAILURES {
            // More guesses were under way at once than were allowed.
            let until = now + LOCK_FOR;
            pair.paused_until = Some(until);
            return Admission::Paused(until);
        }
        Admission::Go
    }

    /// Records a wrong password (or unknown address); returns when the
    /// pause this failure starts ends, if it starts one.
    pub fn failed(
        &self,
        client: IpAddr,
        email: &str,
        now: OffsetDateTime,
    ) -> Option<OffsetDateTime> {
        let mut pairs = self.pairs.lock();
        let pair = pairs.entry((client, email_key(email))).or_default();
        if let Some(until) = pair.paused_until.filter(|until| *until > now) {
            return Some(until);
        }
        (pair.attempts >= MAX_FAILURES).then(|| {
            let until = now + LOCK_FOR;
            pair.paused_until = Some(until);
            until
        })
    }

    /// A successful sign-in starts the pair's count again.
    pub fn succeeded(&self, client: IpAddr, email: &str) {
        self.pairs.lock().remove(&(client, email_key(email)));
    }

    /// Forgets pairs neither paused nor tried within [`LOCK_FOR`].
    pub fn forget_idle(&self, now: OffsetDateTime) {
        let mut pairs = self.pairs.lock();
        let before = now - LOCK_FOR;
        pairs.retain(|_, pair| {
            pair.paused_until.is_some_and(|until| until > now)
                || pair.last.is_some_and(|last| last > before)
        });
        pairs.shrink_to_fit();
    }
}

/// Makes room: idle pairs go first, then every pair not paused.
fn prune(pairs: &mut HashMap<(IpAddr, String), Pair>, now: OffsetDateTime) {
    let before = now - LOCK_FOR;
    pairs.retain(|_, pair| {
        pair.paused_until.is_some_and(|until| until > now)
            || pair.last.is_some_and(|last| last > before)
    });
    if pairs.len() >= MAX_PAIRS {
        pairs.retain(|_, pair| pair.paused_until.is_some_and(|until| until > now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// One attempt that fails: whether it ends paused.
    fn fail(pauses: &SignInPauses, client: IpAddr, email: &str, now: OffsetDateTime) -> bool {
        match pauses.admit(client, email, now) {
            Admission::Paused(_) => true,
            Admission::Go => pauses.failed(client, email, now).is_some(),
        }
    }

    #[test]
    fn the_fifth_failure_pauses_only_that_address_and_account() {
        let pauses = SignInPauses::default();
        let now = OffsetDateTime::now_utc();
        let attacker = ip("198.51.100.66");
        for _ in 1..MAX_FAILURES {
            assert!(!fail(&pauses, attacker, "admin@example.org", now));
        }
        assert!(fail(&pauses, attacker, "Admin@Example.org ", now));
        assert_eq!(
            pauses.admit(attacker, "admin@example.org", now),
            Admission::Paused(now + LOCK_FOR)
        );
        // The admin, elsewhere, and another account from the attacker's
        // address, are not paused.
        assert_eq!(
            pauses.admit(ip("203.0.113.5"), "admin@example.org", now),
            Admission::Go
        );
        assert_eq!(
            pauses.admit(attacker, "editor@example.org", now),
            Admission::Go
        );
        // After the pause, a fresh count.
        let later = now + LOCK_FOR + Duration::seconds(1);
        assert_eq!(
            pauses.admit(attacker, "admin@example.org", later),
            Admission::Go
        );
    }

    #[test]
    fn a_success_starts_the_count_again() {
        let pauses = SignInPauses::default();
        let now = OffsetDateTime::now_utc();
        let me = ip("203.0.113.5");
        for _ in 1..MAX_FAILURES {
            assert!(!fail(&pauses, me, "me@example.org", now));
        }
        assert_eq!(pauses.admit(me, "me@example.org", now), Admission::Go);
        pauses.succeeded(me, "me@example.org");
        for _ in 1..MAX_FAILURES {
            assert!(!fail(&pauses, me, "me@example.org", now));
        }
    }

    #[test]
    fn parallel_guesses_each_count() {
        let pauses = SignInPauses::default();
        let now = OffsetDateTime::now_utc();
        let attacker = ip("198.51.100.66");
        let admitted = (0..20)
            .filter(|_| pauses.admit(attacker, "admin@example.org", now) == Admission::Go)
            .count();
        assert_eq!(admitted, MAX_FAILURES as usize);
    }

    #[test]
    fn idle_pairs_are_forgotten() {
        let pauses = SignInPauses::default();
        let now = OffsetDateTime::now_utc();
        assert!(!fail(&pauses, ip("198.51.100.1"), "a@example.org", now));
        pauses.forget_idle(now + LOCK_FOR + Duration::seconds(1));
        assert!(pauses.pairs.lock().is_empty());
    }
}
