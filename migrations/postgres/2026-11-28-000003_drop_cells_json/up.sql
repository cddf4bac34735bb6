-- Every cell of a row is already stored verbatim: mapped ones in their
-- *_raw columns (and body, suggested_change), the others in extra_json;
-- the header of each column is in submissions.report_json. A second copy of
-- every cell doubled the bytes each import wrote, for nothing.
ALTER TABLE comments DROP COLUMN cells_json;
