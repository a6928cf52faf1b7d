CREATE TABLE `role_changes` (
	`customer_id` integer PRIMARY KEY NOT NULL,
	`role` text NOT NULL,
	`changed_at` integer NOT NULL
);
