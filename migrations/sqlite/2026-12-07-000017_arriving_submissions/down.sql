DROP TRIGGER comments_tally_insert;
DROP TRIGGER comments_tally_delete;
DROP TRIGGER comments_tally_update;

CREATE TRIGGER comments_tally_insert AFTER INSERT ON comments BEGIN
    INSERT INTO section_tallies (document_id, section_key, total, new, in_review, resolved, published, withdrawn, editorial, general, technical, other, untyped, unassigned, conflicts, duplicates, unresolved)
    VALUES (NEW.document_id, COALESCE(NEW.section_id, 0), 1, CASE WHEN NEW.status = 'new' THEN 1 ELSE 0 END, CASE WHEN NEW.status = 'in_review' THEN 1 ELSE 0 END, CASE WHEN NEW.status = 'resolved' THEN 1 ELSE 0 END, CASE WHEN NEW.status = 'published' THEN 1 ELSE 0 END, CASE WHEN NEW.status = 'withdrawn' THEN 1 ELSE 0 END, CASE WHEN NEW.comment_type = 'editorial' THEN 1 ELSE 0 END, CASE WHEN NEW.comment_type = 'general' THEN 1 ELSE 0 END, CASE WHEN NEW.comment_type = 'technical' THEN 1 ELSE 0 END, CASE WHEN NEW.comment_type = 'other' THEN 1 ELSE 0 END, CASE WHEN NEW.comment_type IS NULL THEN 1 ELSE 0 END, CASE WHEN NEW.assignee_id IS NULL THEN 1 ELSE 0 END, CASE WHEN NEW.tag_conflict IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.duplicate_of_id IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.tag_source = 'none' THEN 1 ELSE 0 END)
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
END;

CREATE TRIGGER comments_tally_delete AFTER DELETE ON comments BEGIN
    INSERT INTO section_tallies (document_id, section_key, total, new, in_review, resolved, published, withdrawn, editorial, general, technical, other, untyped, unassigned, conflicts, duplicates, unresolved)
    VALUES (OLD.document_id, COALESCE(OLD.section_id, 0), -1, CASE WHEN OLD.status = 'new' THEN -1 ELSE 0 END, CASE WHEN OLD.status = 'in_review' THEN -1 ELSE 0 END, CASE WHEN OLD.status = 'resolved' THEN -1 ELSE 0 END, CASE WHEN OLD.status = 'published' THEN -1 ELSE 0 END, CASE WHEN OLD.status = 'withdrawn' THEN -1 ELSE 0 END, CASE WHEN OLD.comment_type = 'editorial' THEN -1 ELSE 0 END, CASE WHEN OLD.comment_type = 'general' THEN -1 ELSE 0 END, CASE WHEN OLD.comment_type = 'technical' THEN -1 ELSE 0 END, CASE WHEN OLD.comment_type = 'other' THEN -1 ELSE 0 END, CASE WHEN OLD.comment_type IS NULL THEN -1 ELSE 0 END, CASE WHEN OLD.assignee_id IS NULL THEN -1 ELSE 0 END, CASE WHEN OLD.tag_conflict IS NOT NULL THEN -1 ELSE 0 END, CASE WHEN OLD.duplicate_of_id IS NOT NULL THEN -1 ELSE 0 END, CASE WHEN OLD.tag_source = 'none' THEN -1 ELSE 0 END)
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
END;

CREATE TRIGGER comments_tally_update AFTER UPDATE OF document_id, section_id, status, comment_type, assignee_id, tag_conflict, duplicate_of_id, tag_source ON comments
WHEN OLD.document_id IS NOT NEW.document_id OR OLD.section_id IS NOT NEW.section_id OR OLD.status IS NOT NEW.status OR OLD.comment_type IS NOT NEW.comment_type OR OLD.assignee_id IS NOT NEW.assignee_id OR OLD.tag_conflict IS NOT NEW.tag_conflict OR OLD.duplicate_of_id IS NOT NEW.duplicate_of_id OR OLD.tag_source IS NOT NEW.tag_source
BEGIN
    INSERT INTO section_tallies (document_id, section_key, total, new, in_review, resolved, published, withdrawn, editorial, general, technical, other, untyped, unassigned, conflicts, duplicates, unresolved)
    VALUES (OLD.document_id, COALESCE(OLD.section_id, 0), -1, CASE WHEN OLD.status = 'new' THEN -1 ELSE 0 END, CASE WHEN OLD.status = 'in_review' THEN -1 ELSE 0 END, CASE WHEN OLD.status = 'resolved' THEN -1 ELSE 0 END, CASE WHEN OLD.status = 'published' THEN -1 ELSE 0 END, CASE WHEN OLD.status = 'withdrawn' THEN -1 ELSE 0 END, CASE WHEN OLD.comment_type = 'editorial' THEN -1 ELSE 0 END, CASE WHEN OLD.comment_type = 'general' THEN -1 ELSE 0 END, CASE WHEN OLD.comment_type = 'technical' THEN -1 ELSE 0 END, CASE WHEN OLD.comment_type = 'other' THEN -1 ELSE 0 END, CASE WHEN OLD.comment_type IS NULL THEN -1 ELSE 0 END, CASE WHEN OLD.assignee_id IS NULL THEN -1 ELSE 0 END, CASE WHEN OLD.tag_conflict IS NOT NULL THEN -1 ELSE 0 END, CASE WHEN OLD.duplicate_of_id IS NOT NULL THEN -1 ELSE 0 END, CASE WHEN OLD.tag_source = 'none' THEN -1 ELSE 0 END)
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
    INSERT INTO section_tallies (document_id, section_key, total, new, in_review, resolved, published, withdrawn, editorial, general, technical, other, untyped, unassigned, conflicts, duplicates, unresolved)
    VALUES (NEW.document_id, COALESCE(NEW.section_id, 0), 1, CASE WHEN NEW.status = 'new' THEN 1 ELSE 0 END, CASE WHEN NEW.status = 'in_review' THEN 1 ELSE 0 END, CASE WHEN NEW.status = 'resolved' THEN 1 ELSE 0 END, CASE WHEN NEW.status = 'published' THEN 1 ELSE 0 END, CASE WHEN NEW.status = 'withdrawn' THEN 1 ELSE 0 END, CASE WHEN NEW.comment_type = 'editorial' THEN 1 ELSE 0 END, CASE WHEN NEW.comment_type = 'general' THEN 1 ELSE 0 END, CASE WHEN NEW.comment_type = 'technical' THEN 1 ELSE 0 END, CASE WHEN NEW.comment_type = 'other' THEN 1 ELSE 0 END, CASE WHEN NEW.comment_type IS NULL THEN 1 ELSE 0 END, CASE WHEN NEW.assignee_id IS NULL THEN 1 ELSE 0 END, CASE WHEN NEW.tag_conflict IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.duplicate_of_id IS NOT NULL THEN 1 ELSE 0 END, CASE WHEN NEW.tag_source = 'none' THEN 1 ELSE 0 END)
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
END;
DROP INDEX submissions_arriving_idx;
ALTER TABLE submissions DROP COLUMN arriving;
