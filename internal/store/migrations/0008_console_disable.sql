-- An admin can disable a console user: the user can no longer sign in and
-- every session of theirs ends. NULL means the user is active.
ALTER TABLE console_users ADD COLUMN disabled_at BIGINT;
