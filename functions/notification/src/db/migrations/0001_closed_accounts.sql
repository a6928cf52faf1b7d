CREATE TABLE `closed_accounts` (
	`customer_id` integer PRIMARY KEY NOT NULL,
	`closed_at` text NOT NULL
);--> statement-breakpoint
-- Customers already deleted keep their tombstone: it moves into the shared table (dropped in 0002).
INSERT INTO `closed_accounts` (`customer_id`, `closed_at`) SELECT `customer_id`, `deleted_at` FROM `deleted_customers`;
