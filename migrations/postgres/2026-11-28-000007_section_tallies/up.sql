-- What the dashboard shows, kept up to date by triggers: per document and
-- section (section_key 0: General or not tagged), the comments counted by
-- status, type, and what still needs a hand. Reading ~500 rows instead of
-- grouping a million comments keeps the dashboard fast; `progress::recount`
-- (the grouped query) is the reference the tests compare it with.
CREATE TABLE section_tallies (
    document_id BIGINT NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    section_key BIGINT NOT NULL,
    total BIGINT NOT NULL DEFAULT 0,
    new BIGINT NOT NULL DEFAULT 0,
    in_review BIGINT NOT NULL DEFAULT 0,
    resolved BIGINT NOT NULL DEFAULT 0,
    published BIGINT NOT NULL DEFAULT 0,
    withdrawn BIGINT NOT NULL DEFAULT 0,
    editorial BIGINT NOT NULL DEFAULT 0,
    general BIGINT NOT NULL DEFAULT 0,
    technical BIGINT NOT NULL DEFAULT 0,
    other BIGINT NOT NULL DEFAULT 0,
    untyped BIGINT NOT NULL DEFAULT 0,
    unassigned BIGINT NOT NULL DEFAULT 0,
    conflicts BIGINT NOT NULL DEFAULT 0,
    duplicates BIGINT NOT NULL DEFAULT 0,
    unresolved BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (document_id, section_key)
);

INSERT INTO section_tallies (document_id, section_key, total, new, in_review, resolved, published, withdrawn, editorial, general, technical, other, untyped, unassigned, conflicts, duplicates, unresolved)
SELECT document_id, COALESCE(section_id, 0),
    SUM(1),
    SUM(CASE WHEN comments.status = 'new' THEN 1 ELSE 0 END),
    SUM(CASE WHEN comments.status = 'in_review' THEN 1 ELSE 0 END),
    SUM(CASE WHEN comments.status = 'resolved' THEN 1 ELSE 0 END),
    SUM(CASE WHEN comments.status = 'published' THEN 1 ELSE 0 END),
    SUM(CASE WHEN comments.status = 'withdrawn' THEN 1 ELSE 0 END),
    SUM(CASE WHEN comments.comment_type = 'editorial' THEN 1 ELSE 0 END),
    SUM(CASE WHEN comments.comment_type = 'general' THEN 1 ELSE 0 END),
    SUM(CASE WHEN comments.comment_type = 'technical' THEN 1 ELSE 0 END),
    SUM(CASE WHEN comments.comment_type = 'other' THEN 1 ELSE 0 END),
    SUM(CASE WHEN comments.comment_type IS NULL THEN 1 ELSE 0 END),
    SUM(CASE WHEN comments.assignee_id IS NULL THEN 1 ELSE 0 END),
    SUM(CASE WHEN comments.tag_conflict IS NOT NULL THEN 1 ELSE 0 END),
    SUM(CASE WHEN comments.duplicate_of_id IS NOT NULL THEN 1 ELSE 0 END),
    SUM(CASE WHEN comments.tag_source = 'none' THEN 1 ELSE 0 END)
FROM comments
GROUP BY document_id, COALESCE(section_id, 0);

