/**
 * A loopback Asana: the API surface the pack uses, with Asana's sync-token, pagination,
 * rate-limit and error behaviour, faults on demand, and a request log to assert on.
 */
import {
	AUDIT_EVENT_TYPES,
	Domain,
	type AuditLogEvent,
	type Compact,
	type Goal,
	type Project,
	type SimEvent,
	type Story,
	type Task,
	type Tier,
	type User,
	type Workspace,
} from './domain';
import { startServer, type FaultSpec, type RequestRecord, type RunningServer } from './server';

export type { AuditLogEvent, Compact, FaultSpec, Goal, Project, RequestRecord, SimEvent, Story, Task, Tier, User, Workspace };

export interface SimulatorOptions {
	port?: number;
	latencyMs?: number;
	syncTokenMaxAgeMs?: number;
	auditOffsetMaxAgeMs?: number;
	now?: () => number;
	seed?: number;
}

const DAY = 24 * 3600 * 1000;

export class AsanaSimulator {
	readonly domain: Domain;
	readonly workspaceGid: string;
	readonly users: { alice: User; bob: User; serviceAccount: User };
	readonly tokens: { alice: string; bob: string; serviceAccount: string };
	readonly apiTokens = new Map<string, { userGid: string; expired?: boolean }>();
	readonly oauthClients = new Map<string, string>();
	readonly refreshTokens = new Map<string, { userGid: string; clientId: string }>();
	private server?: RunningServer;

	private constructor(options: SimulatorOptions) {
		this.domain = new Domain(
			options.now ?? Date.now,
			options.seed ?? 1,
			options.syncTokenMaxAgeMs ?? DAY,
			options.auditOffsetMaxAgeMs ?? Number.POSITIVE_INFINITY,
		);
		const workspace = this.addWorkspace('Acme Corp');
		this.workspaceGid = workspace.gid;
		this.users = {
			alice: this.addUser('Alice Admin', 'alice@acme.test', false),
			bob: this.addUser('Bob Builder', 'bob@acme.test', false),
			serviceAccount: this.addUser('Audit Bot', 'audit-bot@acme.test', true),
		};
		this.tokens = {
			alice: '2/1200000000000901/1200000000000902:alicesimulatedtoken0000000000001',
			bob: '2/1200000000000903/1200000000000904:bobsimulatedtoken00000000000002',
			serviceAccount: '2/1200000000000905/1200000000000906:serviceaccountsimulatedtoken03',
		};
		this.apiTokens.set(this.tokens.alice, { userGid: this.users.alice.gid });
		this.apiTokens.set(this.tokens.bob, { userGid: this.users.bob.gid });
		this.apiTokens.set(this.tokens.serviceAccount, { userGid: this.users.serviceAccount.gid });
	}

	static async start(options: SimulatorOptions = {}): Promise<AsanaSimulator> {
		const sim = new AsanaSimulator(options);
		sim.server = await startServer(sim, options.port ?? 0, options.latencyMs ?? 0);
		return sim;
	}

	get origin(): string {
		return this.server?.origin ?? '';
	}
	get baseUrl(): string {
		return `${this.origin}/api/1.0`;
	}
	get oauthTokenUrl(): string {
		return `${this.origin}/-/oauth_token`;
	}
	get requestLog(): RequestRecord[] {
		return this.server?.log ?? [];
	}
	get counters() {
		return this.server?.counters ?? { requests: 0, inFlight: 0, maxInFlight: 0, byStatus: {} };
	}

	async stop(): Promise<void> {
		await this.server?.close();
	}

	resetLog(): void {
		this.server?.resetLog();
	}
	setLatency(ms: number): void {
		if (this.server) this.server.latencyMs = ms;
	}
	injectFault(fault: FaultSpec): void {
		this.server?.faults.push({ ...fault, remaining: fault.times ?? 1 });
	}
	clearFaults(): void {
		if (this.server) this.server.faults.length = 0;
	}

	// ---- domain set-up -----------------------------------------------------------------

	addWorkspace(name: string): Workspace {
		const workspace: Workspace = { gid: this.domain.gid(), resource_type: 'workspace', name, tier: 'enterprise_plus' };
		this.domain.workspaces.set(workspace.gid, workspace);
		return workspace;
	}

