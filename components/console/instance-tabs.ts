export const INSTANCE_TABS = ['basic', 'statistics', 'endpoints', 'connect', 'topics', 'groups', 'permissions', 'credentials', 'rules'] as const;
export type InstanceTab = (typeof INSTANCE_TABS)[number];

export function isInstanceTab(v: unknown): v is InstanceTab {
  return (INSTANCE_TABS as readonly unknown[]).includes(v);
}

export function tabLabelKey(tab: InstanceTab): string {
  return `instance.tab.${tab}`;
}
