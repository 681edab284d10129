// A pod's /etc/resolv.conf, as the kubelet's DNS configurer (pkg/kubelet/network/dns) forms
// it from the pod's dnsPolicy and dnsConfig, the cluster DNS addresses and domain, and the
// node's own resolv.conf. Pure: no Node APIs.
//
//   ClusterFirst (default)   nameserver <cluster DNS>; search <ns>.svc.<domain> svc.<domain>
//                            <domain> + the node's searches; options ndots:5. A hostNetwork pod
//                            gets Default instead, and so does every pod when no cluster DNS
//                            address is configured.
//   ClusterFirstWithHostNet  ClusterFirst, also for hostNetwork pods.
//   Default                  the node's nameservers, searches and options.
//   None                     nothing but the pod's dnsConfig.
// dnsConfig is then merged in (nameservers and searches appended without duplicates, options
// overriding by name) and the result cut to what resolvers take: 3 nameservers, 32 search
// domains of at most 253 characters and 2048 characters in all (the limits since
// ExpandedDNSConfig went GA in v1.28, still those of v1.32).

export const MAX_DNS_NAMESERVERS = 3;
export const MAX_DNS_SEARCH_PATHS = 32;
export const MAX_DNS_SEARCH_LIST_CHARS = 2048;
/** DNS1123SubdomainMaxLength: longer search domains make some resolvers (glibc 2.28) abort. */
const MAX_SEARCH_DOMAIN_LENGTH = 253;
const DEFAULT_OPTIONS = ["ndots:5"];

export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface PodDnsSpec {
  metadata?: { namespace?: string };
  spec?: {
    dnsPolicy?: string;
    hostNetwork?: boolean;
    dnsConfig?: {
      nameservers?: string[] | null;
      searches?: string[] | null;
      options?: { name?: string; value?: string | null }[] | null;
    } | null;
  };
}

export interface NodeDnsSettings {
  /** The kubelet's --cluster-domain ("" for none). */
  clusterDomain: string;
  /** The kubelet's --cluster-dns addresses. */
  clusterDNS: string[];
  /** The node's resolv.conf (parseResolvConf), or null when the kubelet has none (--resolv-conf=""). */
  host: DnsConfig | null;
  /** The node's addresses, for the loopback nameserver used without a resolv.conf (default IPv4). */
  nodeIPs?: string[];
}

export interface PodDnsResult {
  config: DnsConfig;
  /** What the kubelet reports as DNSConfigForming events. */
  warnings: string[];
}

/** nameservers, search domains and options of a resolv.conf, as the kubelet reads the node's. */
export function parseResolvConf(text: string): DnsConfig {
  const servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/[#;].*$/, "").trim();
    if (!line) continue;
    const fields = line.split(/\s+/);
    if (fields[0] === "nameserver" && fields.length >= 2) servers.push(fields[1]);
    else if (fields[0] === "search") {
      // The last search line wins; "." and trailing dots are dropped so a domain counts once.
      searches = fields.slice(1).filter((s) => s !== ".").map((s) => s.replace(/\.$/, ""));
    } else if (fields[0] === "options") options = mergeOptions(options, fields.slice(1));
  }
  return { servers, searches, options };
}

/** The resolv.conf text for a configuration. */
export function renderResolvConf(config: DnsConfig): string {
  const lines: string[] = [];
  if (config.searches.length) lines.push(`search ${config.searches.join(" ")}`);
  for (const s of config.servers) lines.push(`nameserver ${s}`);
  if (config.options.length) lines.push(`options ${config.options.join(" ")}`);
  return lines.length ? lines.join("\n") + "\n" : "";
}

