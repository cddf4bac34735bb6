DROP TRIGGER comments_tally_update;
DROP TRIGGER comments_tally_delete;
DROP TRIGGER comments_tally_insert;
DROP TABLE section_tallies;
