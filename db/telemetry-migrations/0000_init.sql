CREATE TABLE `device_events` (
	`id` integer PRIMARY KEY NOT NULL,
	`time` integer NOT NULL,
	`kind` integer NOT NULL,
	`instance_key` integer NOT NULL,
	`client_key` integer NOT NULL,
	`channel` integer NOT NULL,
	`address` text NOT NULL,
	`description` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `device_events_client_idx` ON `device_events` (`instance_key`,`client_key`,`time`);--> statement-breakpoint
CREATE TABLE `message_events` (
	`id` integer PRIMARY KEY NOT NULL,
	`time` integer NOT NULL,
	`kind` integer NOT NULL,
	`instance_key` integer NOT NULL,
	`message_id` integer NOT NULL,
	`client_key` integer NOT NULL,
	`topic_key` integer NOT NULL,
	`qos` integer NOT NULL,
	`acked_at` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `message_events_message_idx` ON `message_events` (`message_id`,`client_key`);--> statement-breakpoint
CREATE INDEX `message_events_client_idx` ON `message_events` (`instance_key`,`client_key`,`time`) WHERE kind <> 6;--> statement-breakpoint
CREATE INDEX `message_events_topic_idx` ON `message_events` (`instance_key`,`topic_key`,`time`) WHERE kind < 4;--> statement-breakpoint
CREATE TABLE `samples` (
	`id` integer PRIMARY KEY NOT NULL,
	`time` integer NOT NULL,
	`instance_key` integer NOT NULL,
	`interval_ms` integer NOT NULL,
	`connections` integer NOT NULL,
	`subscriptions` integer NOT NULL,
	`messages_in` integer NOT NULL,
	`messages_out` integer NOT NULL,
	`throttled` integer NOT NULL,
	`dropped` integer NOT NULL,
	`offline_dropped` integer NOT NULL,
	`trace_dropped` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `samples_instance_idx` ON `samples` (`instance_key`,`time`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `names` (
	`key` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `names_name_idx` ON `names` (`name`);--> statement-breakpoint
CREATE TABLE `topic_samples` (
	`instance_key` integer NOT NULL,
	`time` integer NOT NULL,
	`topic_key` integer NOT NULL,
	`messages_in` integer NOT NULL,
	`messages_out` integer NOT NULL,
	PRIMARY KEY(`instance_key`, `time`, `topic_key`)
);
