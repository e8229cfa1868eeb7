ALTER TABLE `sessions` ADD `will_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `will_topic` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `will_payload` blob;--> statement-breakpoint
ALTER TABLE `sessions` ADD `will_qos` integer;--> statement-breakpoint
ALTER TABLE `sessions` ADD `will_retain` integer;--> statement-breakpoint
ALTER TABLE `sessions` ADD `will_payload_format` integer;--> statement-breakpoint
ALTER TABLE `sessions` ADD `will_content_type` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `will_response_topic` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `will_correlation_data` blob;--> statement-breakpoint
ALTER TABLE `sessions` ADD `will_user_properties` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `will_expiry_interval` integer;