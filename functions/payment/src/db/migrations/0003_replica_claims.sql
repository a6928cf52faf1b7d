ALTER TABLE `outbox` ADD `claimed_until` integer;--> statement-breakpoint
ALTER TABLE `payments` ADD `charging_until` integer;