/**
 * A loopback Asana for tests, benchmarks, the end-to-end run and the demo: the API surface
 * the pack uses, with Asana's sync-token, audit-offset, pagination and error behaviour,
 * faults on demand, and a request log to assert on.
 */
import { randomBytes } from 'crypto';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';

import {
	GENERATED_AUDIT_MIX,
	Domain,
	type AuditLogEvent,
	type Compact,
	type CustomField,
	type Goal,
	type Portfolio,
	type Project,
	type RealChange,
	type Section,
	type SimEvent,
	type Story,
	type Task,
	type Team,
	type Tier,
	type User,
	type Workspace,
} from './domain';
import {
	startServer,
	type Counters,
	type FaultSpec,
	type RequestRecord,
	type SimServer,
} from './server';

export { controlExamples } from './server';
export type {
	AuditLogEvent,
	Compact,
	Counters,
	CustomField,
	FaultSpec,
	Goal,
	Portfolio,
	Project,
	RealChange,
	RequestRecord,
	Section,
	SimEvent,
	Story,
	Task,
	Team,
	Tier,
	User,
	Workspace,
};

export interface SimulatorOptions {
	/** 0 (default) picks a free port. */
	port?: number;
	/** Added before every API response. */
	latencyMs?: number;
	/** Older sync tokens answer 412 with a fresh token (default 24 h). */
	syncTokenMaxAgeMs?: number;
	/** Older audit offsets answer 400 (default: never). */
	auditOffsetMaxAgeMs?: number;
	/** Clock for created_at of generated data and for token and offset ages. */
	now?: () => number;
	/** Seed of the PRNG behind generated activity and audit events. */
	seed?: number;
	/** Requests per token per minute before Asana's 429 (default: no limit). */
	rateLimitPerMinute?: number;
}

export interface OAuthTokens {
	access_token: string;
	refresh_token: string;
}

const DAY = 24 * 3600 * 1000;
const ACCESS_TOKEN_TTL_S = 3600;

interface ApiToken {
	userGid: string;
	/** OAuth access tokens expire; personal and service account tokens do not. */
	expiresAt?: number;
	expired?: boolean;
}

export class AsanaSimulator {
	readonly domain: Domain;
	readonly workspaceGid: string;
	readonly users: { alice: User; bob: User; serviceAccount: User };
	/** Fixed tokens: alice's and bob's personal access tokens, the service account's token. */
	readonly tokens = {
		alice: '2/1200000000000901/1200000000000902:alicesimulatedtoken0000000000001',
		bob: '2/1200000000000903/1200000000000904:bobsimulatedtoken00000000000002',
		serviceAccount: '2/1200000000000905/1200000000000906:serviceaccountsimulatedtoken03',
	};
	/** What start() created besides the users: two projects with three tasks each, one goal. */
	readonly seeded: { projects: Project[]; tasks: Task[]; goals: Goal[] };
	private readonly apiTokens = new Map<string, ApiToken>();
	private readonly oauthClients = new Map<string, string>();
	private readonly refreshTokens = new Map<string, { userGid: string; clientId: string }>();
	private readonly authorizationCodes = new Map<string, { userGid: string; clientId: string }>();
	private server?: SimServer;
	/** How far `advanceClock` moved the simulator's clock ahead of the one it was given. */
	private clockOffsetMs = 0;

	private constructor(options: SimulatorOptions) {
		const now = options.now ?? Date.now;
		this.domain = new Domain(
			() => now() + this.clockOffsetMs,
			options.seed ?? 1,
			options.syncTokenMaxAgeMs ?? DAY,
			options.auditOffsetMaxAgeMs ?? Number.POSITIVE_INFINITY,
		);
		this.workspaceGid = this.domain.addWorkspace('Acme Corp').gid;
		this.users = {
			alice: this.domain.addUser('Alice Admin', 'alice@acme.test', false),
			bob: this.domain.addUser('Bob Builder', 'bob@acme.test', false),
			serviceAccount: this.domain.addUser('Audit Bot', 'audit-bot@acme.test', true),
		};
		this.apiTokens.set(this.tokens.alice, { userGid: this.users.alice.gid });
		this.apiTokens.set(this.tokens.bob, { userGid: this.users.bob.gid });
		this.apiTokens.set(this.tokens.serviceAccount, { userGid: this.users.serviceAccount.gid });
		this.seeded = this.seed();
	}

