// core/v1 Events, as client-go's EventRecorder writes them: "<object>.<hex time>" names,
// involvedObject, reason, message, type Normal|Warning, source component; a repeat of the
// same event within 10 minutes increments count and lastTimestamp instead of adding one.
// Recording never fails the caller: an event that cannot be written is dropped.
import type { Clock } from "../../bindings/clock.js";
import type { ApiClient, KubeObject } from "./client.js";
import { R } from "./client.js";
import { timestamp } from "../api/object-store.js";

const AGGREGATE_MS = 10 * 60 * 1000;
const MAX_REMEMBERED = 4096;

interface Recorded {
  name: string;
  namespace: string;
  count: number;
  first: string;
  at: number;
}

export class EventRecorder {
  private readonly recent = new Map<string, Recorded>();
  private sequence = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly clock: Clock,
    private readonly component: string,
  ) {}

  /** The recorder other components use (its events name them as the source). */
  forComponent(component: string): EventRecorder {
    return new EventRecorder(this.client, this.clock, component);
  }

  event(obj: KubeObject, type: "Normal" | "Warning", reason: string, message: string, host?: string): void {
    void this.write(obj, type, reason, message, host).catch(() => undefined);
  }

  private async write(obj: KubeObject, type: string, reason: string, message: string, host?: string): Promise<void> {
    const m = obj.metadata ?? {};
    const namespace = m.namespace || "default";
    const now = this.clock.now();
    const stamp = timestamp(new Date(now));
    const key = `${m.uid}\u0000${type}\u0000${reason}\u0000${message}`;
    const seen = this.recent.get(key);
    if (seen && now - seen.at < AGGREGATE_MS) {
      seen.count++;
      seen.at = now;
      await this.client.patch(R.events, seen.namespace, seen.name, "application/merge-patch+json", { count: seen.count, lastTimestamp: stamp });
      return;
    }
    const name = `${m.name}.${(now * 1000 + (this.sequence++ % 1000)).toString(16)}`;
    if (this.recent.size >= MAX_REMEMBERED) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(key, { name, namespace, count: 1, first: stamp, at: now });
    await this.client.create(R.events, namespace, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: {
        kind: obj.kind,
        namespace: m.namespace,
        name: m.name,
        uid: m.uid,
        apiVersion: obj.apiVersion,
        resourceVersion: m.resourceVersion,
      },
      reason,
      message,
      type,
      source: host ? { component: this.component, host } : { component: this.component },
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
      reportingComponent: this.component,
      reportingInstance: host ?? "",
    });
  }
}
