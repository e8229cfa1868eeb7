CREATE TABLE `rocketmq_clusters` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`endpoints` text NOT NULL,
	`namespace` text DEFAULT '' NOT NULL,
	`access_key` text,
	`secret_encrypted` text,
	`description` text DEFAULT '' NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rocketmq_clusters_name_unique` ON `rocketmq_clusters` (`name`);--> statement-breakpoint
CREATE TABLE `rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`instance_id` text NOT NULL,
	`rule_id` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`type` text NOT NULL,
	`source` text NOT NULL,
	`target` text NOT NULL,
	`cluster_id` integer NOT NULL,
	`created_at` integer DEFAULT (unixepoch() * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`cluster_id`) REFERENCES `rocketmq_clusters`(`id`) ON UPDATE no action ON DELETE restrict
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rules_instance_rule_id_unique` ON `rules` (`instance_id`,`rule_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `rules_instance_type_source_unique` ON `rules` (`instance_id`,`type`,`source`);