import { StrataError } from '../../errors.js';

/** A frame that does not decode: the connection that sent it is closed. */
export class MalformedFrameError extends StrataError {
  constructor(message: string) {
    super('STRATA_PROTOCOL_MALFORMED', message);
    this.name = 'MalformedFrameError';
  }
}
