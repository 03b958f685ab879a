// Records exchanged with a log writer thread over its two rings.
//
// Request ring (main → writer), every record:   [kind i32][reqId i32][slot i32][payload]
//   PRODUCE: payload = the client's record batch, copied once from the socket buffer.
//   CONTROL: payload = UTF-8 JSON (open, close, retention, ... : rare, not on the hot path).
// Completion ring (writer → main), every record: [kind i32][reqId i32][slot i32][...]
//   PRODUCED: fixed binary fields below (the hot path: no JSON, no allocation of strings).
//   FAILED, REPLY, STATE: UTF-8 JSON.
import type { CleanPlan } from '../storage/cleaner/clean-pass.js';

export const ReqKind = { PRODUCE: 1, CONTROL: 2 } as const;
export const ResKind = { PRODUCED: 1, FAILED: 2, REPLY: 3, STATE: 4 } as const;

export const HEADER_BYTES = 12;

/** Float64 fields of a PRODUCED record, after the header and a flags word (8-byte aligned at 16). */
export const Produced = {
  FLAGS: 12,
  BASE_OFFSET: 16,
  LAST_OFFSET: 24,
  LOG_APPEND_TIME: 32,
  LOG_START_OFFSET: 40,
  HIGH_WATERMARK: 48,
  SEGMENT_BASE: 56,
  POSITION: 64,
  SIZE: 72,
  MAX_TIMESTAMP: 80,
  FLUSHED_OFFSET: 88,
  LAST_STABLE_OFFSET: 96,
  /** A marker that aborted data in the partition: the aborted transaction's first offset, else -1. */
  ABORTED_FIRST_OFFSET: 104,
  /** The aborted transaction's producer (with ABORTED_FIRST_OFFSET). */
  ABORTED_PRODUCER_ID: 112,
  BYTES: 120,
} as const;

export const ProducedFlag = { DUPLICATE: 1 } as const;

/**
 * Shared per-writer statistics on one 16-byte SharedArrayBuffer: an Int32 heartbeat at byte
 * 0 (bumped by the writer's timer; a value that stops moving means a hung writer) and a
 * Float64 at byte 8, the milliseconds spent handling requests (utilisation = its rate).
 */
export const StatSlot = { HEARTBEAT: 0 } as const;
export const STATS_BUSY_BYTE_OFFSET = 8;
export const STATS_BYTES = 16;

export type ControlCommand =
  | { cmd: 'open'; dir: string; config: Record<string, unknown> }
  | { cmd: 'close' }
  | { cmd: 'delete' }
  | { cmd: 'reconfigure'; config: Record<string, unknown> }
  | { cmd: 'retention'; now: number }
  | { cmd: 'deleteBelow'; offset: number }
  | { cmd: 'producers' }
  | { cmd: 'installCleaned'; plan: CleanPlan }
  | { cmd: 'shutdown' }
  /** Test hooks: a writer that dies (after leaving `tornBytes` of a half-written batch at the
   * end of the slot's active segment), or one that stops answering. */
  | { cmd: 'crash'; tornBytes?: number }
  | { cmd: 'hang' };

export interface FailedPayload {
  /** A Kafka error name (KafkaError.errorName) or a storage error code. */
  errorName: string;
  message: string;
  kafka: boolean;
}
