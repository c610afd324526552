-- The language a user reads e-mails in (zh-CN or en; issue 17): set from the registration
-- request's Accept-Language, changed in the notification preferences.
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'zh-CN';
