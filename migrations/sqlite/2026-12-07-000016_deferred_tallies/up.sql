-- PostgreSQL only (its import counts section tallies once, at the end).
-- SQLite's writers hold the whole database anyway; this keeps both back
-- ends' migration histories the same length.
SELECT 1;
