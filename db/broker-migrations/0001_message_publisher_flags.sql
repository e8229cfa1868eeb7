ALTER TABLE `messages` ADD `protocol_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` ADD `clean_session` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `retained` ADD `protocol_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `retained` ADD `clean_session` integer DEFAULT false NOT NULL;