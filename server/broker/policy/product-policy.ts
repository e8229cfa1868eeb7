/**
 * The product's policy for one instance (PRODUCT.md §1, §3, §4): authentication by signature,
 * token or device credential; client IDs `<GroupID>@@@<DeviceID>` of an existing group;
 * topics under a created parent topic; token-scoped publish (W) and subscribe (R), token
 * updates in session (`$SYS/uploadToken`) and token notices. Topic permissions (deny rules)
 * apply on top, in every mode. An instance in open mode skips everything but the permissions.
 *
 * One object per instance lives as long as the instance: `update()` swaps in a new snapshot of
 * the database (main.ts reconcile()) and reviews the connections it already accepted, closing
 * those whose AccessKey was disabled or deleted, whose device credential was unregistered or
 * refreshed ('credential revoked'), or whose token was revoked ('token invalid'). Token
 * connections are also swept once a second for expiry (notice about 5 minutes ahead, then
 * `$SYS/tokenInvalidNotice` and disconnect).
 *
 * The instance limits (connections, subscriptions, topic length, payload size) are settings
 * the protocol handlers enforce in every mode (settings.ts).
 */
import type { QoS } from 'mqtt-packet';
import type { BrokerInstance } from '../instance';
import { createMessage } from '../message';
import { ConnState, type Connection } from '../protocol/connection';
import type { EndReason } from '../protocol/end-reasons';
import { RC } from '../protocol/reason-codes';
import { parseSharedFilter } from '../routing/topics';
import { groupOfClientId, isClientIdSignature, parseTokenPassword, parseUsername, type TokenType } from './credentials';
import type { AuthDecision, ClientInfo, ConnectRefusal, ConnectRequest, Policy, SubscribeDecision } from './policy';
import type { DeviceCredentialEntry, InstanceSnapshot } from './snapshot';
import { tokenHash } from '../../crypto/token-hash';
import { TOKEN_INVALID, type TokenEntry } from './tokens';
import { TopicPermissions } from './topic-permissions';

export const UPLOAD_TOKEN_TOPIC = '$SYS/uploadToken';
export const TOKEN_EXPIRE_NOTICE_TOPIC = '$SYS/tokenExpireNotice';
export const TOKEN_INVALID_NOTICE_TOPIC = '$SYS/tokenInvalidNotice';

/** How long before a token expires its holder is told ($SYS/tokenExpireNotice). */
export const EXPIRE_NOTICE_LEAD_MS = 5 * 60_000;

interface SignatureGrant {
  readonly mode: 'Signature';
  readonly accessKeyId: string;
}

interface DeviceGrant {
  readonly mode: 'DeviceCredential';
  readonly keyId: string;
  /** The sealed secret it logged in with: a refresh changes it. */
  readonly sealed: string;
}

/** One token a connection holds, for reading, writing or both. */
interface TokenHold {
  readonly entry: TokenEntry;
  readonly type: TokenType;
  /** $SYS/tokenExpireNotice was sent. */
  noticed: boolean;
}

interface TokenGrant {
  readonly mode: 'Token';
  readonly accessKeyId: string;
  read: TokenHold | null;
  write: TokenHold | null;
}

type Grant = SignatureGrant | DeviceGrant | TokenGrant;

const OK: AuthDecision = { ok: true };
const refuse = (reason: ConnectRefusal): AuthDecision => ({ ok: false, reason });
const NOT_AUTHORIZED: SubscribeDecision = { refuse: RC.notAuthorized };

export interface ProductPolicyOptions {
  /** How often token connections are checked for expiry, ms. */
  sweepMs?: number;
}

