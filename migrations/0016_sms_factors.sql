-- Phone numbers users receive second-factor codes on (E.164). The codes
-- themselves live, as digests, in the application's object for five
-- minutes. An unconfirmed row is an enrolment waiting for its first code.
CREATE TABLE sms_factors (
    id           TEXT NOT NULL,
    app_id       TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    phone        TEXT NOT NULL,
    confirmed_at INTEGER,
    last_used_at INTEGER,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (app_id, id),
    FOREIGN KEY (app_id, user_id) REFERENCES users (app_id, id) ON DELETE CASCADE
);
CREATE INDEX sms_factors_user ON sms_factors (app_id, user_id);
