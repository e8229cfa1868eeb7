/** What a session needs from the broker instance it lives in (implemented by BrokerInstance). */
import type { NewMessage } from '../message';
import type { InstanceSettings } from '../settings';
import type { SessionStore } from '../store/types';
import type { TimerWheel } from '../timer-wheel';
import type { Outgoing, Session, Subscription } from './session';

export interface InstanceStats {
  /** Messages accepted from publishers (and wills). */
  received: number;
  /** PUBLISH packets written to subscribers. */
  sent: number;
  /** QoS 1/2 deliveries acknowledged by their receivers. */
  delivered: number;
  /** Deliveries dropped: QoS 0 under pressure, or the oldest of a full queue. */
  dropped: number;
}

export interface SessionHost {
  readonly settings: InstanceSettings;
  readonly store: SessionStore;
  readonly wheel: TimerWheel;
  readonly stats: InstanceStats;
  route(session: Session, sub: Subscription): void;
  unroute(session: Session, filter: string): void;
  publishWill(session: Session, will: NewMessage): void;
  sessionEnded(session: Session): void;
  /** A shared-subscription delivery the session gave back: hand it to another member. */
  redeliverShared(from: Session, entry: Outgoing): void;
}
