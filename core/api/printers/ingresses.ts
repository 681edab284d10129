// Ingresses (networking.k8s.io): NAME CLASS HOSTS ADDRESS PORTS AGE.
import { column, type Printer } from "./table.js";
import { ageColumn, ageOf, nameColumn, nameOf, type HasMeta } from "./common.js";
import { sortedUnique } from "./format.js";

interface Ingress extends HasMeta {
  spec?: { ingressClassName?: string | null; rules?: { host?: string }[]; tls?: unknown[] | null };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** HOSTS: the first three rule hosts, "*" when no rule names one, "+ N more..." past three rules. */
export function ingressHosts(ing: Ingress): string {
  const rules = ing.spec?.rules ?? [];
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (hosts.length === max) more = true;
    if (!more && rule.host) hosts.push(rule.host);
  }
  if (hosts.length === 0) return "*";
  // Upstream counts the extra rules, not the extra hosts.
  return more ? `${hosts.join(",")} + ${rules.length - max} more...` : hosts.join(",");
}

export const ingressPrinter: Printer = {
  columns: [
    nameColumn,
    column("Class", "string", "The name of the IngressClass resource that should be used for additional configuration"),
    column("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
    column("Address", "string", "Address is a list containing ingress points for the load-balancer"),
    column("Ports", "string", "Ports of TLS configurations that open"),
    ageColumn,
  ],
  row: (ing: Ingress, now) => {
    const lb = ing.status?.loadBalancer?.ingress ?? [];
    return {
      cells: [
        nameOf(ing),
        ing.spec?.ingressClassName ?? "<none>",
        ingressHosts(ing),
        sortedUnique(lb.map((i) => i.ip || i.hostname || "").filter((a) => a !== "")),
        (ing.spec?.tls ?? []).length > 0 ? "80, 443" : "80",
        ageOf(ing, now),
      ],
    };
  },
};
