//! CSRF protection for every state-changing form: a random token kept in
//! the signed, encrypted session cookie and repeated in a hidden field. A
//! POST whose field does not match is refused before it changes anything
//! (a multipart body is parsed first, within the upload limit).

use actix_session::Session;

use super::WebError;

const KEY: &str = "csrf";

/// The session's token, created on first use.
pub fn token(session: &Session) -> Result<String, WebError> {
    if let Ok(Some(token)) = session.get::<String>(KEY) {
        return Ok(token);
    }
    let token = hex::encode(rand::random::<[u8; 32]>());
    session
        .insert(KEY, &token)
        .map_err(|e| WebError::Unexpected(anyhow::anyhow!("session: {e}")))?;
    Ok(token)
}

/// Drops the token, so the next form gets a new one (after sign-in, a
/// token seen before it is worth nothing).
pub fn rotate(session: &Session) {
    let _ = session.remove(KEY);
}

/// Refuses a form whose token is missing or not this session's.
pub fn check(session: &Session, submitted: &str) -> Result<(), WebError> {
    match session.get::<String>(KEY) {
        Ok(Some(expected)) if same(&expected, submitted) => Ok(()),
        _ => Err(WebError::Forbidden(
            "This form has expired or was not sent from this site, so nothing was done. \
             Go back, reload the page and send it again."
                .to_owned(),
        )),
    }
}

/// Compares in time independent of where the strings differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_compare_exactly() {
        assert!(super::same("abc", "abc"));
        assert!(!super::same("abc", "abd"));
        assert!(!super::same("abc", "ab"));
        assert!(!super::same("", "a"));
    }
}
