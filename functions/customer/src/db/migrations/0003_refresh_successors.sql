ALTER TABLE `refresh_tokens` ADD `rotated_at` integer;--> statement-breakpoint
ALTER TABLE `refresh_tokens` ADD `successor` text;