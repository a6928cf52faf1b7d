CREATE TABLE `pending_dead_letters` (
	`id` integer PRIMARY KEY NOT NULL,
	`trigger` text NOT NULL,
	`attributes` text NOT NULL,
	`data` blob NOT NULL
);
--> statement-breakpoint
CREATE TABLE `pending_deliveries` (
	`id` integer PRIMARY KEY NOT NULL,
	`trigger` text NOT NULL,
	`attributes` text NOT NULL,
	`data` blob NOT NULL
);
