-- 0012: a login counted before its password is checked; see SQLite's 0012.

ALTER TABLE login_failures ADD COLUMN attempt TEXT;
CREATE INDEX login_failures_attempt ON login_failures (attempt);
DROP INDEX login_failures_address;
