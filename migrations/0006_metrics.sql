CREATE TABLE `alerts` (
	`key` text PRIMARY KEY NOT NULL,
	`state` text NOT NULL,
	`detail` text NOT NULL,
	`opened_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`resolved_at` integer,
	`notified_at` integer
);
--> statement-breakpoint
CREATE TABLE `metric_points` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`at_ms` integer NOT NULL,
	`service` text NOT NULL,
	`tool` text NOT NULL,
	`status` integer NOT NULL,
	`outcome` text NOT NULL,
	`caller` text NOT NULL,
	`latency_ms` real NOT NULL,
	`amount_cents` integer NOT NULL,
	`tokens_in` integer NOT NULL,
	`tokens_out` integer NOT NULL,
	`model_calls` integer NOT NULL,
	`text` text NOT NULL,
	`request_id` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `metric_points_at_idx` ON `metric_points` (`at_ms`);--> statement-breakpoint
CREATE INDEX `metric_points_kind_at_idx` ON `metric_points` (`kind`,`at_ms`);