CREATE TABLE `credentials` (
	`id` text PRIMARY KEY NOT NULL,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`email` text,
	`name` text,
	`level` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `credentials_key_hash_unique` ON `credentials` (`key_hash`);--> statement-breakpoint
CREATE INDEX `credentials_email_idx` ON `credentials` (`email`);