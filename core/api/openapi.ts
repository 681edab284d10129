// /openapi/v3: enough for kubectl's validation step. kubectl looks, per group-version, for
// the PATCH operation of the kind it sends and for a `fieldValidation` parameter on it; when
// found, it leaves validation to the server (requests carry fieldValidation=Strict) instead
// of failing with "failed to download openapi". Schemas (for `kubectl explain`) are not
// served yet.
import { groups, type ResourceInfo } from "./resources.js";

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** A stable content hash for the ?hash= kubectl caches documents by. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16).toUpperCase().padStart(8, "0");
}

export function openApiV3Root() {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const g of groups()) {
    const path = gvPath(g.group, g.version);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash(JSON.stringify(documentFor(g.group, g.version, g.resources)))}` };
  }
  return { paths };
}

/** The document for "api/v1" or "apis/apps/v1", or null. */
export function openApiV3Document(path: string) {
  const g = groups().find((x) => gvPath(x.group, x.version) === path);
  return g ? documentFor(g.group, g.version, g.resources) : null;
}

function documentFor(group: string, version: string, resources: ResourceInfo[]) {
  const paths: Record<string, unknown> = {};
  for (const r of resources) {
    const base = `/${gvPath(group, version)}${r.namespaced ? "/namespaces/{namespace}" : ""}/${r.plural}/{name}`;
    paths[base] = {
      patch: {
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": { group, version, kind: r.kind },
        parameters: [
          { name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } },
          { name: "fieldManager", in: "query", schema: { type: "string", uniqueItems: true } },
          { name: "dryRun", in: "query", schema: { type: "string", uniqueItems: true } },
        ],
        responses: { "200": { description: "OK" } },
      },
    };
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: "v1.32.0" }, paths, components: { schemas: {} } };
}