	/** Objects that already existed: their creation is history, so no stream carries it. */
	private seed(): { projects: Project[]; tasks: Task[]; goals: Goal[] } {
		const plan: Array<[string, string[]]> = [
			['Website relaunch', ['Draft plan', 'Review copy', 'Ship it']],
			['Customer onboarding', ['Kickoff call', 'Send welcome pack', 'Collect feedback']],
		];
		const projects: Project[] = [];
		const tasks: Task[] = [];
		for (const [name, taskNames] of plan) {
			const project = this.domain.createProject(name, this.workspaceGid, this.users.alice.gid);
			projects.push(project);
			for (const taskName of taskNames)
				tasks.push(this.createTask({ name: taskName, projectGids: [project.gid] }));
		}
		const goals = [
			this.domain.createGoal('Grow active customers', this.workspaceGid, this.users.alice.gid),
		];
		this.domain.streams.clear();
		return { projects, tasks, goals };
	}

	static async start(options: SimulatorOptions = {}): Promise<AsanaSimulator> {
		const sim = new AsanaSimulator(options);
		sim.server = await startServer(sim, options.port ?? 0, options.latencyMs ?? 0);
		sim.server.rateLimitPerMinute = options.rateLimitPerMinute;
		return sim;
	}

	/** e.g. http://127.0.0.1:PORT */
	get origin(): string {
		return this.running.origin;
	}
	get baseUrl(): string {
		return `${this.origin}/api/1.0`;
	}
	get oauthTokenUrl(): string {
		return `${this.origin}/-/oauth_token`;
	}
	get requestLog(): RequestRecord[] {
		return this.running.log;
	}
	get counters(): Counters {
		return this.running.counters;
	}

	private get running(): SimServer {
		if (!this.server) throw new Error('simulator: not started');
		return this.server;
	}

	/** Closes the server and every open socket. */
	async stop(): Promise<void> {
		await this.server?.close();
	}

	resetLog(): void {
		this.running.resetLog();
	}
	setLatency(ms: number): void {
		this.running.latencyMs = ms;
	}
	/** Faults are served in the order injected, each to `times` requests whose path matches. */
	injectFault(fault: FaultSpec): void {
		this.running.faults.push({ ...fault, remaining: fault.times ?? 1 });
	}
	clearFaults(): void {
		this.running.faults.length = 0;
	}

	// ---- domain set-up -----------------------------------------------------------------

	addWorkspace(name: string): Workspace {
		return this.domain.addWorkspace(name);
	}

	/** Workspace events and the audit log need a service account on enterprise_plus. */
	setTier(tier: Tier, workspaceGid = this.workspaceGid): void {
		this.domain.workspace(workspaceGid).tier = tier;
	}

	/** A project, in a team and a portfolio when given; its creation is no event of any stream. */
	createProject(
		name: string,
		workspaceGid = this.workspaceGid,
		place: { teamGid?: string; portfolioGid?: string } = {},
	): Project {
		const project = this.domain.createProject(
			name,
			workspaceGid,
			this.users.alice.gid,
			place.teamGid,
		);
		if (place.portfolioGid) this.domain.addToPortfolio(place.portfolioGid, project.gid);
		return project;
	}

	createTeam(name: string, workspaceGid = this.workspaceGid): Team {
		return this.domain.createTeam(name, workspaceGid);
	}

	/** Owned by alice: a user's token lists only the portfolios that user owns. */
	createPortfolio(name: string, workspaceGid = this.workspaceGid): Portfolio {
		return this.domain.createPortfolio(name, workspaceGid, this.users.alice.gid);
	}

	addToPortfolio(portfolioGid: string, itemGid: string): void {
		this.domain.addToPortfolio(portfolioGid, itemGid);
	}

	removeFromPortfolio(portfolioGid: string, itemGid: string): void {
		this.domain.removeFromPortfolio(portfolioGid, itemGid);
	}

	archiveProject(projectGid: string, archived = true): void {
		this.domain.archiveProject(projectGid, archived);
	}

	deleteProject(projectGid: string): void {
		this.domain.deleteProject(projectGid);
	}

	/** The token's user loses access to the project (403), or gets it back (`restricted: false`). */
	restrictProject(projectGid: string, restricted = true, options: { listed?: boolean } = {}): void {
		this.domain.restrictProject(projectGid, restricted, options.listed ?? false);
	}

	/** Events as webhooks deliver them from now on: gids and types, no names (true), or with names. */
	setWebhookStyleEvents(on: boolean): void {
		this.running.webhookStyleEvents = on;
	}

	/** Resource streams answer pages of at most this many events (Asana's 100 by default). */
	setResourcePageSize(events: number): void {
		this.running.resourcePageSize = events;
	}

	/** Asana's per-token limit: more requests in the last minute answer 429 with Retry-After. */
	setRateLimit(perMinute: number | undefined): void {
		this.running.rateLimitPerMinute = perMinute;
	}

