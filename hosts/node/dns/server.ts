// The cluster DNS server (what CoreDNS with the kubernetes and forward plugins is in a real
// cluster): UDP and TCP (RFC 1035 length-prefixed, several queries per connection) on one
// address and port, answering the cluster domain from ClusterRecords — fed by shared
// informers on Services, EndpointSlices and Namespaces — and forwarding everything else to
// the upstream resolvers (the node's resolv.conf), or SERVFAIL at once when there are none.
//
// Wire handling: malformed queries get FORMERR (or are dropped when not even the header is
// there), responses are ignored, opcodes other than QUERY get NOTIMP; EDNS0 is answered with
// an OPT record (BADVERS for versions past 0) and sets the UDP size limit, 512 bytes without
// it; a UDP answer over the limit is cut to whole records and gets the TC bit, so the client
// retries over TCP.
import dgram from "node:dgram";
import net from "node:net";
import dnsPacket from "dns-packet";
import type { Answer, DecodedPacket, OptAnswer, Packet } from "dns-packet";
import type { ApiClient, KubeObject } from "../../../core/controllers/client.js";
import { R } from "../../../core/controllers/client.js";
import { SharedInformer } from "../../../core/controllers/informer.js";
import { ClusterRecords, type DnsResult, type EndpointSliceObject, type Rcode, type ServiceObject } from "./records.js";

export interface ClusterDnsOptions {
  client: ApiClient;
  /** Address to listen on (default 0.0.0.0). */
  address?: string;
  /** Port for UDP and TCP (default 53; 0 picks a free one, the same for both). */
  port?: number;
  clusterDomain?: string;
  /** Seconds (default 5, CoreDNS's). */
  ttl?: number;
  /** Resolvers for names outside the cluster domain: "ip" or "ip:port" ("[v6]:port"). */
  upstreams?: string[];
  /** How long to wait for one upstream (default 2000 ms). */
  upstreamTimeoutMs?: number;
  /** The DNS service's own addresses (ns.dns.<zone>). */
  dnsIPs?: string[];
  pods?: "insecure" | "disabled";
  /** How long start() waits for the informers (default 10 s); until they have synced, in-zone queries get SERVFAIL. */
  syncTimeoutMs?: number;
}

const RCODES: Record<Rcode | "BADVERS", number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 };
const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_CD = 0x0010;
const FLAG_DO = 0x8000;
/** The UDP size we advertise and the largest we send. */
const MAX_UDP_SIZE = 4096;
const TCP_IDLE_MS = 10_000;

interface Upstream {
  host: string;
  port: number;
}

export class ClusterDns {
  readonly records: ClusterRecords;
  private readonly informers: SharedInformer[] = [];
  private udp: dgram.Socket | null = null;
  private tcp: net.Server | null = null;
  private readonly connections = new Set<net.Socket>();
  private readonly upstreams: Upstream[];
  private synced = false;
  private boundPort = 0;
  /** Queries answered, by transport (for tests and metrics). */
  readonly stats = { udp: 0, tcp: 0, forwarded: 0, formerr: 0 };

  constructor(private readonly options: ClusterDnsOptions) {
    this.records = new ClusterRecords({
      clusterDomain: options.clusterDomain,
      ttl: options.ttl,
      dnsIPs: options.dnsIPs,
      pods: options.pods,
      trackNamespaces: true,
    });
    this.upstreams = (options.upstreams ?? []).map(parseUpstream).filter((u): u is Upstream => u !== null);
  }