/** The DNS configuration of a pod's sandbox (kubelet's GetPodDNS). */
export function podDnsConfig(pod: PodDnsSpec, node: NodeDnsSettings): PodDnsResult {
  const warnings: string[] = [];
  const namespace = pod.metadata?.namespace ?? "default";
  const spec = pod.spec ?? {};
  const host: DnsConfig = node.host ? copy(node.host) : { servers: [], searches: [], options: [] };
  let config: DnsConfig;

  let type: "none" | "cluster" | "host";
  switch (spec.dnsPolicy ?? "ClusterFirst") {
    case "None":
      type = "none";
      break;
    case "ClusterFirstWithHostNet":
      type = "cluster";
      break;
    case "ClusterFirst":
      type = spec.hostNetwork ? "host" : "cluster";
      break;
    case "Default":
      type = "host";
      break;
    default:
      throw new Error(`invalid DNSPolicy=${spec.dnsPolicy}`);
  }

  if (type === "cluster" && node.clusterDNS.length === 0) {
    warnings.push(`pod: "${namespace}". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`);
    type = "host";
  }
  if (type === "none") config = { servers: [], searches: [], options: [] };
  else if (type === "cluster") {
    const searches = node.clusterDomain ? [`${namespace}.svc.${node.clusterDomain}`, `svc.${node.clusterDomain}`, node.clusterDomain, ...host.searches] : host.searches;
    config = { servers: [...node.clusterDNS], searches: unique(searches), options: [...DEFAULT_OPTIONS] };
  } else {
    config = host;
    if (!node.host) {
      // Without a node resolv.conf, lookups go to a resolver on the node itself, and nothing is searched.
      const ips = node.nodeIPs?.length ? node.nodeIPs : ["0.0.0.0"];
      config.servers = unique(ips.map((ip) => (ip.includes(":") ? "::1" : "127.0.0.1")));
      config.searches = ["."];
    }
  }

  const extra = spec.dnsConfig;
  if (extra) {
    config.servers = unique([...config.servers, ...(extra.nameservers ?? [])]);
    config.searches = unique([...config.searches, ...(extra.searches ?? [])]);
    config.options = mergeOptions(
      config.options,
      (extra.options ?? []).filter((o) => o.name).map((o) => (o.value != null && o.value !== "" ? `${o.name}:${o.value}` : o.name!)),
    );
  }
  return { config: fitLimits(config, warnings), warnings };
}

function fitLimits(config: DnsConfig, warnings: string[]): DnsConfig {
  let servers = config.servers;
  if (servers.length > MAX_DNS_NAMESERVERS) {
    servers = servers.slice(0, MAX_DNS_NAMESERVERS);
    warnings.push(`Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${servers.join(" ")}`);
  }
  let searches = config.searches;
  let exceeded = false;
  if (searches.length > MAX_DNS_SEARCH_PATHS) {
    searches = searches.slice(0, MAX_DNS_SEARCH_PATHS);
    exceeded = true;
  }
  const fitting = searches.filter((s) => s.length <= MAX_SEARCH_DOMAIN_LENGTH);
  if (fitting.length !== searches.length) exceeded = true;
  searches = fitting;
  let length = searches.join(" ").length;
  if (length > MAX_DNS_SEARCH_LIST_CHARS) {
    // Drop domains from the end until the line fits.
    while (searches.length && length > MAX_DNS_SEARCH_LIST_CHARS) {
      length -= searches[searches.length - 1].length + 1;
      searches = searches.slice(0, -1);
    }
    exceeded = true;
  }
  if (exceeded) warnings.push(`Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${searches.join(" ")}`);
  return { servers, searches, options: config.options };
}

/** Options by name, later ones overriding earlier ones in place ("ndots:5" and "ndots:2" are one option). */
function mergeOptions(existing: string[], added: string[]): string[] {
  const byName = new Map<string, string>();
  for (const o of [...existing, ...added]) byName.set(o.split(":")[0], o);
  return [...byName.values()];
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function copy(c: DnsConfig): DnsConfig {
  return { servers: [...c.servers], searches: [...c.searches], options: [...c.options] };
}

/** The upstream resolvers of a node's resolv.conf, for the cluster DNS to forward to. */
export function upstreamsFromResolvConf(text: string): string[] {
  return parseResolvConf(text).servers;
}
