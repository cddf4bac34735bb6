ALTER TABLE users DROP COLUMN key_shortcuts;
