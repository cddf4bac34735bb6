DROP TRIGGER comments_tally_insert ON comments;
CREATE TRIGGER comments_tally_insert AFTER INSERT ON comments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_tally();
