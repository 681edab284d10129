// What runs once per machine however many nodes it hosts: kube-proxy's rules and the cluster
// DNS server bind to the machine (its iptables, the bridge's gateway address), so the first
// kubeling process on a machine serves them and the others leave them be. A pid file in
// /run (cleared at boot) says who holds a role; a holder that died is replaced.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const DIR = "/run/kubeling";

export type RoleClaim = { release(): void } | { heldBy: number };

/** Takes `role` for this process, or says which live process holds it. */
export function claimMachineRole(role: string, dir = DIR): RoleClaim {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const file = join(dir, `${role}.pid`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      return {
        release: () => {
          if (holder(file) === process.pid) rmSync(file, { force: true });
        },
      };
    } catch {
      const pid = holder(file);
      if (pid === process.pid) return { release: () => rmSync(file, { force: true }) };
      if (pid && alive(pid)) return { heldBy: pid };
      rmSync(file, { force: true });
    }
  }
  return { heldBy: holder(file) ?? 0 };
}

function holder(file: string): number | null {
  try {
    return Number(readFileSync(file, "utf8")) || null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
