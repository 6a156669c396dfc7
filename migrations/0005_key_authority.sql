ALTER TABLE `api_keys` ADD `authority` text DEFAULT 'agent' NOT NULL;--> statement-breakpoint
-- A credential's first key (made by the CLI or the admin API) becomes a listed, revocable agent key of its account.
-- Credentials made by email sign-in are skipped: their first key was never shown to anyone.
INSERT OR IGNORE INTO `api_keys` (`id`, `credential_id`, `key_hash`, `key_prefix`, `name`, `authority`, `created_at`, `revoked_at`)
SELECT 'key_' || substr(`id`, 6), `id`, `key_hash`, `key_prefix`, 'First key', 'agent', `created_at`, NULL
FROM `credentials`
WHERE `id` NOT IN (SELECT `credential_id` FROM `users`);
