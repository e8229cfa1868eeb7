CREATE TABLE `incoming_qos2` (
	`instance_id` text NOT NULL,
	`client_id` text NOT NULL,
	`packet_id` integer NOT NULL,
	PRIMARY KEY(`instance_id`, `client_id`, `packet_id`)
);
--> statement-breakpoint
CREATE TABLE `messages` (
	`key` integer PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`message_id` integer NOT NULL,
	`topic` text NOT NULL,
	`payload` blob NOT NULL,
	`qos` integer NOT NULL,
	`retain` integer NOT NULL,
	`payload_format` integer,
	`content_type` text,
	`response_topic` text,
	`correlation_data` blob,
	`user_properties` text,
	`expires_at` integer NOT NULL,
	`publisher` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `messages_instance_idx` ON `messages` (`instance_id`);--> statement-breakpoint
CREATE TABLE `outgoing` (
	`instance_id` text NOT NULL,
	`client_id` text NOT NULL,
	`seq` integer NOT NULL,
	`message_key` integer NOT NULL,
	`qos` integer NOT NULL,
	`retain` integer NOT NULL,
	`subscription_ids` text,
	`packet_id` integer NOT NULL,
	`released` integer NOT NULL,
	`share_filter` text,
	PRIMARY KEY(`instance_id`, `client_id`, `seq`)
);
--> statement-breakpoint
CREATE INDEX `outgoing_message_idx` ON `outgoing` (`message_key`);--> statement-breakpoint
CREATE TABLE `retained` (
	`instance_id` text NOT NULL,
	`message_id` integer NOT NULL,
	`topic` text NOT NULL,
	`payload` blob NOT NULL,
	`qos` integer NOT NULL,
	`retain` integer NOT NULL,
	`payload_format` integer,
	`content_type` text,
	`response_topic` text,
	`correlation_data` blob,
	`user_properties` text,
	`expires_at` integer NOT NULL,
	`publisher` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`instance_id`, `topic`)
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`instance_id` text NOT NULL,
	`client_id` text NOT NULL,
	`expiry_interval` integer NOT NULL,
	`disconnected_at` integer NOT NULL,
	PRIMARY KEY(`instance_id`, `client_id`)
);
--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`instance_id` text NOT NULL,
	`client_id` text NOT NULL,
	`filter` text NOT NULL,
	`qos` integer NOT NULL,
	`no_local` integer NOT NULL,
	`retain_as_published` integer NOT NULL,
	`retain_handling` integer NOT NULL,
	`subscription_id` integer NOT NULL,
	PRIMARY KEY(`instance_id`, `client_id`, `filter`)
);
