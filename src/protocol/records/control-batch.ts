// Transaction markers: the control batches that end a transaction in each partition it
// wrote to (Kafka's EndTransactionMarker). One record whose key is [version int16 = 0,
// type int16: 0 abort, 1 commit] and whose value is [version int16 = 0, coordinator epoch
// int32]; the batch carries the producer's id and epoch, no sequence, and the
// transactional and control attribute bits. Readers skip control batches; read_committed
// consumers use them to know where an aborted producer's records end.
import { buildRecordBatch } from './batch-builder.js';
import { BatchField, CONTROL_FLAG, TRANSACTIONAL_FLAG } from './batch-layout.js';
import { readRecords } from './record-reader.js';

export const ControlType = { ABORT: 0, COMMIT: 1 } as const;
export type ControlType = (typeof ControlType)[keyof typeof ControlType];

export interface MarkerInput {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
  timestamp: number;
}

export function buildMarkerBatch(m: MarkerInput): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(m.commit ? ControlType.COMMIT : ControlType.ABORT, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(m.coordinatorEpoch, 2);
  return buildRecordBatch([{ key, value, timestamp: m.timestamp }], {
    baseTimestamp: m.timestamp,
    producerId: BigInt(m.producerId),
    producerEpoch: m.producerEpoch,
    baseSequence: -1,
    attributes: TRANSACTIONAL_FLAG | CONTROL_FLAG,
  });
}

export function isControlBatch(batch: Buffer, at = 0): boolean {
  return (batch.readInt16BE(at + BatchField.ATTRIBUTES) & CONTROL_FLAG) !== 0;
}

export function isTransactionalBatch(batch: Buffer, at = 0): boolean {
  return (batch.readInt16BE(at + BatchField.ATTRIBUTES) & TRANSACTIONAL_FLAG) !== 0;
}

/** The marker type of a control batch, or undefined for a control record that is not a marker (or is malformed). */
export function markerType(batch: Buffer, at = 0): ControlType | undefined {
  try {
    for (const r of readRecords(batch, at)) {
      if (r.key === null || r.key.length < 4) return undefined;
      const type = r.key.readInt16BE(2);
      return type === ControlType.ABORT || type === ControlType.COMMIT ? type : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