  /** The port serving (known after start). */
  get port(): number {
    return this.boundPort;
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  async start(): Promise<void> {
    const client = this.options.client;
    const services = new SharedInformer(client, R.services);
    const slices = new SharedInformer(client, R.endpointSlices);
    const namespaces = new SharedInformer(client, R.namespaces);
    services.addEventHandler({
      add: (o) => this.records.setService(o as ServiceObject),
      update: (_, o) => this.records.setService(o as ServiceObject),
      delete: (o) => this.records.deleteService(meta(o).namespace, meta(o).name),
    });
    slices.addEventHandler({
      add: (o) => this.records.setEndpointSlice(o as EndpointSliceObject),
      update: (_, o) => this.records.setEndpointSlice(o as EndpointSliceObject),
      delete: (o) => this.records.deleteEndpointSlice(meta(o).namespace, meta(o).name),
    });
    namespaces.addEventHandler({
      add: (o) => this.records.setNamespace(meta(o).name),
      update: (_, o) => this.records.setNamespace(meta(o).name),
      delete: (o) => this.records.deleteNamespace(meta(o).name),
    });
    this.informers.push(services, slices, namespaces);
    for (const i of this.informers) void i.start();

    await this.listen();

    const timeout = this.options.syncTimeoutMs ?? 10_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const synced = Promise.all(this.informers.map((i) => i.waitForSync())).then(() => {
      this.synced = true;
    });
    await Promise.race([synced, new Promise<void>((r) => (timer = setTimeout(r, timeout)))]);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    for (const i of this.informers) i.stop();
    this.informers.length = 0;
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = null;
    this.tcp = null;
    await Promise.all([
      udp ? new Promise<void>((r) => udp.close(() => r())) : undefined,
      tcp ? new Promise<void>((r) => tcp.close(() => r())) : undefined,
    ]);
  }

  private async listen(): Promise<void> {
    const address = this.options.address ?? "0.0.0.0";
    const wanted = this.options.port ?? 53;
    // With port 0, the UDP port the kernel picks may be taken for TCP: try a few.
    for (let attempt = 0; ; attempt++) {
      const udp = dgram.createSocket({ type: net.isIPv6(address) ? "udp6" : "udp4" });
      await new Promise<void>((resolve, reject) => {
        udp.once("error", reject);
        udp.bind(wanted, address, () => {
          udp.off("error", reject);
          resolve();
        });
      });
      const port = udp.address().port;
      const tcp = net.createServer((socket) => this.serveTcp(socket));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once("error", reject);
          tcp.listen(port, address, () => {
            tcp.off("error", reject);
            resolve();
          });
        });
      } catch (err) {
        udp.close();
        if (wanted === 0 && attempt < 10) continue;
        throw err;
      }
      udp.on("message", (msg, rinfo) => this.serveUdp(udp, msg, rinfo));
      udp.on("error", () => {});
      tcp.on("error", () => {});
      this.udp = udp;
      this.tcp = tcp;
      this.boundPort = port;
      return;
    }
  }

  private serveUdp(udp: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    this.stats.udp++;
    void this.handle(msg, "udp").then(
      (reply) => {
        if (reply && this.udp === udp) udp.send(reply, rinfo.port, rinfo.address);
      },
      () => {},
    );
  }

  private serveTcp(socket: net.Socket): void {
    this.connections.add(socket);
    socket.setTimeout(TCP_IDLE_MS, () => socket.destroy());
    socket.on("close", () => this.connections.delete(socket));
    socket.on("error", () => socket.destroy());
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const msg = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        this.stats.tcp++;
        void this.handle(Buffer.from(msg), "tcp").then(
          (reply) => {
            if (!reply || socket.destroyed) return;
            const frame = Buffer.alloc(2 + reply.length);
            frame.writeUInt16BE(reply.length, 0);
            reply.copy(frame, 2);
            socket.write(frame);
          },
          () => socket.destroy(),
        );
      }
    });
  }

  /** The reply to one query message (null: send nothing). */
  async handle(msg: Buffer, transport: "udp" | "tcp"): Promise<Buffer | null> {
    if (msg.length < 12) return null;
    const flags = msg.readUInt16BE(2);
    if (flags & FLAG_QR) return null; // a response: never answer one (no loops)
    const opcode = (flags >> 11) & 0xf;
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      this.stats.formerr++;
      return headerOnly(msg, RCODES.FORMERR);
    }
    if (opcode !== 0) return headerOnly(msg, RCODES.NOTIMP);
    const questions = query.questions ?? [];
    if (questions.length !== 1) {
      this.stats.formerr++;
      return headerOnly(msg, RCODES.FORMERR);
    }
    const question = questions[0];
    const opts = (query.additionals ?? []).filter((a): a is OptAnswer => a.type === "OPT");
    if (opts.length > 1) return headerOnly(msg, RCODES.FORMERR);
    const opt = opts[0];
    const limit = transport === "tcp" ? 65535 : opt ? Math.max(512, Math.min(opt.udpPayloadSize, MAX_UDP_SIZE)) : 512;
    const replyOpt = opt ? ({ name: ".", type: "OPT", udpPayloadSize: MAX_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: opt.flags & FLAG_DO, flag_do: false, options: [] } as unknown as OptAnswer) : undefined;

    const base: Packet = {
      type: "response",
      id: query.id,
      flags: (query.flags ?? 0) & (FLAG_RD | FLAG_CD),
      questions: [question],
      answers: [],
      authorities: [],
      additionals: replyOpt ? [replyOpt] : [],
    };
    if (opt && opt.ednsVersion > 0) {
      (replyOpt as { extendedRcode: number }).extendedRcode = RCODES.BADVERS >> 4;
      return dnsPacket.encode(base);
    }
    if ((question.class ?? "IN") !== "IN" && question.class !== "ANY") return encodeReply(base, RCODES.REFUSED, limit);

    const result = this.synced || !this.inZone(question.name) ? this.records.answer(question) : null;
    if (result === null) return encodeReply(base, RCODES.SERVFAIL, limit);
    if (result.forward) {
      if (this.upstreams.length === 0) {
        // Reverse names nobody here owns: NXDOMAIN beats SERVFAIL for tools that look up every peer.
        if (/(^|\.)(in-addr|ip6)\.arpa\.?$/i.test(question.name)) return encodeReply({ ...base, authorities: [] }, RCODES.NXDOMAIN, limit);
        return encodeReply(base, RCODES.SERVFAIL, limit);
      }
      this.stats.forwarded++;
      const reply = await this.forward(msg, transport);
      if (!reply) return encodeReply(base, RCODES.SERVFAIL, limit);
      return reply;
    }
    return encodeResult(base, result, limit);
  }

  private inZone(name: string): boolean {
    const n = name.toLowerCase().replace(/\.$/, "");
    return n === this.records.zone || n.endsWith("." + this.records.zone);
  }

  /** Asks the upstreams in turn; the first answer wins. */
  private async forward(msg: Buffer, transport: "udp" | "tcp"): Promise<Buffer | null> {
    const timeout = this.options.upstreamTimeoutMs ?? 2000;
    for (const u of this.upstreams) {
      if (this.isSelf(u)) continue;
      const reply = transport === "udp" ? await forwardUdp(msg, u, timeout) : await forwardTcp(msg, u, timeout);
      if (reply) return reply;
    }
    return null;
  }

  private isSelf(u: Upstream): boolean {
    if (u.port !== this.boundPort) return false;
    const a = this.options.address ?? "0.0.0.0";
    return u.host === a || a === "0.0.0.0" || a === "::";
  }
}