	private addUser(name: string, email: string, isServiceAccount: boolean): User {
		const user: User = { gid: this.domain.gid(), resource_type: 'user', name, email, isServiceAccount };
		this.domain.users.set(user.gid, user);
		return user;
	}

	setTier(tier: Tier, workspaceGid = this.workspaceGid): void {
		(this.domain.workspaces.get(workspaceGid) as Workspace).tier = tier;
	}

	createProject(name: string, workspaceGid = this.workspaceGid): Project {
		const project: Project = { gid: this.domain.gid(), resource_type: 'project', name, workspaceGid, archived: false };
		this.domain.projects.set(project.gid, project);
		return project;
	}

	createGoal(name: string, workspaceGid = this.workspaceGid): Goal {
		const goal: Goal = { gid: this.domain.gid(), resource_type: 'goal', name, workspaceGid, status: 'on_track' };
		this.domain.goals.set(goal.gid, goal);
		return goal;
	}

	createTask(opts: { name: string; projectGids?: string[]; parentGid?: string; assigneeGid?: string; by?: string | null }): Task {
		const parent = opts.parentGid ? this.task(opts.parentGid) : undefined;
		const task: Task = {
			gid: this.domain.gid(),
			resource_type: 'task',
			resource_subtype: 'default_task',
			name: opts.name,
			workspaceGid: parent?.workspaceGid ?? this.workspaceGid,
			projectGids: new Set(opts.projectGids ?? []),
			parentGid: opts.parentGid,
			assigneeGid: opts.assigneeGid,
			completed: false,
			due_on: null,
			notes: '',
			deleted: false,
			followers: new Set(),
		};
		this.domain.tasks.set(task.gid, task);
		const by = this.actor(opts.by);
		for (const projectGid of task.projectGids) {
			const project = this.domain.projects.get(projectGid);
			if (project) this.emitTask(task, { user: by, resource: this.domain.compact(task), action: 'added', parent: this.domain.compact(project) });
		}
		if (parent) this.emitTask(task, { user: by, resource: this.domain.compact(task), action: 'added', parent: this.domain.compact(parent) });
		return task;
	}

	task(gid: string): Task {
		const task = this.domain.tasks.get(gid);
		if (!task) throw new Error(`simulator: no task ${gid}`);
		return task;
	}

	private actor(by: string | null | undefined): Compact | null {
		return this.domain.userCompact(by === undefined ? this.users.alice.gid : by);
	}

	private emitTask(task: Task, event: Omit<SimEvent, 'type' | 'created_at' | 'parent'> & { parent?: Compact | null }): void {
		this.domain.emit(this.domain.taskStreams(task), this.domain.event(event));
	}

	// ---- activity ----------------------------------------------------------------------

	/** A field change. Resource-valued fields carry the value; plain fields carry none, like Asana. */
	changeTask(taskGid: string, field: string, value?: unknown, by?: string | null): void {
		const task = this.task(taskGid);
		const change: NonNullable<SimEvent['change']> = { field, action: 'changed' };
		if (field === 'assignee') {
			task.assigneeGid = value ? String(value) : undefined;
			change.new_value = value ? this.domain.userCompact(String(value)) : null;
		} else if (field === 'followers' && value) {
			task.followers.add(String(value));
			change.action = 'added';
			change.added_value = this.domain.userCompact(String(value));
		} else if (field === 'name' && typeof value === 'string') {
			task.name = value;
		} else if (field === 'completed') {
			task.completed = value === undefined ? true : Boolean(value);
		} else if (field === 'due_on') {
			task.due_on = typeof value === 'string' ? value : task.due_on;
		} else if (field === 'notes' && typeof value === 'string') {
			task.notes = value;
		}
		this.emitTask(task, { user: this.actor(by), resource: this.domain.compact(task), action: 'changed', change });
	}

	completeTask(taskGid: string, by?: string | null): void {
		this.changeTask(taskGid, 'completed', true, by);
	}
	assignTask(taskGid: string, userGid: string, by?: string | null): void {
		this.changeTask(taskGid, 'assignee', userGid, by);
	}
	renameTask(taskGid: string, name: string, by?: string | null): void {
		this.changeTask(taskGid, 'name', name, by);
	}