export class ProductPolicy implements Policy {
  private snap: InstanceSnapshot;
  private permissions: TopicPermissions;
  private instance: BrokerInstance | null = null;
  /** Connections logged in with tokens, swept for expiry and revocation. */
  private readonly tokenConns = new Set<Connection>();
  private timer: NodeJS.Timeout | null = null;
  /** One grant object per AccessKey for signature mode (most connections): nothing allocated per client. */
  private signatureGrants = new Map<string, SignatureGrant>();
  /** AccessKeys used since the last takeUsedKeys() (for accessKeys.lastUsedAt). */
  private usedKeys = new Set<string>();
  private readonly sweepMs: number;
  /** pruneSubscriptions() ran once for the bound instance. */
  private subscriptionsReviewed = false;

  constructor(snapshot: InstanceSnapshot, options: ProductPolicyOptions = {}) {
    this.snap = snapshot;
    this.permissions = new TopicPermissions(snapshot.permissions);
    this.sweepMs = options.sweepMs ?? 1000;
  }

  /** The instance whose connections this policy reviews; set once the instance exists. */
  bind(instance: BrokerInstance): void {
    this.instance = instance;
  }

  /** A new snapshot of the database: takes effect now, for new and existing connections. */
  update(snapshot: InstanceSnapshot): void {
    const before = this.snap;
    this.snap = snapshot;
    this.permissions = new TopicPermissions(snapshot.permissions);
    if (this.signatureGrants.size > 1000) this.signatureGrants = new Map();
    this.review();
    if (!snapshot.openMode) {
      const removedGroups = [...before.groups].filter((g) => !snapshot.groups.has(g));
      if (removedGroups.length > 0) this.endSessionsOf(new Set(removedGroups));
    }
    // Subscriptions are checked once when the instance is first reviewed (sessions restored
    // from the store may predate a deletion), then whenever a parent topic disappears or
    // open mode is switched off.
    if (!this.subscriptionsReviewed || before.openMode || [...before.topics].some((t) => !snapshot.topics.has(t))) {
      this.pruneSubscriptions();
    }
  }

  /** AccessKeys that authenticated a client since the last call. */
  takeUsedKeys(): string[] {
    const keys = [...this.usedKeys];
    this.usedKeys.clear();
    return keys;
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.tokenConns.clear();
    this.instance = null;
  }

  // ---- authentication --------------------------------------------------------------------

  authenticate(req: ConnectRequest): AuthDecision {
    const snap = this.snap;
    if (snap.openMode) return OK;
    const group = req.assignedClientId ? null : groupOfClientId(req.clientId);
    if (group === null) return refuse('identifier-rejected');
    const user = parseUsername(req.username);
    if (!user) return refuse('bad-credentials');
    if (user.instanceId !== snap.id) return refuse('not-authorized');

    let grant: Grant;
    if (user.mode === 'DeviceCredential') {
      let cred = snap.devices.get(user.keyId);
      let refusal = deviceRefusal(snap, cred, req);
      if (refusal !== null) {
        // Registered or refreshed a moment ago (before the next reload)? Ask the database.
        const fresh = snap.fetchDevice(user.keyId);
        if (fresh && fresh.sealed !== cred?.sealed) {
          cred = fresh;
          refusal = deviceRefusal(snap, cred, req);
        }
      }
      if (refusal !== null) return refuse(refusal);
      grant = { mode: 'DeviceCredential', keyId: user.keyId, sealed: cred!.sealed };
    } else {
      const key = snap.accessKeys.get(user.keyId);
      if (!key || key.secret === null) return refuse('bad-credentials');
      if (!key.enabled) return refuse('not-authorized');
      if (user.mode === 'Signature') {
        if (!isClientIdSignature(key.secret, req.clientId, req.password)) return refuse('bad-credentials');
        grant = this.signatureGrant(user.keyId);
      } else {
        const pairs = parseTokenPassword(req.password);
        if (!pairs) return refuse('bad-credentials');
        const tokenGrant: TokenGrant = { mode: 'Token', accessKeyId: user.keyId, read: null, write: null };
        const now = Date.now();
        for (const { type, token } of pairs) {
          const entry = this.findToken(tokenHash(token));
          const code = checkToken(entry, user.keyId, type, now);
          if (code !== 0) return refuse(code === TOKEN_INVALID.forged || code === TOKEN_INVALID.badSignature ? 'bad-credentials' : 'not-authorized');
          hold(tokenGrant, { entry: entry!, type, noticed: false });
        }
        grant = tokenGrant;
      }
    }
    if (!snap.groups.has(group)) return refuse('identifier-rejected');
    if (grant.mode !== 'DeviceCredential') this.usedKeys.add(grant.accessKeyId);
    return { ok: true, grant };
  }

