/** What a session needs from the broker instance it lives in (implemented by BrokerInstance). */
import type { NewMessage } from '../message';
import type { InstanceSettings } from '../settings';
import type { SessionStore } from '../store/types';
import type { TimerWheel } from '../timer-wheel';
import type { Backlog } from './backlog';
import type { Outgoing, Session, Subscription } from './session';

export interface InstanceStats {
  /** Messages accepted from publishers (and wills). */
  received: number;
  /** PUBLISH packets written to subscribers. */
  sent: number;
  /** QoS 1/2 deliveries acknowledged by their receivers. */
  delivered: number;
  /** Deliveries dropped: QoS 0 under pressure, or QoS 1/2 beyond the offline store limit (offlineDropped). */
  dropped: number;
  /** Times a publisher's input was paused because the instance's message TPS was used up. */
  throttled: number;
  /** Waiting QoS 1/2 messages dropped (oldest first) because the instance's offline store was full. */
  offlineDropped: number;
  /** Waiting QoS 1/2 messages not delivered because they outlived the retention (or their MQTT 5 expiry). */
  offlineExpired: number;
  /** QoS 1/2 messages waiting in session queues right now (offline sessions and stuck subscribers). */
  offlineQueued: number;
}

export interface SessionHost {
  readonly settings: InstanceSettings;
  readonly store: SessionStore;
  readonly wheel: TimerWheel;
  readonly stats: InstanceStats;
  /** Every waiting QoS 1/2 delivery of the instance: bounded, aged out (backlog.ts). */
  readonly backlog: Backlog;
  route(session: Session, sub: Subscription): void;
  unroute(session: Session, filter: string): void;
  publishWill(session: Session, will: NewMessage): void;
  sessionEnded(session: Session): void;
  /** A shared-subscription delivery the session gave back: hand it to another member. */
  redeliverShared(from: Session, entry: Outgoing): void;
}