	addComment(taskGid: string, text: string, by?: string | null): Story {
		const task = this.task(taskGid);
		const story: Story = { gid: this.domain.gid(), resource_type: 'story', resource_subtype: 'comment_added', name: text.slice(0, 40), text, taskGid };
		this.domain.stories.set(story.gid, story);
		this.emitTask(task, { user: this.actor(by), resource: this.domain.compact(story), action: 'added', parent: this.domain.compact(task) });
		return story;
	}

	addTaskToProject(taskGid: string, projectGid: string, by?: string | null): void {
		const task = this.task(taskGid);
		task.projectGids.add(projectGid);
		const project = this.domain.projects.get(projectGid) as Project;
		this.emitTask(task, { user: this.actor(by), resource: this.domain.compact(task), action: 'added', parent: this.domain.compact(project) });
	}

	removeTaskFromProject(taskGid: string, projectGid: string, by?: string | null): void {
		const task = this.task(taskGid);
		const project = this.domain.projects.get(projectGid) as Project;
		this.emitTask(task, { user: this.actor(by), resource: this.domain.compact(task), action: 'removed', parent: this.domain.compact(project) });
		task.projectGids.delete(projectGid);
	}

	deleteTask(taskGid: string, by?: string | null): void {
		const task = this.task(taskGid);
		task.deleted = true;
		this.emitTask(task, { user: this.actor(by), resource: this.domain.compact(task), action: 'deleted' });
	}

	undeleteTask(taskGid: string, by?: string | null): void {
		const task = this.task(taskGid);
		task.deleted = false;
		this.emitTask(task, { user: this.actor(by), resource: this.domain.compact(task), action: 'undeleted' });
	}

	changeGoal(goalGid: string, field: string, by?: string | null): void {
		const goal = this.domain.goals.get(goalGid) as Goal;
		this.domain.emit(
			[goal.gid, goal.workspaceGid],
			this.domain.event({ user: this.actor(by), resource: this.domain.compact(goal), action: 'changed', change: { field, action: 'changed' } }),
		);
	}

	/** A realistic, seeded mix of edits, comments, assignments and moves. */
	generateActivity(count: number, opts: { projectGid?: string } = {}): void {
		const random = this.domain.random;
		const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
		const projectGid = opts.projectGid ?? [...this.domain.projects.keys()][0] ?? this.createProject('Activity').gid;
		const people = [this.users.alice.gid, this.users.bob.gid];
		for (let i = 0; i < count; i++) {
			const tasks = [...this.domain.tasks.values()].filter((t) => t.projectGids.has(projectGid) && !t.deleted);
			const roll = random();
			if (tasks.length === 0 || roll < 0.1) {
				this.createTask({ name: `Task ${this.domain.tasks.size + 1}`, projectGids: [projectGid], by: pick(people) });
				continue;
			}
			const task = pick(tasks);
			if (roll < 0.3) this.renameTask(task.gid, `${task.name?.replace(/ \(v\d+\)$/, '')} (v${i})`, pick(people));
			else if (roll < 0.45) this.assignTask(task.gid, pick(people), pick(people));
			else if (roll < 0.6) this.addComment(task.gid, `Update ${i}`, pick(people));
			else if (roll < 0.7) this.completeTask(task.gid, pick(people));
			else if (roll < 0.8) this.changeTask(task.gid, 'due_on', '2026-12-01', pick(people));
			else if (roll < 0.9) this.changeTask(task.gid, 'followers', pick(people), pick(people));
			else this.changeTask(task.gid, 'custom_fields', undefined, null);
		}
	}

	/** Fast path for large backlogs: `count` changed events on tasks of the project. */
	bulkTaskEvents(projectGid: string, count: number): void {
		let tasks = [...this.domain.tasks.values()].filter((t) => t.projectGids.has(projectGid));
		if (tasks.length === 0) tasks = [this.createTask({ name: 'Bulk', projectGids: [projectGid] })];
		const user = this.domain.userCompact(this.users.alice.gid);
		const base = this.domain.now();
		for (let i = 0; i < count; i++) {
			const task = tasks[i % tasks.length];
			const event: SimEvent = {
				user,
				resource: this.domain.compact(task),
				type: 'task',
				action: 'changed',
				parent: null,
				created_at: new Date(base + i).toISOString(),
				change: { field: 'notes', action: 'changed' },
			};
			this.domain.emit(this.domain.taskStreams(task), event);
		}
	}

