DROP INDEX comments_to_check_idx;
