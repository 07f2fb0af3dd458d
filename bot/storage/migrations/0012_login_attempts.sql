-- 0012: a login is counted as failed before its password is checked, and the row taken back
-- (by its attempt token) when the password was right, so logins sent at once cannot pass the
-- limit together. Failures are counted per name, and per name and address: never per
-- address alone, which every user behind one proxy shares.

ALTER TABLE login_failures ADD COLUMN attempt TEXT;
CREATE INDEX login_failures_attempt ON login_failures (attempt);
DROP INDEX login_failures_address;
