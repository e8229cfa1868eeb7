ALTER TABLE `names` ADD `last_day` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Names recorded before this column existed: their last use is unknown, so it counts as today
-- (retention deletes them once a full retention period has passed without them).
UPDATE `names` SET `last_day` = CAST(strftime('%s', 'now') AS INTEGER) / 86400;--> statement-breakpoint
CREATE INDEX `names_last_day_idx` ON `names` (`last_day`);
