/** What an audit event did to its resource, read from its type's last word. */
export type AuditVerb = 'create' | 'read' | 'update' | 'delete' | 'other';

const VERB_BY_SUFFIX: Array<[RegExp, AuditVerb]> = [
	[/_(created|added|installed|invited)$/, 'create'],
	[/_(exported|downloaded|viewed|accessed)$/, 'read'],
	[/_(changed|updated|renamed|moved|reset|enabled|disabled)$/, 'update'],
	[/_(deleted|removed|uninstalled|revoked|deprovisioned)$/, 'delete'],
];

/** For types no format table names: Asana adds types over time, and each still gets a mapping. */
export function auditVerb(eventType: string): AuditVerb {
	return VERB_BY_SUFFIX.find(([suffix]) => suffix.test(eventType))?.[1] ?? 'other';
}
