// Time as handlers read it, so tests can pin it.
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
