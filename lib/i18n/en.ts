/**
 * English strings. Keys are flat; `{name}` placeholders are filled by `translate`.
 * zh.ts must have exactly the same keys (the type checker enforces it).
 */
export const en = {
  // Validation (keys used by lib/schemas.ts and server errors)
  'v.required': 'This field is required.',
  'v.instanceId.format': 'Not an instance ID: expected "mqtt-cn-" followed by 10-14 lowercase letters or digits.',
  'v.instanceName.length': 'The name must be 3-64 characters long.',
  'v.instanceName.chars': 'The name may contain only letters, digits, "-" and "_".',
  'v.spec.maxConnections': 'Choose a maximum number of connections from the list: 100, 1,000, 5,000, 10,000, 20,000, 50,000 or 100,000.',
  'v.spec.maxTps': 'Choose a maximum message TPS from the list: 100, 500, 1,000, 3,000, 5,000, 10,000 or 20,000.',
  'v.spec.maxSubscriptions': 'Choose a maximum number of subscriptions from the list: 1,000, 10,000, 50,000, 100,000, 200,000, 500,000 or 1,000,000.',
  'v.description.length': 'The description may be at most 256 characters long.',
  'v.topicName.length': 'A parent topic name must be 3-64 characters long.',
  'v.topicName.chars': 'A parent topic name may contain only letters, digits, "-" and "_" (no "/": subtopics need no creation).',
  'v.groupName.prefix': 'A Group ID must start with "GID_" or "GID-".',
  'v.groupName.length': 'A Group ID must be 7-64 characters long, prefix included.',
  'v.groupName.chars': 'A Group ID may contain only letters, digits, "-" and "_".',
  'v.accessKeyId.format': 'Not an AccessKey ID: expected "LTAI" followed by 16-24 letters or digits.',
  'v.password.length': 'The password must be 8-256 characters long.',
  'v.password.mismatch': 'The two passwords do not match.',
  'v.host.format': 'Enter a host name (e.g. mqtt.example.com) or an IP address.',
  'e.duplicate.instance': 'An instance named "{name}" already exists. Instance names must be unique.',
  'e.duplicate.topic': 'The parent topic "{name}" already exists in this instance. Names must be unique per instance.',
  'e.duplicate.group': 'The Group ID "{name}" already exists in this instance. Names must be unique per instance.',
  'e.notFound.instance': 'Instance "{id}" does not exist.',
  'e.notFound.topic': 'Parent topic "{name}" does not exist in instance "{instanceId}".',
  'e.notFound.group': 'Group ID "{name}" does not exist in instance "{instanceId}".',
  'e.notFound.accessKey': 'AccessKey "{id}" does not exist.',
  'e.noFreePorts': 'No free ports are left for a new instance\'s listeners.',
  'e.unauthorized': 'You are not logged in, or your session has expired. Log in again.',
  'e.badCredentials': 'Wrong username or password.',
  'e.tooManyAttempts': 'Too many failed logins. Try again in {seconds} seconds.',
  'e.alreadySetUp': 'The admin account already exists. Log in instead.',
  'e.notSetUp': 'Magpie is not set up yet: create the admin password first.',
  'e.deleteConfirm': 'Type the instance name "{name}" exactly to confirm.',
  'e.wrongPassword': 'The current password is wrong.',
  'e.internal': 'Something went wrong on the server. Try again; if it keeps happening, check the console log.',
} as const;

export type MessageKey = keyof typeof en;
