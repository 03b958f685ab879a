// Spreads leases over the live brokers (ADR 0011): every broker runs one. Each tick it
// renews its own broker lease (`b:<nodeId>`, its heartbeat) and the leases it holds — a
// lease it could not renew is lost, and it stops acting on it at once — then counts the
// live brokers and takes free or lapsed leases up to its share (ceil(resources / brokers),
// for each kind of resource on its own), or hands the excess off when a broker joined.
// Handing off first lets the holder finish (flush its window) before the lease is released;
// stop(true) does it for every lease, as SIGTERM should. Takeover of a dead broker's leases happens once they lapse: ttl plus at
// most one interval.
import type { Lease, LeaseStore } from '../services/leases.js';

export interface LeaseBalancerOptions {
  nodeId: number;
  leases: LeaseStore;
  /** The resources to spread (partitions `p:<topicId>/<n>`, coordinator buckets). */
  resources: () => string[];
  ttlMs: number;
  intervalMs: number;
  /** This broker now holds the lease: start serving the resource. */
  onAcquired?: (lease: Lease) => void | Promise<void>;
  /** The lease is about to be handed off: stop taking writes and flush (awaited before the release). */
  onHandOff?: (lease: Lease) => void | Promise<void>;
  /** The lease was lost (not renewed in time, or taken over): stop serving the resource now. */
  onLost?: (resource: string) => void;
  /** Errors of a tick (the store unreachable…): the next tick tries again. */
  onError?: (err: unknown) => void;
}

export const brokerResource = (nodeId: number): string => `b:${nodeId}`;

export class LeaseBalancer {
  private readonly held = new Map<string, Lease>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: LeaseBalancerOptions) {}

  /** The leases this broker holds now (resource → lease). */
  get leases(): ReadonlyMap<string, Lease> {
    return this.held;
  }

  start(): void {
    const loop = (): void => {
      if (this.stopped) return;
      this.running = this.tick().catch((err: unknown) => this.o.onError?.(err)).finally(() => {
        this.running = undefined;
        if (!this.stopped) this.timer = setTimeout(loop, this.o.intervalMs);
      });
    };
    loop();
  }

  /** One round: heartbeat, renew, then take or hand off towards this broker's share. */
  async tick(): Promise<void> {
    const { leases, nodeId, ttlMs } = this.o;
    await leases.acquire(brokerResource(nodeId), nodeId, ttlMs);
    // Every held lease in one round trip (a tick stays short with many leases or a slow store);
    // not renewed, or the store unreachable: lost, and acted on no more.
    const held = [...this.held];
    const kept = await leases.renewAll(held.map(([resource, lease]) => ({ resource, holder: nodeId, epoch: lease.epoch })), ttlMs).catch(() => new Set<string>());
    for (const [resource] of held) {
      if (kept.has(resource)) continue;
      this.held.delete(resource);
      this.o.onLost?.(resource);
    }
    const resources = this.o.resources();
    // A resource that went away (its topic deleted) is given up, not renewed forever.
    const wanted = new Set(resources);
    for (const lease of [...this.held.values()]) if (!wanted.has(lease.resource)) await this.handOff(lease);
    const live = await leases.live();
    const brokers = Math.max(1, live.filter((l) => l.resource.startsWith('b:')).length);
    const taken = new Set(live.map((l) => l.resource));
    // Each kind is spread on its own (partitions, coordinator buckets): an even total could
    // otherwise leave one broker all the partitions of a topic and another all the groups.
    for (const [kind, list] of byKind(resources)) await this.balanceKind(kind, list, live, brokers, taken);
  }

  /** Takes or hands off leases of one kind towards this broker's share of them. */
  private async balanceKind(kind: string, resources: readonly string[], live: readonly Lease[], brokers: number, taken: ReadonlySet<string>): Promise<void> {
    const { leases, nodeId, ttlMs } = this.o;
    const mine = [...this.held.values()].filter((l) => kindOf(l.resource) === kind);
    const share = Math.ceil(resources.length / brokers);
    if (mine.length > share) {
      for (const lease of mine.slice(0, mine.length - share)) await this.handOff(lease);
      return;
    }
    // At the ceiling while another broker is below the floor (one just joined): give one up,
    // so the spread ends within one of even instead of leaving the newcomer the remainder.
    const floor = Math.floor(resources.length / brokers);
    const counts = new Map<number, number>(live.filter((l) => l.resource.startsWith('b:')).map((l) => [l.holder, 0]));
    for (const l of live) if (kindOf(l.resource) === kind && counts.has(l.holder)) counts.set(l.holder, counts.get(l.holder)! + 1);
    const someoneShort = [...counts].some(([holder, n]) => holder !== nodeId && n < floor);
    if (mine.length > floor && someoneShort) {
      await this.handOff(mine[0]!);
      return;
    }
    // While another broker is short, take no more than the floor: what was handed off is for it.
    const limit = someoneShort ? floor : share;
    // Free resources, in an order of this broker's own so brokers do not all race for the same ones.
    const free = resources.filter((r) => !taken.has(r) && !this.held.has(r)).sort((a, b) => hash(`${nodeId}${a}`) - hash(`${nodeId}${b}`));
    for (const resource of free.slice(0, Math.max(0, limit - mine.length))) {
      // Always a new epoch: if this broker held it before and lost it (a renewal that failed),
      // anything it still had in flight under the old epoch must not commit.
      const lease = await leases.acquire(resource, nodeId, ttlMs, { newEpoch: true });
      if (lease === undefined) continue;
      this.held.set(resource, lease);
      try {
        await this.o.onAcquired?.(lease);
      } catch (err) {
        // Could not start serving it (the store unreachable): give it back rather than hold it unserved.
        this.held.delete(resource);
        await leases.release({ resource, holder: nodeId, epoch: lease.epoch }).catch(() => false);
        throw err;
      }
    }
  }

  private async handOff(lease: Lease): Promise<void> {
    await this.o.onHandOff?.(lease);
    this.held.delete(lease.resource);
    await this.o.leases.release({ resource: lease.resource, holder: this.o.nodeId, epoch: lease.epoch }).catch(() => false);
  }

  /** Stops ticking; with `handOff`, releases every lease (and the heartbeat) first, as on SIGTERM. */
  async stop(handOff: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
    if (!handOff) return;
    for (const lease of [...this.held.values()]) await this.handOff(lease);
    const me = (await this.o.leases.live('b:')).find((l) => l.resource === brokerResource(this.o.nodeId));
    if (me !== undefined) await this.o.leases.release({ resource: me.resource, holder: this.o.nodeId, epoch: me.epoch });
  }
}

/** A resource's kind: what comes before the colon (`p` partitions, `g` coordinator buckets). */
const kindOf = (resource: string): string => resource.slice(0, Math.max(0, resource.indexOf(':')));

function byKind(resources: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of resources) {
    const k = kindOf(r);
    const list = out.get(k);
    if (list === undefined) out.set(k, [r]);
    else list.push(r);
  }
  return out;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
