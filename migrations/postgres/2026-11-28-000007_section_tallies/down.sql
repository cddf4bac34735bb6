DROP TRIGGER comments_tally_delete ON comments;
DROP TRIGGER comments_tally_update ON comments;
DROP TRIGGER comments_tally_insert ON comments;
DROP FUNCTION comments_tally();
DROP TABLE section_tallies;
