-- A submission being stored counts its comments into section_tallies once,
-- at the end of its transaction (`db::progress::count_submission`), instead
-- of at every batch insert: the tally rows it touches are then locked for
-- a moment, not for the whole import, and editors' saves in those sections
-- (which update the same rows) no longer wait for the import to commit.
-- `SET LOCAL docket.defer_tallies = 'on'` turns the insert trigger off for
-- the rest of that transaction (or savepoint); nothing else sets it.
DROP TRIGGER comments_tally_insert ON comments;
CREATE TRIGGER comments_tally_insert AFTER INSERT ON comments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    WHEN (current_setting('docket.defer_tallies', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION comments_tally();
