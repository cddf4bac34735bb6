-- Signing out (or a password change) bumps the epoch; sessions carrying an
-- older one are refused, including copies of the cookie.
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