	eventsEmitted(streamGid: string): number {
		return this.domain.streams.get(streamGid)?.length ?? 0;
	}

	expireSyncTokens(streamGid?: string): void {
		this.domain.expireSyncTokens(streamGid);
	}

	// ---- audit log ---------------------------------------------------------------------

	addAuditEvent(partial: Partial<AuditLogEvent> = {}, workspaceGid = this.workspaceGid): AuditLogEvent {
		const eventType = partial.event_type ?? 'user_login_succeeded';
		const known = AUDIT_EVENT_TYPES[eventType] ?? { category: 'other', resource: 'user' };
		const actor = this.users.alice;
		const event: AuditLogEvent = {
			gid: this.domain.gid(),
			created_at: new Date(this.domain.now()).toISOString(),
			event_type: eventType,
			event_category: known.category,
			actor: { actor_type: 'user', gid: actor.gid, name: actor.name, email: actor.email },
			resource: { resource_type: known.resource, gid: actor.gid, name: actor.name },
			details: {},
			context: { context_type: 'web', client_ip_address: '10.0.0.1', user_agent: 'Mozilla/5.0 (simulated)' },
			...partial,
		};
		this.domain.addAudit(workspaceGid, event);
		return event;
	}

	generateAuditEvents(count: number, opts: { from?: number; to?: number; eventTypes?: string[]; workspaceGid?: string } = {}): AuditLogEvent[] {
		const to = opts.to ?? this.domain.now();
		const from = opts.from ?? to - 3600 * 1000;
		const types = opts.eventTypes ?? Object.keys(AUDIT_EVENT_TYPES);
		const people = [this.users.alice, this.users.bob];
		const random = this.domain.random;
		const list = this.domain.auditList(opts.workspaceGid ?? this.workspaceGid);
		const created: AuditLogEvent[] = [];
		const step = (to - from) / Math.max(1, count);
		for (let i = 0; i < count; i++) {
			const eventType = types[i % types.length];
			const known = AUDIT_EVENT_TYPES[eventType] ?? { category: 'other', resource: 'user' };
			const person = people[Math.floor(random() * people.length)];
			const event: AuditLogEvent = {
				gid: this.domain.gid(),
				created_at: new Date(Math.floor(from + i * step)).toISOString(),
				event_type: eventType,
				event_category: known.category,
				actor: { actor_type: 'user', gid: person.gid, name: person.name, email: person.email },
				resource: { resource_type: known.resource, gid: known.resource === 'user' ? person.gid : this.domain.gid(), name: `${known.resource} ${i}` },
				details: known.resource === 'user' ? {} : { old_value: null, new_value: null },
				context: { context_type: 'web', client_ip_address: `10.0.${i % 250}.${(i * 7) % 250}`, user_agent: 'Mozilla/5.0 (simulated)' },
			};
			list.push(event);
			created.push(event);
		}
		list.sort((a, b) => (a.created_at !== b.created_at ? (a.created_at < b.created_at ? -1 : 1) : a.gid.length - b.gid.length || (a.gid < b.gid ? -1 : 1)));
		return created;
	}

	expireAuditOffsets(): void {
		this.domain.expireAuditOffsets();
	}

	// ---- OAuth -------------------------------------------------------------------------

	registerOAuthClient(clientId: string, clientSecret: string): void {
		this.oauthClients.set(clientId, clientSecret);
	}

	issueOAuthTokens(userGid: string, clientId: string): { access_token: string; refresh_token: string } {
		const access_token = `oauth-access-${this.domain.gid()}`;
		const refresh_token = `oauth-refresh-${this.domain.gid()}`;
		this.apiTokens.set(access_token, { userGid });
		this.refreshTokens.set(refresh_token, { userGid, clientId });
		return { access_token, refresh_token };
	}

	expireAccessToken(accessToken: string): void {
		const record = this.apiTokens.get(accessToken);
		if (record) record.expired = true;
	}
}
