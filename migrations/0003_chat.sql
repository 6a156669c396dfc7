CREATE TABLE `chat_sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`credential_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `chat_sessions_credential_idx` ON `chat_sessions` (`credential_id`);--> statement-breakpoint
CREATE TABLE `conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`credential_id` text NOT NULL,
	`title` text NOT NULL,
	`status` text DEFAULT 'idle' NOT NULL,
	`turn_started_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `conversations_credential_updated_idx` ON `conversations` (`credential_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `conversations_credential_status_idx` ON `conversations` (`credential_id`,`status`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`role` text NOT NULL,
	`text` text NOT NULL,
	`turn_id` text NOT NULL,
	`tool_calls` text,
	`usage` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `messages_conversation_created_idx` ON `messages` (`conversation_id`,`created_at`);