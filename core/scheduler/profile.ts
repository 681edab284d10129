// Scheduler profiles as KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1)
// defines them: the default plugin set of v1.35 (multiPoint, with weights), merged with a
// profile's multiPoint and per-extension-point enabled/disabled lists ("*" disables all
// defaults), plugin args from pluginConfig, and percentageOfNodesToScore.

import { parse as parseYaml } from "yaml";

export interface PluginRef {
  name: string;
  weight?: number;
}

export interface PluginSet {
  enabled?: PluginRef[] | null;
  disabled?: PluginRef[] | null;
}

export interface Plugins {
  multiPoint?: PluginSet;
  preFilter?: PluginSet;
  filter?: PluginSet;
  postFilter?: PluginSet;
  preScore?: PluginSet;
  score?: PluginSet;
  [point: string]: PluginSet | undefined;
}

export interface KubeSchedulerProfile {
  schedulerName?: string;
  percentageOfNodesToScore?: number | null;
  plugins?: Plugins;
  pluginConfig?: { name: string; args?: Record<string, unknown> }[];
}

export interface KubeSchedulerConfiguration {
  apiVersion?: string;
  kind?: string;
  percentageOfNodesToScore?: number | null;
  profiles?: KubeSchedulerProfile[];
}

/** kube-scheduler v1.35's default plugins, in order (getDefaultPlugins), with score weights. */
export const DEFAULT_PLUGINS: readonly PluginRef[] = [
  { name: "SchedulingGates" },
  { name: "PrioritySort" },
  { name: "NodeUnschedulable" },
  { name: "NodeName" },
  { name: "TaintToleration", weight: 3 },
  { name: "NodeAffinity", weight: 2 },
  { name: "NodePorts" },
  { name: "NodeResourcesFit", weight: 1 },
  { name: "VolumeRestrictions" },
  { name: "NodeVolumeLimits" },
  { name: "VolumeBinding" },
  { name: "VolumeZone" },
  { name: "PodTopologySpread", weight: 2 },
  { name: "InterPodAffinity", weight: 2 },
  { name: "DynamicResources", weight: 2 },
  { name: "DefaultPreemption" },
  { name: "NodeResourcesBalancedAllocation", weight: 1 },
  { name: "ImageLocality", weight: 1 },
  { name: "DefaultBinder" },
];

/** The plugins the core runs inside a scheduling cycle today, with the points each has. */
export const IMPLEMENTED: Readonly<Record<string, readonly Point[]>> = {
  NodeUnschedulable: ["filter"],
  NodeName: ["filter"],
  TaintToleration: ["filter", "preScore", "score"],
  NodeAffinity: ["preFilter", "filter", "preScore", "score"],
  NodePorts: ["preFilter", "filter"],
  NodeResourcesFit: ["preFilter", "filter", "preScore", "score"],
  NodeResourcesBalancedAllocation: ["preScore", "score"],
  ImageLocality: ["score"],
  PodTopologySpread: ["preFilter", "filter", "preScore", "score"],
  InterPodAffinity: ["preFilter", "filter", "preScore", "score"],
  DefaultPreemption: ["postFilter"],
};

export type Point = "preFilter" | "filter" | "postFilter" | "preScore" | "score";
export const POINTS: readonly Point[] = ["preFilter", "filter", "postFilter", "preScore", "score"];
/** Extension point bits as the core encodes them (framework.ts); score includes NormalizeScore. */
export const POINT_BITS: Readonly<Record<Point, number>> = { preFilter: 1, filter: 2, preScore: 4, score: 8 | 16, postFilter: 32 };

/** One plugin as the resolved profile runs it. */
export interface ResolvedPlugin {
  name: string;
  points: Point[];
  weight: number;
  args?: Record<string, unknown>;
}

export interface ResolvedProfile {
  schedulerName: string;
  percentageOfNodesToScore: number;
  /** In Filter order (then plugins without a Filter). */
  plugins: ResolvedPlugin[];
  /** The order PreFilter runs in (which rejection a pod reports first). */
  preFilterOrder: string[];
  /** Enabled plugins kubeling does not run yet (they are left out of every cycle). */
  notImplemented: string[];
}

