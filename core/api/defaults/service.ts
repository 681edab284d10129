// Defaults of Service: SetDefaults_Service in Kubernetes' API types, plus the IP family
// fields kube-apiserver's Service registry fills in when it allocates. The cluster IP and
// node ports themselves are allocated after defaulting, by ../service-allocator.ts (a
// StoreHooks of the ObjectStore), which also carries them over on updates.
import type { Defaulter } from "./types.js";

type Obj = Record<string, unknown>;

interface ServicePort {
  port?: number;
  protocol?: string;
  targetPort?: number | string;
}

export const serviceDefaulters: Record<string, Defaulter> = {
  Service(obj) {
    const spec = (obj.spec ??= {}) as Obj;
    spec.sessionAffinity ||= "None";
    if (spec.sessionAffinity === "None") delete spec.sessionAffinityConfig;
    spec.type ||= "ClusterIP";
    for (const port of (spec.ports as ServicePort[] | undefined) ?? []) {
      port.protocol ||= "TCP";
      // An unset targetPort (0 or "") is the port itself.
      if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === "") port.targetPort = port.port;
    }
    const type = spec.type;
    const externallyAccessible = type === "LoadBalancer" || type === "NodePort" || (type === "ClusterIP" && ((spec.externalIPs as unknown[] | undefined)?.length ?? 0) > 0);
    if (externallyAccessible) spec.externalTrafficPolicy ||= "Cluster";
    if (spec.internalTrafficPolicy == null && (type === "ClusterIP" || type === "NodePort" || type === "LoadBalancer")) spec.internalTrafficPolicy = "Cluster";
    if (type === "LoadBalancer") spec.allocateLoadBalancerNodePorts ??= true;
    if (type !== "ExternalName") defaultIPFamilies(spec);
  },
};

/**
 * ipFamilyPolicy and ipFamilies in a single-stack IPv4 cluster: SingleStack [IPv4]; a
 * headless Service without a selector has no data path to limit, so it takes both
 * families (RequireDualStack [IPv4, IPv6]) unless told otherwise.
 */
function defaultIPFamilies(spec: Obj): void {
  const headless = spec.clusterIP === "None";
  const selector = spec.selector as Record<string, string> | null | undefined;
  const selectorless = !selector || Object.keys(selector).length === 0;
  if (headless && selectorless) {
    spec.ipFamilyPolicy ??= "RequireDualStack";
    const families = ((spec.ipFamilies as string[] | undefined)?.length ? spec.ipFamilies : ["IPv4"]) as string[];
    if (families.length < 2 && spec.ipFamilyPolicy !== "SingleStack") spec.ipFamilies = [families[0], families[0] === "IPv4" ? "IPv6" : "IPv4"];
    else spec.ipFamilies = families;
    return;
  }
  spec.ipFamilyPolicy ??= "SingleStack";
  if (!(spec.ipFamilies as string[] | undefined)?.length) spec.ipFamilies = ["IPv4"];
}