	createGoal(name: string, workspaceGid = this.workspaceGid): Goal {
		return this.domain.createGoal(name, workspaceGid, this.users.alice.gid);
	}

	/** Emits 'added' (parent: each project, and the parent task for a subtask). */
	createTask(opts: {
		name: string;
		projectGids?: string[];
		parentGid?: string;
		assigneeGid?: string;
		resourceSubtype?: string;
		sectionGid?: string;
		by?: string | null;
	}): Task {
		return this.domain.createTask({
			...opts,
			workspaceGid: this.workspaceGid,
			by: this.actor(opts.by),
		});
	}

	/** `by` defaults to alice; null is the system (event `user: null`). */
	private actor(by: string | null | undefined): string | null {
		return by === undefined ? this.users.alice.gid : by;
	}

	// ---- activity ----------------------------------------------------------------------

	/**
	 * Plain fields (name, due_on, completed, notes ...) change without a value; `assignee`
	 * carries `new_value`, `followers` `added_value`/`removed_value` (toggles membership),
	 * and a `{gid, resource_type}` value is carried as `new_value`.
	 */
	changeTask(taskGid: string, field: string, value?: unknown, by?: string | null): void {
		this.domain.changeTask(taskGid, field, value, this.actor(by));
	}
	/** The task's latest event once more, same time and content (a change twice in one millisecond). */
	twinLastTaskEvent(taskGid: string): void {
		this.domain.twinLastTaskEvent(taskGid);
	}
	/** `changed completed`, `changed completed_at` and a `marked_complete` story, at one instant. */
	completeTask(taskGid: string, by?: string | null): void {
		this.domain.changeTask(taskGid, 'completed', true, this.actor(by));
	}
	/** The same three, with a `marked_incomplete` story. */
	reopenTask(taskGid: string, by?: string | null): void {
		this.domain.changeTask(taskGid, 'completed', false, this.actor(by));
	}
	/** `changed` with no `change` block, as Asana reports some changes. */
	touchTask(taskGid: string, by?: string | null): void {
		this.domain.touchTask(taskGid, this.actor(by));
	}
	/** What happened so far, one entry per change, whatever events it produced. */
	get changes(): readonly RealChange[] {
		return this.domain.changes;
	}
	assignTask(taskGid: string, userGid: string, by?: string | null): void {
		this.domain.changeTask(taskGid, 'assignee', userGid, this.actor(by));
	}
	renameTask(taskGid: string, name: string, by?: string | null): void {
		this.domain.changeTask(taskGid, 'name', name, this.actor(by));
	}
	addComment(taskGid: string, text: string, by?: string | null): Story {
		return this.domain.addComment(taskGid, text, this.actor(by));
	}
	addTaskToProject(taskGid: string, projectGid: string, by?: string | null): void {
		this.domain.addTaskToProject(taskGid, projectGid, this.actor(by));
	}
	removeTaskFromProject(taskGid: string, projectGid: string, by?: string | null): void {
		this.domain.removeTaskFromProject(taskGid, projectGid, this.actor(by));
	}
	deleteTask(taskGid: string, by?: string | null): void {
		this.domain.deleteTask(taskGid, this.actor(by));
	}
	/** Reading the task answers 403 from now on, as for a task made private to others. */
	restrictTask(taskGid: string): void {
		this.domain.task(taskGid).restricted = true;
	}
	undeleteTask(taskGid: string, by?: string | null): void {
		this.domain.undeleteTask(taskGid, this.actor(by));
	}
	changeGoal(goalGid: string, field: string, by?: string | null): void {
		this.domain.changeGoal(goalGid, field, this.actor(by));
	}
	createSection(projectGid: string, name: string): Section {
		return this.domain.createSection(projectGid, name);
	}
	/** Emits 'added' with the section as parent, 'removed' from the one before, a `section_changed` story. */
	moveTaskToSection(taskGid: string, sectionGid: string, by?: string | null): void {
		this.domain.moveTaskToSection(taskGid, sectionGid, this.actor(by));
	}
	/** A custom field on the project, listed by GET /projects/{gid}/custom_field_settings. */
	addCustomField(projectGid: string, name: string, type?: string): CustomField {
		return this.domain.addCustomField(projectGid, name, type);
	}
	/** An existing custom field on another project too: one field, a setting per project. */
	addCustomFieldSetting(projectGid: string, fieldGid: string): void {
		this.domain.addCustomFieldSetting(projectGid, fieldGid);
	}
	/** Emits 'changed' custom_fields with the field as new_value. */
	setCustomFieldValue(taskGid: string, customFieldGid: string, by?: string | null): void {
		this.domain.setCustomFieldValue(taskGid, customFieldGid, this.actor(by));
	}
	/** Emits 'added' status_update, parent the project or goal. */
	postStatusUpdate(parentGid: string, title: string, by?: string | null): Compact {
		return this.domain.postStatusUpdate(parentGid, title, this.actor(by));
	}