  /** From the snapshot, or (rarely: a token newer than the snapshot, or a forged one) from the database. */
  private findToken(hash: string): TokenEntry | undefined {
    return this.snap.tokens.get(hash) ?? this.snap.fetchToken(hash);
  }

  private signatureGrant(accessKeyId: string): SignatureGrant {
    let grant = this.signatureGrants.get(accessKeyId);
    if (!grant) {
      grant = { mode: 'Signature', accessKeyId };
      this.signatureGrants.set(accessKeyId, grant);
    }
    return grant;
  }

  connected(conn: Connection): void {
    const grant = conn.grant as Grant | null;
    if (grant?.mode !== 'Token') return;
    this.narrowToReadToken(conn, grant);
    this.tokenConns.add(conn);
    this.timer ??= setInterval(() => this.sweep(Date.now()), this.sweepMs).unref();
    this.checkTokens(conn, grant, Date.now());
  }

  // ---- authorization (every PUBLISH and SUBSCRIBE: keep it cheap) -------------------------

  /** Is the first level of this topic or filter a parent topic of the instance? */
  private underParentTopic(topic: string): boolean {
    const slash = topic.indexOf('/');
    return this.snap.topics.has(slash === -1 ? topic : topic.slice(0, slash));
  }

  authorizePublish(client: ClientInfo, topic: string): boolean {
    if (!this.snap.openMode) {
      if (!this.underParentTopic(topic)) return false;
      const grant = client.grant as Grant | null | undefined;
      if (!grant) return false; // accepted in open mode; review() closes it
      if (grant.mode === 'Token' && (grant.write === null || !grant.write.entry.allowsTopic(topic))) return false;
    }
    return this.permissions.mayPublish(topic);
  }

  authorizeSubscribe(client: ClientInfo, filter: string, qos: QoS): SubscribeDecision {
    if (!this.snap.openMode) {
      const shared = parseSharedFilter(filter);
      const topicFilter = shared ? shared.filter : filter;
      if (!this.underParentTopic(topicFilter)) return NOT_AUTHORIZED;
      const grant = client.grant as Grant | null | undefined;
      if (!grant) return NOT_AUTHORIZED;
      if (grant.mode === 'Token' && (grant.read === null || !grant.read.entry.coversFilter(topicFilter))) return NOT_AUTHORIZED;
    }
    return this.permissions.maySubscribe(filter) ? qos : false;
  }

  // ---- token updates and notices ---------------------------------------------------------

  /**
   * `$SYS/uploadToken` from a token connection: `{"token": "...", "type": "R|W|RW"}` replaces
   * the token(s) of that type. An invalid one is answered with $SYS/tokenInvalidNotice and the
   * connection is closed (the client must not keep going on a token it believes replaced).
   */
  systemPublish(conn: Connection, topic: string, payload: Buffer): boolean {
    if (topic !== UPLOAD_TOKEN_TOPIC || this.snap.openMode) return false;
    const grant = conn.grant as Grant | null;
    if (grant?.mode !== 'Token') return false;
    type Upload = { token?: unknown; type?: unknown };
    let body: Upload | null = null;
    try {
      const parsed: unknown = JSON.parse(payload.toString('utf8'));
      if (parsed && typeof parsed === 'object') body = parsed as Upload;
    } catch {
      // answered below
    }
    const type = body?.type;
    const token = body?.token;
    if ((type !== 'R' && type !== 'W' && type !== 'RW') || typeof token !== 'string' || token === '') {
      this.invalidate(conn, TOKEN_INVALID.forged, typeof type === 'string' ? type : '');
      return true;
    }
    const entry = this.findToken(tokenHash(token));
    let code = checkToken(entry, grant.accessKeyId, type, Date.now());
    if (code === 0 && type !== 'W') {
      // A new read token must still cover what the client subscribed to.
      for (const filter of conn.session?.subscriptions?.keys() ?? []) {
        const shared = parseSharedFilter(filter);
        if (!entry!.coversFilter(shared ? shared.filter : filter)) {
          code = TOKEN_INVALID.resourceMismatch;
          break;
        }
      }
    }
    if (code !== 0) {
      this.invalidate(conn, code, type);
      return true;
    }
    hold(grant, { entry: entry!, type, noticed: false });
    this.checkTokens(conn, grant, Date.now());
    return true;
  }

