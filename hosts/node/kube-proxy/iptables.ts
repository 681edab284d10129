// Applies renderRules' output: `iptables-restore --noflush` (only our chains, which the
// input declares, are flushed; stale per-service chains are deleted in the same
// transaction), then the jumps from the built-in chains, each added once (`iptables -C`
// before `iptables -I`). Commands go through an injectable executor, optionally inside a
// network namespace (`ip netns exec NS …`). Uses the default `iptables` (the nft variant on
// current distributions), never iptables-legacy.
import { spawn } from "node:child_process";
import { BASE_CHAINS, CHAIN_PREFIX, DYNAMIC_CHAIN, JUMP_RULES, renderRules, type RulesInput } from "./rules.js";

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args…` with `stdin`; resolves with the exit code (does not throw on non-zero). */
export type Executor = (cmd: string, args: string[], stdin?: string) => Promise<ExecResult>;

export const spawnExecutor: Executor = (cmd, args, stdin) =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.on("error", () => {});
    child.stdin.end(stdin ?? "");
  });

export interface IptablesOptions {
  exec?: Executor;
  /** Run every command inside this network namespace (`ip netns exec`). */
  netns?: string;
}

export class IptablesError extends Error {
  constructor(
    readonly command: string,
    readonly result: ExecResult,
  ) {
    super(`${command}: exit ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = "IptablesError";
  }
}

/** `iptables-save` output → the KUBELING- chains declared per table. */
export function parseChains(save: string): { nat: string[]; filter: string[] } {
  const out = { nat: [] as string[], filter: [] as string[] };
  let table = "";
  for (const line of save.split("\n")) {
    if (line.startsWith("*")) table = line.slice(1).trim();
    else if (line.startsWith(":") && (table === "nat" || table === "filter")) {
      const name = line.slice(1).split(" ")[0];
      if (name.startsWith(CHAIN_PREFIX)) out[table].push(name);
    }
  }
  return out;
}

export class Iptables {
  private readonly exec: Executor;
  private readonly netns?: string;

  constructor(options: IptablesOptions = {}) {
    this.exec = options.exec ?? spawnExecutor;
    this.netns = options.netns;
  }

  /** Runs a command (inside the namespace, if any). */
  run(cmd: string, args: string[], stdin?: string): Promise<ExecResult> {
    return this.netns ? this.exec("ip", ["netns", "exec", this.netns, cmd, ...args], stdin) : this.exec(cmd, args, stdin);
  }

  private async must(cmd: string, args: string[], stdin?: string): Promise<ExecResult> {
    const r = await this.run(cmd, args, stdin);
    if (r.code !== 0) throw new IptablesError(`${cmd} ${args.join(" ")}`, r);
    return r;
  }

  /** The KUBELING- chains present now. */
  async chains(): Promise<{ nat: string[]; filter: string[] }> {
    const nat = await this.must("iptables-save", ["-t", "nat"]);
    const filter = await this.must("iptables-save", ["-t", "filter"]);
    return { nat: parseChains(nat.stdout).nat, filter: parseChains(filter.stdout).filter };
  }

  /** Full sync: makes our chains match `input` and ensures the jumps into them. */
  async apply(input: Omit<RulesInput, "existingChains">): Promise<string> {
    const existingChains = await this.chains();
    const text = renderRules({ ...input, existingChains });
    await this.must("iptables-restore", ["-w", "5", "--noflush"], text);
    await this.ensureJumps();
    return text;
  }

  /** Adds each jump from a built-in chain once, at the top. */
  async ensureJumps(): Promise<void> {
    for (const j of JUMP_RULES) {
      const check = await this.run("iptables", ["-w", "5", "-t", j.table, "-C", j.chain, ...j.args]);
      if (check.code === 0) continue;
      await this.must("iptables", ["-w", "5", "-t", j.table, "-I", j.chain, "1", ...j.args]);
    }
  }

  /** Removes the jumps (every copy) and kube-proxy's chains (not the pod network's KUBELING-CNI- ones). */
  async teardown(): Promise<void> {
    for (const j of JUMP_RULES) {
      for (let i = 0; i < 100; i++) {
        const r = await this.run("iptables", ["-w", "5", "-t", j.table, "-D", j.chain, ...j.args]);
        if (r.code !== 0) break;
      }
    }
    const all = await this.chains();
    const nat = all.nat.filter((c) => (BASE_CHAINS.nat as readonly string[]).includes(c) || DYNAMIC_CHAIN.test(c));
    const filter = all.filter.filter((c) => (BASE_CHAINS.filter as readonly string[]).includes(c) || DYNAMIC_CHAIN.test(c));
    const lines: string[] = [];
    for (const [table, chains] of [
      ["nat", nat],
      ["filter", filter],
    ] as const) {
      if (chains.length === 0) continue;
      lines.push(`*${table}`);
      // Flush all first (they reference each other), then delete.
      for (const c of chains) lines.push(`:${c} - [0:0]`);
      for (const c of chains) lines.push(`-X ${c}`);
      lines.push("COMMIT");
    }
    if (lines.length > 0) await this.must("iptables-restore", ["-w", "5", "--noflush"], lines.join("\n") + "\n");
  }
}

export { BASE_CHAINS };
