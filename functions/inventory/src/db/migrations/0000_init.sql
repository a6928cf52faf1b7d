CREATE TABLE `order_tombstones` (
	`order_id` integer PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`reason` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
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
--> statement-breakpoint
CREATE TABLE `products` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`price_cents` integer NOT NULL,
	`quantity` integer DEFAULT 0 NOT NULL,
	`reserved` integer DEFAULT 0 NOT NULL,
	`sold` integer DEFAULT 0 NOT NULL,
	`sku` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "products_price_not_negative" CHECK("products"."price_cents" >= 0),
	CONSTRAINT "products_reserved_within_quantity" CHECK("products"."reserved" >= 0 AND "products"."reserved" <= "products"."quantity"),
	CONSTRAINT "products_sold_not_negative" CHECK("products"."sold" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `products_sku_unique` ON `products` (`sku`);--> statement-breakpoint
CREATE TABLE `reservations` (
	`order_id` integer NOT NULL,
	`product_id` integer NOT NULL,
	`quantity` integer NOT NULL,
	`status` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`order_id`, `product_id`),
	CONSTRAINT "reservations_quantity_positive" CHECK("reservations"."quantity" > 0)
);
--> statement-breakpoint
CREATE INDEX `reservations_product_status` ON `reservations` (`product_id`,`status`);--> statement-breakpoint
CREATE TABLE `stock_adjustments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`product_id` integer NOT NULL,
	`delta` integer NOT NULL,
	`reason` text,
	`actor_id` integer NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `stock_adjustments_product` ON `stock_adjustments` (`product_id`);