	/** A realistic seeded mix of the above, on one project (default: the first seeded one). */
	generateActivity(count: number, opts: { projectGid?: string } = {}): void {
		this.domain.generateActivity(count, opts.projectGid ?? this.seeded.projects[0].gid);
	}

	/** Fast path for big backlogs: `count` 'changed' events by alice on tasks of the project. */
	bulkTaskEvents(projectGid: string, count: number): void {
		this.domain.bulkTaskEvents(projectGid, count, this.users.alice.gid, this.workspaceGid);
	}

	/** How many events a stream (task, project, goal or workspace gid) holds. */
	eventsEmitted(streamGid: string): number {
		return this.domain.streams.get(streamGid)?.length ?? 0;
	}

	/**
	 * Moves the simulator's clock on: sync tokens and audit offsets age by `ms`, and what
	 * happens next is dated that much later. How a test lets tokens run out of life.
	 */
	advanceClock(ms: number): void {
		this.clockOffsetMs += ms;
	}

	/** Every token issued so far (for that stream), or only those issued before `before`, now answers 412. */
	expireSyncTokens(streamGid?: string, before?: string): void {
		this.domain.expireSyncTokens(streamGid, before);
	}

	// ---- audit log ---------------------------------------------------------------------

	/** One event at now() (default: alice's web login from 10.0.0.1); `partial` overrides any field. */
	addAuditEvent(
		partial: Partial<AuditLogEvent> = {},
		workspaceGid = this.workspaceGid,
	): AuditLogEvent {
		return this.domain.addAudit(workspaceGid, partial, this.users.alice);
	}

	/** `count` events evenly spread over [from, to) (default: the hour before now()), cycling through `eventTypes` (default: GENERATED_AUDIT_MIX). */
	generateAuditEvents(
		count: number,
		opts: { from?: number; to?: number; eventTypes?: string[]; workspaceGid?: string } = {},
	): AuditLogEvent[] {
		const to = opts.to ?? this.domain.now();
		const from = opts.from ?? to - 3600 * 1000;
		const types = opts.eventTypes?.length ? opts.eventTypes : GENERATED_AUDIT_MIX;
		return this.domain.generateAudit(
			opts.workspaceGid ?? this.workspaceGid,
			count,
			from,
			to,
			types,
		);
	}

	/**
	 * `count` events after the newest one, up to now(): what a live domain logs between two
	 * polls. A stream's offset never skips them, unlike events back-dated into the past.
	 */
	recentAuditEvents(count: number, workspaceGid = this.workspaceGid): AuditLogEvent[] {
		const list = this.domain.auditList(workspaceGid);
		const now = this.domain.now();
		const newest = list.length ? Date.parse(list[list.length - 1].created_at) : -Infinity;
		const from = Math.max(now - 1000, newest + 1);
		return this.generateAuditEvents(count, { from, to: Math.max(from + 1, now), workspaceGid });
	}

	/** Every offset issued so far now answers 400. */
	expireAuditOffsets(): void {
		this.domain.expireAuditOffsets();
	}

	// ---- authentication ----------------------------------------------------------------

	/** The user a bearer token belongs to, or undefined when it is unknown, revoked or expired. */
	userForToken(token: string): User | undefined {
		const record = this.apiTokens.get(token);
		if (!record || record.expired) return undefined;
		if (record.expiresAt !== undefined && this.domain.now() >= record.expiresAt) return undefined;
		return this.domain.users.get(record.userGid);
	}

	/** The pack's OAuth2 credential, as n8n stores it once connected to this simulator with these tokens (client `client-1`). */
	oauth2Credentials(
		accessToken: string,
		refreshToken: string,
	): { asanaEventsOAuth2Api: ICredentialDataDecryptedObject } {
		return {
			asanaEventsOAuth2Api: {
				clientId: 'client-1',
				clientSecret: 'client-secret-1',
				accessTokenUrl: this.oauthTokenUrl,
				authUrl: `${this.origin}/-/oauth_authorize`,
				authentication: 'body',
				grantType: 'pkce',
				scope: 'default',
				baseUrl: this.baseUrl,
				oauthTokenData: {
					access_token: accessToken,
					refresh_token: refreshToken,
					token_type: 'bearer',
				},
			},
		};
	}

