CREATE TABLE `closed_accounts` (
	`customer_id` integer PRIMARY KEY NOT NULL,
	`closed_at` text NOT NULL
);
