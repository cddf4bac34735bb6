-- Single-key shortcuts (the queue's j, k, a, ...) can be turned off by each
-- editor (WCAG 2.1.4): speech input and some assistive tools type letters.
ALTER TABLE users ADD COLUMN key_shortcuts BOOLEAN NOT NULL DEFAULT TRUE;
