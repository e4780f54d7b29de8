-- Users are listed a page at a time, oldest first (the management API's
-- GET …/users): each page is an index range, not a scan of the
-- application's users.
CREATE INDEX users_app_created ON users (app_id, created_at, id);