  /** Once a second while token connections exist: expiry notices, expiry, revocation. */
  private sweep(now: number): void {
    for (const conn of this.tokenConns) {
      if (conn.state !== ConnState.Connected) {
        this.tokenConns.delete(conn);
        continue;
      }
      this.checkTokens(conn, conn.grant as TokenGrant, now);
    }
    if (this.tokenConns.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private checkTokens(conn: Connection, grant: TokenGrant, now: number): void {
    if (this.snap.openMode) return;
    const key = this.snap.accessKeys.get(grant.accessKeyId);
    if (!key || !key.enabled) return this.close(conn, 'credential revoked');
    for (const held of grant.read === grant.write ? [grant.read] : [grant.read, grant.write]) {
      if (!held) continue;
      const current = this.findToken(held.entry.hash);
      if (!current || current.revokedAt !== null) return this.invalidate(conn, TOKEN_INVALID.revoked, held.type);
      if (current.expireTime <= now) return this.invalidate(conn, TOKEN_INVALID.expired, held.type);
      if (!held.noticed && current.expireTime - now <= EXPIRE_NOTICE_LEAD_MS) {
        held.noticed = true;
        notify(conn, TOKEN_EXPIRE_NOTICE_TOPIC, { expireTime: current.expireTime, type: held.type });
      }
    }
  }

  private invalidate(conn: Connection, code: number, type: string): void {
    notify(conn, TOKEN_INVALID_NOTICE_TOPIC, { code, type });
    this.close(conn, 'token invalid');
  }

  private close(conn: Connection, why: EndReason): void {
    this.tokenConns.delete(conn);
    conn.endReason ??= why;
    conn.closeWithReason(RC.notAuthorized, why);
  }

  /**
   * A token client resuming a persistent session: the subscriptions it made under an earlier
   * token that this connection's R token does not cover are removed (a client that narrows its
   * token narrows what it receives; without an R token it keeps none). Called after CONNACK,
   * before the session resumes. Messages already queued for the session are still delivered:
   * they were accepted while the old token allowed them.
   */
  private narrowToReadToken(conn: Connection, grant: TokenGrant): void {
    const session = conn.session;
    if (!session?.subscriptions) return;
    const read = grant.read;
    for (const filter of [...session.subscriptions.keys()]) {
      const shared = parseSharedFilter(filter);
      if (read === null || !read.entry.coversFilter(shared ? shared.filter : filter)) session.unsubscribe(filter);
    }
  }

  // ---- live configuration ----------------------------------------------------------------

  /** Closes the accepted connections the current snapshot no longer allows. */
  private review(): void {
    const instance = this.instance;
    const snap = this.snap;
    if (!instance || snap.openMode) return;
    for (const conn of instance.connections) {
      if (conn.state !== ConnState.Connected) continue;
      const grant = conn.grant as Grant | null;
      if (!grant) {
        // Accepted while the instance was in open mode: it now needs credentials.
        this.close(conn, 'not authorized');
        continue;
      }
      // The client's Group ID was deleted: it could not connect now, so it may not stay.
      const group = groupOfClientId(conn.clientId);
      if (group === null || !snap.groups.has(group)) {
        this.close(conn, 'not authorized');
        continue;
      }
      if (grant.mode === 'Signature') {
        const key = snap.accessKeys.get(grant.accessKeyId);
        if (!key || !key.enabled) this.close(conn, 'credential revoked');
      } else if (grant.mode === 'DeviceCredential') {
        const cred = snap.devices.get(grant.keyId);
        if (!cred || cred.sealed !== grant.sealed || cred.clientId !== conn.clientId) this.close(conn, 'credential revoked');
      }
    }
    this.sweep(Date.now());
  }

  /**
   * The sessions of a deleted Group ID's clients end (subscriptions, offline messages, stored
   * state): they could never be resumed, and their queues would go on filling the instance's
   * offline store at the expense of live clients. review() has already closed their connections.
   */
  private endSessionsOf(groups: ReadonlySet<string>): void {
    const instance = this.instance;
    if (!instance) return;
    let ended = false;
    for (const session of [...instance.sessions.values()]) {
      const group = groupOfClientId(session.clientId);
      if (group === null || !groups.has(group) || session.link) continue;
      session.end();
      ended = true;
    }
    if (ended) instance.commit();
  }

  /**
   * Removes every subscription (of online and offline sessions) whose filter is no longer
   * under a parent topic of the instance: a deleted parent topic stops deliveries at once
   * (its topics are refused to publishers too), and subscriptions made in open mode outside
   * any parent topic do not outlive it. Nothing happens in open mode.
   */
  private pruneSubscriptions(): void {
    const instance = this.instance;
    if (!instance) return;
    this.subscriptionsReviewed = true;
    if (this.snap.openMode) return;
    let removed = false;
    for (const session of instance.sessions.values()) {
      const subscriptions = session.subscriptions;
      if (!subscriptions) continue;
      for (const filter of [...subscriptions.keys()]) {
        const shared = parseSharedFilter(filter);
        if (this.underParentTopic(shared ? shared.filter : filter)) continue;
        session.unsubscribe(filter);
        removed = true;
      }
    }
    // Outside a broker turn nothing else commits the store's write log now.
    if (removed) instance.commit();
  }
}

/** Null when this device credential logs the client in, else why not. */
function deviceRefusal(snap: InstanceSnapshot, cred: DeviceCredentialEntry | undefined, req: ConnectRequest): ConnectRefusal | null {
  if (!cred) return 'bad-credentials';
  if (cred.clientId !== req.clientId) return 'not-authorized';
  const secret = snap.openSecret(cred.sealed);
  if (secret === null || !isClientIdSignature(secret, req.clientId, req.password)) return 'bad-credentials';
  return null;
}

/** 0 when the token may be used as `type` by a client of this AccessKey, else the notice code. */
function checkToken(entry: TokenEntry | undefined, accessKeyId: string, type: TokenType, now: number): number {
  if (!entry) return TOKEN_INVALID.forged;
  if (entry.accessKeyId !== accessKeyId) return TOKEN_INVALID.badSignature;
  if (entry.revokedAt !== null) return TOKEN_INVALID.revoked;
  if (entry.expireTime <= now) return TOKEN_INVALID.expired;
  if ((type !== 'W' && !entry.read) || (type !== 'R' && !entry.write)) return TOKEN_INVALID.permissionMismatch;
  return 0;
}

function hold(grant: TokenGrant, held: TokenHold): void {
  if (held.type !== 'W') grant.read = held;
  if (held.type !== 'R') grant.write = held;
}

/**
 * A server notice pushed to one client without a subscription: QoS 0, written straight to
 * the connection (ahead of its queue), so it also goes out just before a disconnect.
 */
function notify(conn: Connection, topic: string, body: object): void {
  if (conn.state !== ConnState.Connected) return;
  const message = createMessage({ topic, payload: Buffer.from(JSON.stringify(body)), qos: 0, retain: false, publisher: null });
  conn.writePublish(message, 0, false, null, 0, false);
}
