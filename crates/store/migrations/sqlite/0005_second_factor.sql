-- Second factor: each user's confirmed TOTP secret (RFC 6238) with the last time step used, so
-- a code is accepted once; and the sign-ins that passed the password and await the code.
-- Kept parallel with the other backend's 0005_second_factor.sql.

ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;

CREATE TABLE pending_sign_ins (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    user_name TEXT NOT NULL,
    next_path TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX pending_sign_ins_by_expiry ON pending_sign_ins (expires_at);
