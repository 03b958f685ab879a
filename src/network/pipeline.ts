// The stages every decoded request passes, in order, before its handler runs:
//
//   frame → decode header → session → authenticate → authorise → quota → handler → encode
//
// Framing, decoding, the handler call and encoding are the connection's; the stages in
// between are small objects that each answer one question and either let the request
// through or answer it with an error code (the handler's own error response, so the
// client reads a well-formed reply). A stage that must wait (an ACL lookup, a quota delay)
// returns a promise; the others answer synchronously, so the common path takes no extra
// microtask. Adding a stage touches no handler. Answers still leave in request order:
// the connection's slot queue holds each one until those before it are written.
import type { RequestHeader } from '../protocol/generated/request-header.js';
import type { Session } from '../services/session.js';

export interface StagedRequest {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly header: RequestHeader;
  /** The decoded request body (the handler's own type). */
  readonly body: unknown;
  readonly session: Session;
}

/**
 * A stage's answer: undefined lets the request through; otherwise it is refused with this
 * error code, and with `close` the connection is closed after the answer (Kafka closes a
 * connection that sends other requests before authenticating).
 */
export type StageVerdict = undefined | { errorCode: number; reason: string; close?: boolean };

export interface RequestStage {
  readonly name: string;
  admit(req: StagedRequest): StageVerdict | Promise<StageVerdict>;
}

export class RequestPipeline {
  constructor(readonly stages: readonly RequestStage[]) {}

  /** Runs the stages in order; the first refusal wins. Synchronous while every stage is. */
  admit(req: StagedRequest, from = 0): StageVerdict | Promise<StageVerdict> {
    for (let i = from; i < this.stages.length; i++) {
      const verdict = this.stages[i]!.admit(req);
      if (verdict instanceof Promise) return verdict.then((v) => (v === undefined ? this.admit(req, i + 1) : v));
      if (verdict !== undefined) return verdict;
    }
    return undefined;
  }
}
