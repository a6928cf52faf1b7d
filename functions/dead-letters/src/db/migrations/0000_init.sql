CREATE TABLE `dead_letters` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`event_source` text NOT NULL,
	`event_type` text NOT NULL,
	`subject` text,
	`data` text,
	`datacontenttype` text,
	`extensions` text NOT NULL,
	`error_dest` text DEFAULT '' NOT NULL,
	`error_code` integer,
	`error_data` text,
	`received_at` text NOT NULL,
	`replay_count` integer DEFAULT 0 NOT NULL,
	`last_replayed_at` text,
	`last_replay_status` integer,
	`last_replay_error` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dead_letters_event_dest` ON `dead_letters` (`event_source`,`event_id`,`error_dest`);--> statement-breakpoint
CREATE INDEX `dead_letters_type` ON `dead_letters` (`event_type`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`source` text NOT NULL,
	`subject` text,
	`data` text NOT NULL,
	`time` text NOT NULL,
	`traceparent` text,
	`correlation_id` text,
	`created_at` integer NOT NULL,
	`sent_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `outbox_pending` ON `outbox` (`sent_at`,`created_at`);--> statement-breakpoint
CREATE TABLE `processed_events` (
	`source` text NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`processed_at` integer NOT NULL,
	PRIMARY KEY(`source`, `id`)
);