function meta(o: KubeObject): { namespace: string; name: string } {
  const m = (o.metadata ?? {}) as { namespace?: string; name?: string };
  return { namespace: m.namespace ?? "", name: m.name ?? "" };
}

function parseUpstream(s: string): Upstream | null {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1], port: v6[2] ? Number(v6[2]) : 53 };
  if (net.isIPv6(s)) return { host: s, port: 53 };
  const m = /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m || !net.isIP(m[1])) return null;
  return { host: m[1], port: m[2] ? Number(m[2]) : 53 };
}

/** A reply of just the header: id, opcode and RD copied, no sections. */
function headerOnly(msg: Buffer, rcode: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(msg.readUInt16BE(0), 0);
  const flags = msg.readUInt16BE(2);
  out.writeUInt16BE(FLAG_QR | (flags & 0x7800) | (flags & FLAG_RD) | (rcode & 0xf), 2);
  return out;
}

function encodeResult(base: Packet, result: DnsResult, limit: number): Buffer {
  const packet: Packet = {
    ...base,
    flags: (base.flags ?? 0) | (result.authoritative ? FLAG_AA : 0),
    answers: result.answers as Answer[],
    authorities: result.authorities as Answer[],
    additionals: [...(result.additionals as Answer[]), ...(base.additionals ?? [])],
  };
  return encodeReply(packet, RCODES[result.rcode], limit);
}

/** Encodes, cutting whole records (additionals, authorities, then answers from the end) and setting TC when over `limit`. */
function encodeReply(packet: Packet, rcode: number, limit: number): Buffer {
  const p: Packet = { ...packet, flags: ((packet.flags ?? 0) & ~0xf) | (rcode & 0xf) };
  let out = dnsPacket.encode(p);
  if (out.length <= limit) return out;
  const opt = (p.additionals ?? []).filter((a) => a.type === "OPT");
  const answers = [...(p.answers ?? [])];
  const cut: Packet = { ...p, flags: (p.flags ?? 0) | FLAG_TC, authorities: [], additionals: opt, answers };
  out = dnsPacket.encode(cut);
  while (out.length > limit && answers.length > 0) {
    answers.pop();
    out = dnsPacket.encode(cut);
  }
  return out;
}

function forwardUdp(msg: Buffer, u: Upstream, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(u.host) ? "udp6" : "udp4");
    const id = msg.readUInt16BE(0);
    let done = false;
    const finish = (reply: Buffer | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on("error", () => finish(null));
    socket.on("message", (reply) => {
      if (reply.length >= 12 && reply.readUInt16BE(0) === id) finish(reply);
    });
    // Connected, so that an ICMP "port unreachable" ends the wait at once.
    socket.connect(u.port, u.host, () => socket.send(msg, (err) => err && finish(null)));
  });
}

function forwardTcp(msg: Buffer, u: Upstream, timeoutMs: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: u.host, port: u.port });
    let pending: Buffer = Buffer.alloc(0);
    let done = false;
    const finish = (reply: Buffer | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on("error", () => finish(null));
    socket.on("close", () => finish(null));
    socket.on("connect", () => {
      const frame = Buffer.alloc(2 + msg.length);
      frame.writeUInt16BE(msg.length, 0);
      msg.copy(frame, 2);
      socket.write(frame);
    });
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) finish(pending.subarray(2, 2 + pending.readUInt16BE(0)));
    });
  });
}
