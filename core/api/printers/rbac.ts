// RoleBindings and ClusterRoleBindings: NAME ROLE AGE | USERS GROUPS SERVICEACCOUNTS.
// Roles and ClusterRoles have no printer upstream: they get the default NAME / CREATED AT.
import { FIELD_DOCS } from "./docs.js";
import { column, type Printer, type TableColumnDefinition } from "./table.js";
import { ageColumn, ageOf, nameColumn, nameOf, type HasMeta } from "./common.js";

interface Binding extends HasMeta {
  roleRef?: { kind?: string; name?: string };
  subjects?: { kind?: string; name?: string; namespace?: string }[] | null;
}

/** Subjects split by kind; service accounts as "namespace/name". Other kinds are not shown. */
export function subjectColumns(b: Binding): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const s of b.subjects ?? []) {
    if (s.kind === "User") users.push(s.name ?? "");
    else if (s.kind === "Group") groups.push(s.name ?? "");
    else if (s.kind === "ServiceAccount") serviceAccounts.push(`${s.namespace ?? ""}/${s.name ?? ""}`);
  }
  return [users.join(", "), groups.join(", "), serviceAccounts.join(", ")];
}

function bindingColumns(roleRefDoc: string, kindWord: string): TableColumnDefinition[] {
  const wide = { priority: 1 };
  return [
    nameColumn,
    column("Role", "string", roleRefDoc),
    ageColumn,
    column("Users", "string", `Users in the ${kindWord}`, wide),
    column("Groups", "string", `Groups in the ${kindWord}`, wide),
    column("ServiceAccounts", "string", `ServiceAccounts in the ${kindWord}`, wide),
  ];
}

function printBinding(b: Binding, now: Date) {
  const role = `${b.roleRef?.kind ?? ""}/${b.roleRef?.name ?? ""}`;
  return { cells: [nameOf(b), role, ageOf(b, now), ...subjectColumns(b)] };
}

export const roleBindingPrinter: Printer = {
  columns: bindingColumns(FIELD_DOCS["RoleBinding.roleRef"], "roleBinding"),
  row: printBinding,
};

export const clusterRoleBindingPrinter: Printer = {
  columns: bindingColumns(FIELD_DOCS["ClusterRoleBinding.roleRef"], "clusterRoleBinding"),
  row: printBinding,
};
