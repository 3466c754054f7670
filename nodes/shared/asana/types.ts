/** Shapes of the Asana objects the pack reads (see Asana's OpenAPI: EventResponse, AuditLogEvent). */

export interface AsanaCompact {
	gid: string;
	resource_type?: string;
	resource_subtype?: string;
	name?: string;
	email?: string;
}

export interface AsanaEventChange {
	field?: string;
	action?: string;
	new_value?: unknown;
	added_value?: unknown;
	removed_value?: unknown;
}

export interface AsanaEvent {
	user: AsanaCompact | null;
	resource: AsanaCompact;
	type?: string;
	action: string;
	parent?: AsanaCompact | null;
	created_at: string;
	change?: AsanaEventChange | null;
}

export interface EventsPage {
	data?: AsanaEvent[];
	sync: string;
	has_more?: boolean;
}

export interface AuditLogEvent {
	gid: string;
	created_at: string;
	event_type: string;
	event_category: string;
	actor: { actor_type: string; gid?: string; name?: string; email?: string };
	resource: {
		resource_type?: string;
		resource_subtype?: string;
		gid?: string;
		name?: string;
		email?: string;
	};
	details?: Record<string, unknown>;
	context?: {
		context_type?: string;
		api_authentication_method?: string;
		client_ip_address?: string;
		user_agent?: string;
		oauth_app_name?: string;
		rule_name?: string;
	};
}

export interface AuditLogPage {
	data: AuditLogEvent[];
	next_page: { offset: string; path?: string; uri?: string } | null;
}

/** One events stream: the events of a task, project or goal, or of a whole workspace. */
export type StreamTarget =
	{ kind: 'resource'; gid: string; resourceType?: string } | { kind: 'workspace'; gid: string };