-- One function for the three statement-level triggers (transition tables
-- allow one event per trigger): an import inserts thousands of rows per
-- statement, and re-tagging updates as many, each statement counted in one
-- grouped upsert. (A row trigger gated by WHEN made single-comment saves
-- about 8 % faster but bulk updates four times slower, and bloated this
-- table with a dead row per updated comment.) Groups are written in key
-- order, so two transactions never wait on each other's rows in opposite
-- orders.
-- `new` is a column here, not plpgsql's NEW record.
CREATE FUNCTION comments_tally() RETURNS trigger LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO section_tallies (document_id, section_key, total, new, in_review, resolved, published, withdrawn, editorial, general, technical, other, untyped, unassigned, conflicts, duplicates, unresolved)
        SELECT * FROM (
            SELECT d.document_id, COALESCE(d.section_id, 0) AS section_key,
            SUM(d.sign) AS total,
            SUM(CASE WHEN d.status = 'new' THEN d.sign ELSE 0 END) AS new,
            SUM(CASE WHEN d.status = 'in_review' THEN d.sign ELSE 0 END) AS in_review,
            SUM(CASE WHEN d.status = 'resolved' THEN d.sign ELSE 0 END) AS resolved,
            SUM(CASE WHEN d.status = 'published' THEN d.sign ELSE 0 END) AS published,
            SUM(CASE WHEN d.status = 'withdrawn' THEN d.sign ELSE 0 END) AS withdrawn,
            SUM(CASE WHEN d.comment_type = 'editorial' THEN d.sign ELSE 0 END) AS editorial,
            SUM(CASE WHEN d.comment_type = 'general' THEN d.sign ELSE 0 END) AS general,
            SUM(CASE WHEN d.comment_type = 'technical' THEN d.sign ELSE 0 END) AS technical,
            SUM(CASE WHEN d.comment_type = 'other' THEN d.sign ELSE 0 END) AS other,
            SUM(CASE WHEN d.comment_type IS NULL THEN d.sign ELSE 0 END) AS untyped,
            SUM(CASE WHEN d.assignee_id IS NULL THEN d.sign ELSE 0 END) AS unassigned,
            SUM(CASE WHEN d.tag_conflict IS NOT NULL THEN d.sign ELSE 0 END) AS conflicts,
            SUM(CASE WHEN d.duplicate_of_id IS NOT NULL THEN d.sign ELSE 0 END) AS duplicates,
            SUM(CASE WHEN d.tag_source = 'none' THEN d.sign ELSE 0 END) AS unresolved
            FROM (SELECT document_id, section_id, status, comment_type, assignee_id, tag_conflict, duplicate_of_id, tag_source, 1 AS sign FROM new_rows) AS d
            GROUP BY d.document_id, COALESCE(d.section_id, 0)
        ) AS delta
        WHERE total <> 0 OR new <> 0 OR in_review <> 0 OR resolved <> 0 OR published <> 0 OR withdrawn <> 0 OR editorial <> 0 OR general <> 0 OR technical <> 0 OR other <> 0 OR untyped <> 0 OR unassigned <> 0 OR conflicts <> 0 OR duplicates <> 0 OR unresolved <> 0
        ORDER BY document_id, section_key
        ON CONFLICT (document_id, section_key) DO UPDATE SET
            total = section_tallies.total + excluded.total,
        new = section_tallies.new + excluded.new,
        in_review = section_tallies.in_review + excluded.in_review,
        resolved = section_tallies.resolved + excluded.resolved,
        published = section_tallies.published + excluded.published,
        withdrawn = section_tallies.withdrawn + excluded.withdrawn,
        editorial = section_tallies.editorial + excluded.editorial,
        general = section_tallies.general + excluded.general,
        technical = section_tallies.technical + excluded.technical,
        other = section_tallies.other + excluded.other,
        untyped = section_tallies.untyped + excluded.untyped,
        unassigned = section_tallies.unassigned + excluded.unassigned,
        conflicts = section_tallies.conflicts + excluded.conflicts,
        duplicates = section_tallies.duplicates + excluded.duplicates,
        unresolved = section_tallies.unresolved + excluded.unresolved;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO section_tallies (document_id, section_key, total, new, in_review, resolved, published, withdrawn, editorial, general, technical, other, untyped, unassigned, conflicts, duplicates, unresolved)
        SELECT * FROM (
            SELECT d.document_id, COALESCE(d.section_id, 0) AS section_key,
            SUM(d.sign) AS total,
            SUM(CASE WHEN d.status = 'new' THEN d.sign ELSE 0 END) AS new,
            SUM(CASE WHEN d.status = 'in_review' THEN d.sign ELSE 0 END) AS in_review,
            SUM(CASE WHEN d.status = 'resolved' THEN d.sign ELSE 0 END) AS resolved,
            SUM(CASE WHEN d.status = 'published' THEN d.sign ELSE 0 END) AS published,
            SUM(CASE WHEN d.status = 'withdrawn' THEN d.sign ELSE 0 END) AS withdrawn,
            SUM(CASE WHEN d.comment_type = 'editorial' THEN d.sign ELSE 0 END) AS editorial,
            SUM(CASE WHEN d.comment_type = 'general' THEN d.sign ELSE 0 END) AS general,
            SUM(CASE WHEN d.comment_type = 'technical' THEN d.sign ELSE 0 END) AS technical,
            SUM(CASE WHEN d.comment_type = 'other' THEN d.sign ELSE 0 END) AS other,
            SUM(CASE WHEN d.comment_type IS NULL THEN d.sign ELSE 0 END) AS untyped,
            SUM(CASE WHEN d.assignee_id IS NULL THEN d.sign ELSE 0 END) AS unassigned,
            SUM(CASE WHEN d.tag_conflict IS NOT NULL THEN d.sign ELSE 0 END) AS conflicts,
            SUM(CASE WHEN d.duplicate_of_id IS NOT NULL THEN d.sign ELSE 0 END) AS duplicates,
            SUM(CASE WHEN d.tag_source = 'none' THEN d.sign ELSE 0 END) AS unresolved
            FROM (SELECT document_id, section_id, status, comment_type, assignee_id, tag_conflict, duplicate_of_id, tag_source, -1 AS sign FROM old_rows) AS d
            GROUP BY d.document_id, COALESCE(d.section_id, 0)
        ) AS delta
        WHERE total <> 0 OR new <> 0 OR in_review <> 0 OR resolved <> 0 OR published <> 0 OR withdrawn <> 0 OR editorial <> 0 OR general <> 0 OR technical <> 0 OR other <> 0 OR untyped <> 0 OR unassigned <> 0 OR conflicts <> 0 OR duplicates <> 0 OR unresolved <> 0
        ORDER BY document_id, section_key
        ON CONFLICT (document_id, section_key) DO UPDATE SET
            total = section_tallies.total + excluded.total,
        new = section_tallies.new + excluded.new,
        in_review = section_tallies.in_review + excluded.in_review,
        resolved = section_tallies.resolved + excluded.resolved,
        published = section_tallies.published + excluded.published,
        withdrawn = section_tallies.withdrawn + excluded.withdrawn,
        editorial = section_tallies.editorial + excluded.editorial,
        general = section_tallies.general + excluded.general,
        technical = section_tallies.technical + excluded.technical,
        other = section_tallies.other + excluded.other,
        untyped = section_tallies.untyped + excluded.untyped,
        unassigned = section_tallies.unassigned + excluded.unassigned,
        conflicts = section_tallies.conflicts + excluded.conflicts,
        duplicates = section_tallies.duplicates + excluded.duplicates,
        unresolved = section_tallies.unresolved + excluded.unresolved;
    ELSE
        INSERT INTO section_tallies (document_id, section_key, total, new, in_review, resolved, published, withdrawn, editorial, general, technical, other, untyped, unassigned, conflicts, duplicates, unresolved)
        SELECT * FROM (
            SELECT d.document_id, COALESCE(d.section_id, 0) AS section_key,
            SUM(d.sign) AS total,
            SUM(CASE WHEN d.status = 'new' THEN d.sign ELSE 0 END) AS new,
            SUM(CASE WHEN d.status = 'in_review' THEN d.sign ELSE 0 END) AS in_review,
            SUM(CASE WHEN d.status = 'resolved' THEN d.sign ELSE 0 END) AS resolved,
            SUM(CASE WHEN d.status = 'published' THEN d.sign ELSE 0 END) AS published,
            SUM(CASE WHEN d.status = 'withdrawn' THEN d.sign ELSE 0 END) AS withdrawn,
            SUM(CASE WHEN d.comment_type = 'editorial' THEN d.sign ELSE 0 END) AS editorial,
            SUM(CASE WHEN d.comment_type = 'general' THEN d.sign ELSE 0 END) AS general,
            SUM(CASE WHEN d.comment_type = 'technical' THEN d.sign ELSE 0 END) AS technical,
            SUM(CASE WHEN d.comment_type = 'other' THEN d.sign ELSE 0 END) AS other,
            SUM(CASE WHEN d.comment_type IS NULL THEN d.sign ELSE 0 END) AS untyped,
            SUM(CASE WHEN d.assignee_id IS NULL THEN d.sign ELSE 0 END) AS unassigned,
            SUM(CASE WHEN d.tag_conflict IS NOT NULL THEN d.sign ELSE 0 END) AS conflicts,
            SUM(CASE WHEN d.duplicate_of_id IS NOT NULL THEN d.sign ELSE 0 END) AS duplicates,
            SUM(CASE WHEN d.tag_source = 'none' THEN d.sign ELSE 0 END) AS unresolved
            FROM (SELECT document_id, section_id, status, comment_type, assignee_id, tag_conflict, duplicate_of_id, tag_source, 1 AS sign FROM new_rows UNION ALL SELECT document_id, section_id, status, comment_type, assignee_id, tag_conflict, duplicate_of_id, tag_source, -1 AS sign FROM old_rows) AS d
            GROUP BY d.document_id, COALESCE(d.section_id, 0)
        ) AS delta
        WHERE total <> 0 OR new <> 0 OR in_review <> 0 OR resolved <> 0 OR published <> 0 OR withdrawn <> 0 OR editorial <> 0 OR general <> 0 OR technical <> 0 OR other <> 0 OR untyped <> 0 OR unassigned <> 0 OR conflicts <> 0 OR duplicates <> 0 OR unresolved <> 0
        ORDER BY document_id, section_key
        ON CONFLICT (document_id, section_key) DO UPDATE SET
            total = section_tallies.total + excluded.total,
        new = section_tallies.new + excluded.new,
        in_review = section_tallies.in_review + excluded.in_review,
        resolved = section_tallies.resolved + excluded.resolved,
        published = section_tallies.published + excluded.published,
        withdrawn = section_tallies.withdrawn + excluded.withdrawn,
        editorial = section_tallies.editorial + excluded.editorial,
        general = section_tallies.general + excluded.general,
        technical = section_tallies.technical + excluded.technical,
        other = section_tallies.other + excluded.other,
        untyped = section_tallies.untyped + excluded.untyped,
        unassigned = section_tallies.unassigned + excluded.unassigned,
        conflicts = section_tallies.conflicts + excluded.conflicts,
        duplicates = section_tallies.duplicates + excluded.duplicates,
        unresolved = section_tallies.unresolved + excluded.unresolved;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER comments_tally_insert AFTER INSERT ON comments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_tally();
CREATE TRIGGER comments_tally_update AFTER UPDATE ON comments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_tally();
CREATE TRIGGER comments_tally_delete AFTER DELETE ON comments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION comments_tally();
