// Discovery documents, from the resource registry: aggregated discovery (apidiscovery.k8s.io/v2,
// what kubectl 1.32 asks for first; the Content-Type must be exact or kubectl cannot map
// resources), the legacy APIVersions / APIGroupList / APIResourceList, and /version.
import { RESOURCES, groups, groupVersion, type ResourceInfo } from "./resources.js";

export const AGGREGATED_DISCOVERY_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** What /version reports: kubectl's dispatcher picks kubectl.1.<minor> from it. */
export const VERSION_INFO = {
  major: "1",
  minor: "32",
  gitVersion: "v1.32.0-kubeling",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2026-11-23T00:00:00Z",
  goVersion: "go1.23.0",
  compiler: "gc",
  platform: "linux/amd64",
};

function discoveryResource(r: ResourceInfo) {
  return {
    resource: r.plural,
    singularResource: r.singular,
    scope: r.namespaced ? "Namespaced" : "Cluster",
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    verbs: r.verbs,
    ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
    ...(r.categories.length ? { categories: r.categories } : {}),
    ...(r.subresources.length
      ? {
          subresources: r.subresources.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group, version: s.version, kind: s.kind },
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

/** /api (core: true) or /apis (core: false) as an APIGroupDiscoveryList. */
export function aggregatedDiscovery(core: boolean) {
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: "apidiscovery.k8s.io/v2",
    metadata: {},
    items: groups()
      .filter((g) => (g.group === "") === core)
      .map((g) => ({
        metadata: { name: g.group, creationTimestamp: null },
        versions: [{ version: g.version, resources: g.resources.map(discoveryResource), freshness: "Current" }],
      })),
  };
}

export function legacyApiVersions(serverAddress: string) {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

export function legacyApiGroupList() {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: groups()
      .filter((g) => g.group !== "")
      .map((g) => {
        const gv = { groupVersion: `${g.group}/${g.version}`, version: g.version };
        return { name: g.group, versions: [gv], preferredVersion: gv };
      }),
  };
}

/** APIResourceList for one group/version, subresources listed as "pods/status". */
export function apiResourceList(group: string, version: string) {
  const resources = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (resources.length === 0) return null;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupVersion({ group, version }),
    resources: resources.flatMap((r) => [
      {
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
        ...(r.categories.length ? { categories: r.categories } : {}),
      },
      ...r.subresources.map((s) => ({
        name: `${r.plural}/${s.name}`,
        singularName: "",
        namespaced: r.namespaced,
        ...(s.group !== r.group ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      })),
    ]),
  };
}

/** APIGroup for GET /apis/<group>. */
export function apiGroup(group: string) {
  const g = groups().find((x) => x.group === group);
  if (!g || group === "") return null;
  const gv = { groupVersion: `${g.group}/${g.version}`, version: g.version };
  return { kind: "APIGroup", apiVersion: "v1", name: g.group, versions: [gv], preferredVersion: gv };
}
