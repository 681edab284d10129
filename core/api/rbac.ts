// RBAC authorization (rbac.authorization.k8s.io/v1), as kube-apiserver's RBAC authorizer
// decides: members of system:masters may do anything; anyone else needs a rule in a Role
// bound in the request's namespace or a ClusterRole bound by a ClusterRoleBinding (or by a
// RoleBinding, for that namespace) that covers the verb, API group, resource (with
// subresource as "pods/log") and, if the rule lists names, the object's name.
import type { ObjectStore, KubeObject } from "./object-store.js";
import { findResource } from "./resources.js";
import type { UserInfo } from "./server.js";

export interface AccessRequest {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

interface Binding {
  roleRef?: { kind: string; name: string };
  subjects?: Subject[];
}

const has = (list: string[] | undefined, value: string) => !!list && (list.includes("*") || list.includes(value));

function covers(rule: PolicyRule, req: AccessRequest): boolean {
  if (!has(rule.verbs, req.verb) || !has(rule.apiGroups, req.group)) return false;
  const resource = req.subresource ? `${req.resource}/${req.subresource}` : req.resource;
  const resources = rule.resources ?? [];
  const resourceOk =
    resources.includes("*") || resources.includes(resource) || (req.subresource !== undefined && resources.includes(`*/${req.subresource}`));
  if (!resourceOk) return false;
  if (rule.resourceNames?.length) return req.name !== undefined && rule.resourceNames.includes(req.name);
  return true;
}

function bindsUser(binding: Binding, user: UserInfo, bindingNamespace?: string): boolean {
  return (binding.subjects ?? []).some((s) => {
    if (s.kind === "User") return s.name === user.name;
    if (s.kind === "Group") return user.groups.includes(s.name);
    if (s.kind === "ServiceAccount") return user.name === `system:serviceaccount:${s.namespace ?? bindingNamespace}:${s.name}`;
    return false;
  });
}

export class RbacAuthorizer {
  constructor(private readonly store: ObjectStore) {}

  async allowed(user: UserInfo, req: AccessRequest): Promise<boolean> {
    if (user.groups.includes("system:masters")) return true;
    const r = (group: string, plural: string) => findResource(group, "v1", plural)!;
    const rbac = "rbac.authorization.k8s.io";
    const rulesOf = async (kind: string, name: string, namespace?: string): Promise<PolicyRule[]> => {
      try {
        const role = kind === "ClusterRole" ? await this.store.get(r(rbac, "clusterroles"), undefined, name) : await this.store.get(r(rbac, "roles"), namespace, name);
        return (role.rules as PolicyRule[] | undefined) ?? [];
      } catch {
        return [];
      }
    };
    const clusterBindings = (await this.store.list(r(rbac, "clusterrolebindings"), undefined)).items as (KubeObject & Binding)[];
    for (const b of clusterBindings) {
      if (!bindsUser(b, user) || b.roleRef?.kind !== "ClusterRole") continue;
      if ((await rulesOf("ClusterRole", b.roleRef.name)).some((rule) => covers(rule, req))) return true;
    }
    if (req.namespace) {
      const bindings = (await this.store.list(r(rbac, "rolebindings"), req.namespace)).items as (KubeObject & Binding)[];
      for (const b of bindings) {
        if (!b.roleRef || !bindsUser(b, user, req.namespace)) continue;
        const rules = await rulesOf(b.roleRef.kind, b.roleRef.name, req.namespace);
        if (rules.some((rule) => covers(rule, req))) return true;
      }
    }
    return false;
  }
}
