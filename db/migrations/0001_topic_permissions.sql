CREATE TABLE `topic_permissions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`instance_id` text NOT NULL,
	`filter` text NOT NULL,
	`action` text NOT NULL,
	`effect` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `topic_permissions_instance_filter_action_unique` ON `topic_permissions` (`instance_id`,`filter`,`action`);