CREATE TABLE `ledger_entries` (
	`id` text PRIMARY KEY NOT NULL,
	`credential_id` text NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`balance_after_cents` integer NOT NULL,
	`hold_id` text,
	`receipt_id` text,
	`reference` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ledger_credential_seq_idx` ON `ledger_entries` (`credential_id`,`seq`);--> statement-breakpoint
CREATE INDEX `ledger_created_idx` ON `ledger_entries` (`created_at`);--> statement-breakpoint
CREATE TABLE `receipts` (
	`id` text PRIMARY KEY NOT NULL,
	`credential_id` text NOT NULL,
	`quote_id` text NOT NULL,
	`service` text NOT NULL,
	`tool` text NOT NULL,
	`amount_cents` integer NOT NULL,
	`transaction_id` text NOT NULL,
	`flagged` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `receipts_credential_idx` ON `receipts` (`credential_id`);