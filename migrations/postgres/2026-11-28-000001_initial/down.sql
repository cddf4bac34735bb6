DROP TABLE audit_events;
DROP TABLE comments;
DROP TABLE submission_files;
DROP TABLE submissions;
DROP TABLE sections;
DROP TABLE documents;
DROP TABLE auth_tokens;
DROP TABLE users;