/** Reads a KubeSchedulerConfiguration (object, JSON or YAML text) or a single profile. */
export function resolveProfile(
  input?: string | KubeSchedulerConfiguration | KubeSchedulerProfile | null,
  schedulerName = "default-scheduler",
): ResolvedProfile {
  const config = typeof input === "string" ? (parseYaml(input) as KubeSchedulerConfiguration) : input ?? {};
  if (config && typeof config === "object" && "kind" in config && config.kind && config.kind !== "KubeSchedulerConfiguration") {
    throw new Error(`scheduler config: kind ${JSON.stringify(config.kind)} is not KubeSchedulerConfiguration`);
  }
  const asConfig = config as KubeSchedulerConfiguration;
  const profiles = asConfig.profiles ?? [config as KubeSchedulerProfile];
  const profile = profiles.find((p) => (p.schedulerName ?? "default-scheduler") === schedulerName) ?? profiles[0] ?? {};
  const percentage = profile.percentageOfNodesToScore ?? asConfig.percentageOfNodesToScore ?? 0;
  if (percentage < 0 || percentage > 100) {
    throw new Error(`scheduler config: percentageOfNodesToScore ${percentage} is not in 0..100`);
  }
  const plugins = profile.plugins ?? {};
  const multiPoint = mergePluginSet(DEFAULT_PLUGINS, plugins.multiPoint);

  // Expand multiPoint into each extension point (framework.expandMultiPointPlugins): a
  // point's own enabled list overrides the multiPoint entry; its disabled list removes it.
  const byName = new Map<string, ResolvedPlugin>();
  const order: string[] = [];
  const pointOrder: Record<Point, string[]> = { preFilter: [], filter: [], postFilter: [], preScore: [], score: [] };
  const touch = (name: string): ResolvedPlugin => {
    let p = byName.get(name);
    if (!p) {
      p = { name, points: [], weight: 0 };
      byName.set(name, p);
      order.push(name);
    }
    return p;
  };
  // Filter first: its order is the order plugins run in (and whose reason a node reports).
  for (const point of ["filter", "preFilter", "postFilter", "preScore", "score"] as const) {
    const set = plugins[point] ?? {};
    const disabled = new Set((set.disabled ?? []).map((d) => d.name));
    const explicit = set.enabled ?? [];
    // expandMultiPointPlugins' order: the point's own entries that override a multiPoint
    // plugin (in their order), then the other multiPoint plugins, then the point's own others.
    const inMultiPoint = (name: string) => !disabled.has("*") && multiPoint.some((m) => m.name === name);
    const names: { name: string; weight?: number }[] = explicit.filter((e) => inMultiPoint(e.name));
    if (!disabled.has("*")) {
      for (const p of multiPoint) {
        if (disabled.has(p.name) || explicit.some((e) => e.name === p.name)) continue;
        names.push(p);
      }
    }
    names.push(...explicit.filter((e) => !inMultiPoint(e.name)));
    for (const ref of names) {
      const implemented = IMPLEMENTED[ref.name];
      if (implemented && !implemented.includes(point)) continue;
      if (!implemented && point !== "filter" && point !== "score") continue;
      const p = touch(ref.name);
      if (!p.points.includes(point)) p.points.push(point);
      if (!pointOrder[point].includes(ref.name)) pointOrder[point].push(ref.name);
      // A score weight of 0 (or none) is defaulted to 1.
      if (point === "score") p.weight = ref.weight && ref.weight > 0 ? ref.weight : 1;
    }
  }
  for (const cfg of profile.pluginConfig ?? []) {
    const p = byName.get(cfg.name);
    if (p) p.args = cfg.args;
  }
  const resolved = order.map((n) => byName.get(n)!);
  return {
    schedulerName: profile.schedulerName ?? "default-scheduler",
    percentageOfNodesToScore: percentage,
    plugins: resolved.filter((p) => IMPLEMENTED[p.name]),
    preFilterOrder: pointOrder.preFilter.filter((n) => IMPLEMENTED[n]),
    notImplemented: resolved.filter((p) => !IMPLEMENTED[p.name] && !QUEUE_OR_BIND_ONLY.has(p.name)).map((p) => p.name),
  };
}

/** Plugins outside the filter/score cycle (queueing, binding), reported as neither. */
const QUEUE_OR_BIND_ONLY = new Set(["SchedulingGates", "PrioritySort", "DefaultBinder"]);

/** mergePluginSet: defaults minus disabled ("*": all), re-configured in place, then additions. */
function mergePluginSet(defaults: readonly PluginRef[], custom: PluginSet | undefined): PluginRef[] {
  const disabled = new Set((custom?.disabled ?? []).map((d) => d.name));
  const enabled = custom?.enabled ?? [];
  const replaced = new Set<number>();
  const out: PluginRef[] = [];
  if (!disabled.has("*")) {
    for (const d of defaults) {
      if (disabled.has(d.name)) continue;
      const i = enabled.findIndex((e) => e.name === d.name);
      if (i >= 0) {
        replaced.add(i);
        out.push(enabled[i]);
      } else {
        out.push(d);
      }
    }
  }
  enabled.forEach((e, i) => {
    if (!replaced.has(i)) out.push(e);
  });
  return out;
}
