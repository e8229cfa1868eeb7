CREATE TABLE `device_credentials` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`instance_id` text NOT NULL,
	`client_id` text NOT NULL,
	`access_key_id` text NOT NULL,
	`secret_encrypted` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `device_credentials_instance_client_unique` ON `device_credentials` (`instance_id`,`client_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `device_credentials_access_key_unique` ON `device_credentials` (`access_key_id`);--> statement-breakpoint
CREATE TABLE `tokens` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`access_key_id` text NOT NULL,
	`actions` text NOT NULL,
	`resources` text NOT NULL,
	`expire_time` integer NOT NULL,
	`revoked_at` integer,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`access_key_id`) REFERENCES `access_keys`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tokens_instance_idx` ON `tokens` (`instance_id`);--> statement-breakpoint
ALTER TABLE `instances` ADD `max_topic_length` integer DEFAULT 64 NOT NULL;--> statement-breakpoint
ALTER TABLE `instances` ADD `max_payload_bytes` integer DEFAULT 65536 NOT NULL;--> statement-breakpoint
ALTER TABLE `instances` ADD `max_subscriptions_per_client` integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE `instances` ADD `offline_retention_hours` integer DEFAULT 72 NOT NULL;--> statement-breakpoint
ALTER TABLE `instances` ADD `offline_store_limit` integer DEFAULT 100000 NOT NULL;