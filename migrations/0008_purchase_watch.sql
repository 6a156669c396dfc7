CREATE TABLE `purchase_watch` (
	`credential_id` text PRIMARY KEY NOT NULL,
	`since` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `purchase_watch_since_idx` ON `purchase_watch` (`since`);