	registerOAuthClient(clientId: string, clientSecret: string): void {
		this.oauthClients.set(clientId, clientSecret);
	}

	/** Tokens as if the user had authorized the app; the access token lasts 3600 s of now(). */
	issueOAuthTokens(userGid: string, clientId: string): OAuthTokens {
		const refresh_token = `2/${userGid}/${randomBytes(16).toString('hex')}`;
		this.refreshTokens.set(refresh_token, { userGid, clientId });
		return { access_token: this.issueAccessToken(userGid), refresh_token };
	}

	/** A code for the authorization_code grant, as the authorize page would redirect with. */
	issueAuthorizationCode(userGid: string, clientId: string): string {
		const code = randomBytes(12).toString('hex');
		this.authorizationCodes.set(code, { userGid, clientId });
		return code;
	}

	/** The access token now answers 401, so a client must refresh. */
	expireAccessToken(accessToken: string): void {
		const record = this.apiTokens.get(accessToken);
		if (record) record.expired = true;
	}

	private issueAccessToken(userGid: string): string {
		const token = `oauth-${randomBytes(20).toString('hex')}`;
		this.apiTokens.set(token, {
			userGid,
			expiresAt: this.domain.now() + ACCESS_TOKEN_TTL_S * 1000,
		});
		return token;
	}

	/** The token endpoint's answer to an already parsed request. */
	oauthGrant(params: Record<string, string | undefined>): {
		status: number;
		body: Record<string, unknown>;
	} {
		const { client_id: clientId, client_secret: clientSecret, grant_type: grantType } = params;
		if (
			!clientId ||
			!this.oauthClients.has(clientId) ||
			this.oauthClients.get(clientId) !== clientSecret
		) {
			return {
				status: 401,
				body: {
					error: 'invalid_client',
					error_description: 'The client is unknown or its secret is wrong.',
				},
			};
		}
		let grant: { userGid: string; clientId: string } | undefined;
		let refreshToken: string | undefined;
		if (grantType === 'refresh_token') {
			grant = this.refreshTokens.get(params.refresh_token ?? '');
			refreshToken = params.refresh_token;
		} else if (grantType === 'authorization_code') {
			grant = this.authorizationCodes.get(params.code ?? '');
			this.authorizationCodes.delete(params.code ?? '');
			if (grant) {
				refreshToken = `2/${grant.userGid}/${randomBytes(16).toString('hex')}`;
				this.refreshTokens.set(refreshToken, grant);
			}
		} else {
			return {
				status: 400,
				body: {
					error: 'unsupported_grant_type',
					error_description: `Unsupported grant_type: ${grantType ?? '(none)'}`,
				},
			};
		}
		if (!grant || grant.clientId !== clientId || !refreshToken) {
			return {
				status: 400,
				body: {
					error: 'invalid_grant',
					error_description:
						'The code or refresh token is invalid, expired or issued to another client.',
				},
			};
		}
		const user = this.domain.users.get(grant.userGid);
		return {
			status: 200,
			body: {
				access_token: this.issueAccessToken(grant.userGid),
				refresh_token: refreshToken,
				expires_in: ACCESS_TOKEN_TTL_S,
				token_type: 'bearer',
				data: { gid: grant.userGid, name: user?.name, email: user?.email },
			},
		};
	}

	/** What /_sim/state reports, for drivers in another process. */
	state(): Record<string, unknown> {
		const domain = this.domain;
		return {
			baseUrl: this.baseUrl,
			oauthTokenUrl: this.oauthTokenUrl,
			workspaceGid: this.workspaceGid,
			workspaces: [...domain.workspaces.values()],
			tokens: this.tokens,
			users: Object.fromEntries(
				Object.entries(this.users).map(([key, u]) => [
					key,
					{ gid: u.gid, name: u.name, email: u.email },
				]),
			),
			projects: [...domain.projects.values()].map((p) => ({
				gid: p.gid,
				name: p.name,
				workspaceGid: p.workspaceGid,
			})),
			tasks: [...domain.tasks.values()].map((t) => ({
				gid: t.gid,
				name: t.name,
				projectGids: [...t.projectGids],
				parentGid: t.parentGid ?? null,
				completed: t.completed,
				deleted: t.deleted,
			})),
			goals: [...domain.goals.values()].map((g) => ({
				gid: g.gid,
				name: g.name,
				workspaceGid: g.workspaceGid,
			})),
			streams: Object.fromEntries([...domain.streams].map(([gid, list]) => [gid, list.length])),
			audit: Object.fromEntries([...domain.audit].map(([gid, list]) => [gid, list.length])),
			counters: this.counters,
		};
	}
}
