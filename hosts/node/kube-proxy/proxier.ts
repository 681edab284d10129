// kube-proxy's control loop (pkg/proxy/config and the iptables proxier's syncRunner, a
// BoundedFrequencyRunner): informers on Services and EndpointSlices; every change asks for
// a full sync, which converts everything cached into rules (service-rules.ts) and hands them
// to the Network. Always full syncs: the Network renders and restores the whole rule set
// anyway, and recomputing it from the caches is cheap at kubeling's scale.
//
// Rate limits, as kube-proxy's: a sync starts at most once per minSyncPeriod (a burst of
// changes becomes one sync), and at least once per syncPeriod (the rules are reconciled
// even when nothing changed, undoing anyone else's edits). A failed sync is logged and
// retried with exponential backoff; the loop never throws. stop() leaves the rules in
// place: a restarted proxy reconciles them (the Network's sync is idempotent), and
// removing them is the Network's teardown().
//
// Free of Node imports, like the rest of the loop machinery, so it can move into core/.
import type { Clock, TimerHandle } from "../../../bindings/clock.js";
import type { Network, ServicePortRule } from "../../../bindings/network.js";
import { R, type ApiClient } from "../../../core/controllers/client.js";
import { SharedInformer } from "../../../core/controllers/informer.js";
import { realClock } from "../../../core/controllers/clock.js";
import { servicePortRules, type EndpointSliceObject, type ServiceObject } from "./service-rules.js";

/** Services with this label are proxied by someone else (kube-proxy skips them too). */
const LABEL_SERVICE_PROXY_NAME = "service.kubernetes.io/service-proxy-name";
/** Slices of headless services: nothing to proxy. */
const LABEL_HEADLESS = "service.kubernetes.io/headless";

export interface KubeProxyOptions {
  /** The API as kube-proxy (`InProcessClient(api).as("kube-proxy")`). */
  client: ApiClient;
  network: Pick<Network, "syncServices">;
  /** This node: its endpoints are `local` for the Local traffic policies. */
  nodeName: string;
  clock?: Clock;
  /** Default 1 s (kube-proxy's --iptables-min-sync-period). */
  minSyncPeriodMs?: number;
  /** Default 30 s (kube-proxy's --iptables-sync-period). */
  syncPeriodMs?: number;
  /** Retry delays double from max(minSyncPeriod, 1 s) up to this (default: syncPeriod). */
  maxBackoffMs?: number;
  /** Failed syncs and other trouble (default console.warn). */
  log?: (message: string) => void;
}

export class KubeProxy {
  readonly services: SharedInformer;
  readonly slices: SharedInformer;
  /** Syncs attempted, and failed in a row. */
  syncs = 0;
  consecutiveFailures = 0;
  lastError: unknown = undefined;
  /** The rules of the last successful sync. */
  lastRules: ServicePortRule[] = [];

  private readonly clock: Clock;
  private readonly minSyncPeriod: number;
  private readonly syncPeriod: number;
  private readonly maxBackoff: number;
  private readonly log: (message: string) => void;
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;
  private inFlight: Promise<void> | null = null;
  /** Both informers listed: syncs may run (earlier ones would see half the state). */
  private ready = false;
  private stopped = true;
  /** Something changed since the current or last sync started. */
  private dirty = false;
  /** No sync starts before this (minSyncPeriod after the last start, or the backoff). */
  private earliest = 0;

  constructor(private readonly options: KubeProxyOptions) {
    this.clock = options.clock ?? realClock;
    this.minSyncPeriod = options.minSyncPeriodMs ?? 1_000;
    this.syncPeriod = options.syncPeriodMs ?? 30_000;
    this.maxBackoff = options.maxBackoffMs ?? this.syncPeriod;
    this.log = options.log ?? ((m) => console.warn(m));
    this.services = new SharedInformer(options.client, R.services);
    this.slices = new SharedInformer(options.client, R.endpointSlices);
    const onChange = { add: () => this.requestSync(), update: () => this.requestSync(), delete: () => this.requestSync() };
    this.services.addEventHandler(onChange);
    this.slices.addEventHandler(onChange);
  }

  /** Starts the informers; resolves after the first sync (which runs as soon as both listed). */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    void this.services.start();
    void this.slices.start();
    await Promise.all([this.services.waitForSync(), this.slices.waitForSync()]);
    if (this.stopped) return;
    this.ready = true;
    await this.runSync();
  }

  /** Stops watching and syncing (after a sync in progress ends). The rules stay. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.ready = false;
    this.cancelTimer();
    this.services.stop();
    this.slices.stop();
    await this.inFlight;
  }

  /** Asks for a full sync as soon as the rate limit allows. */
  requestSync(): void {
    this.dirty = true;
    // Before the informers have listed, start() syncs; during a sync, its end reschedules.
    if (!this.ready || this.stopped || this.inFlight) return;
    this.scheduleAt(Math.max(this.clock.now(), this.earliest));
  }

  /** The rules the caches call for now. */
  computeRules(): ServicePortRule[] {
    const services = this.services.list().filter((s) => s.metadata?.labels?.[LABEL_SERVICE_PROXY_NAME] === undefined);
    const slices = this.slices.list().filter((s) => s.metadata?.labels?.[LABEL_HEADLESS] === undefined);
    return servicePortRules(services as unknown as ServiceObject[], slices as unknown as EndpointSliceObject[], this.options.nodeName);
  }

  /** One timer: a request for an earlier time replaces a later one (the periodic resync). */
  private scheduleAt(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    this.cancelTimer();
    this.timerAt = at;
    this.timer = this.clock.schedule(at - this.clock.now(), () => {
      this.timer = null;
      this.timerAt = Infinity;
      void this.runSync();
    });
  }

  private cancelTimer(): void {
    if (this.timer) this.clock.cancel(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  private runSync(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    this.cancelTimer();
    this.inFlight = this.sync().finally(() => {
      this.inFlight = null;
      this.afterSync();
    });
    return this.inFlight;
  }

  private async sync(): Promise<void> {
    const started = this.clock.now();
    this.dirty = false;
    this.syncs++;
    try {
      const rules = this.computeRules();
      await this.options.network.syncServices(rules);
      this.lastRules = rules;
      this.consecutiveFailures = 0;
      this.lastError = undefined;
      this.earliest = started + this.minSyncPeriod;
    } catch (err) {
      this.consecutiveFailures++;
      this.lastError = err;
      const base = Math.max(this.minSyncPeriod, 1_000);
      const backoff = Math.min(this.maxBackoff, base * 2 ** Math.min(this.consecutiveFailures - 1, 20));
      this.earliest = this.clock.now() + backoff;
      // The rules are still wrong: retry even without a change.
      this.dirty = true;
      this.log(`kube-proxy: sync failed (${this.consecutiveFailures} in a row), retrying in ${backoff} ms: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private afterSync(): void {
    if (this.stopped) return;
    if (this.dirty) this.scheduleAt(Math.max(this.clock.now(), this.earliest));
    else this.scheduleAt(this.clock.now() + this.syncPeriod);
  }
}
