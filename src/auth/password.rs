//! Password hashing: argon2id (the crate's defaults, which meet OWASP's
//! minimum) stored as PHC strings, so parameters can be raised later
//! without invalidating existing hashes.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use rand::Rng;

/// Shorter passwords are refused; long passphrases are welcome.
pub const MIN_LENGTH: usize = 12;
/// Longer input is refused before hashing, so a huge "password" cannot tie
/// up a worker.
pub const MAX_BYTES: usize = 1024;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("the password is shorter than {MIN_LENGTH} characters")]
    TooShort,
    #[error("the password is longer than {MAX_BYTES} bytes")]
    TooLong,
    #[error("the password could not be hashed: {0}")]
    Hashing(String),
}

/// Checks the length rules and hashes.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_LENGTH {
        return Err(PasswordError::TooShort);
    }
    if password.len() > MAX_BYTES {
        return Err(PasswordError::TooLong);
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// True when `password` matches the stored PHC string. A malformed hash
/// never matches. A password over [`MAX_BYTES`] never matches either, but
/// its first `MAX_BYTES` are still checked, so that it takes the time of
/// any other wrong password: skipping argon2 for it would tell, by the
/// answer's speed, which sign-ins reached a real account.
pub fn verify(password: &str, stored: &str) -> bool {
    let bytes = password.as_bytes();
    let checked = &bytes[..bytes.len().min(MAX_BYTES)];
    let matches = Argon2::default().verify_password(checked, stored).is_ok();
    matches && bytes.len() <= MAX_BYTES
}

/// Spends the time of one verification, so a sign-in with an unknown
/// address takes as long as one with a wrong password.
pub fn verify_nothing(password: &str) {
    static DUMMY: LazyLock<Option<String>> = LazyLock::new(|| hash("docket-timing-equaliser").ok());
    if let Some(dummy) = DUMMY.as_deref() {
        let _ = verify(password, dummy);
    }
}

/// A random password of 20 letters and digits (about 119 bits), printed
/// once by `docket user create` when none is given.
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse batterY", &stored));
        assert!(!verify("correct horse battery", "not a hash"));
        // Same password, new salt each time.
        assert_ne!(stored, hash("correct horse battery").unwrap());
    }

    #[test]
    fn length_rules() {
        assert_eq!(hash("short"), Err(PasswordError::TooShort));
        assert_eq!(
            hash(&"x".repeat(MAX_BYTES + 1)),
            Err(PasswordError::TooLong)
        );
        assert!(!verify(&"x".repeat(MAX_BYTES + 1), "$argon2id$"));
    }

    #[test]
    fn over_long_passwords_never_match_and_still_cost_a_check() {
        let stored = hash("correct horse battery").unwrap();
        let long = format!("correct horse battery{}", "x".repeat(MAX_BYTES));
        let exact = "y".repeat(MAX_BYTES);
        let stored_exact = hash(&exact).unwrap();
        // Its first MAX_BYTES are the password: still no match.
        assert!(!verify(&format!("{exact}z"), &stored_exact));
        assert!(verify(&exact, &stored_exact));
        let time = |password: &str| {
            let start = std::time::Instant::now();
            assert!(!verify(password, &stored));
            start.elapsed()
        };
        let wrong = time("wrong horse battery");
        let over_long = time(&long);
        assert!(
            over_long * 3 > wrong,
            "an over-long password took {over_long:?}, a wrong one {wrong:?}"
        );
        let start = std::time::Instant::now();
        verify_nothing(&long);
        assert!(
            start.elapsed() * 3 > wrong,
            "{:?} vs {wrong:?}",
            start.elapsed()
        );
    }

    #[test]
    fn generated_passwords_are_long_and_distinct() {
        let a = generate();
        assert_eq!(a.len(), 20);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, generate());
    }
}
