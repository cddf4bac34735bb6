DROP TABLE table_uploads;
