-- Where each user's password is checked: 'local' (the Argon2id hash in password_hash) or
-- 'ldap' (the directory; password_hash stays empty and the role is refreshed from the user's
-- groups at each sign-in). Kept parallel with the other backend's 0006_directory_users.sql.

ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT 'local'
    CHECK (source IN ('local', 'ldap'));
