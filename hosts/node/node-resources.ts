// What a node offers the scheduler when the machine's own figures are not what the user
// wants: `--node-capacity cpu=4,memory=8Gi,pods=50` replaces the measured capacity (as a
// KWOK node declares its own), and `--kube-reserved cpu=500m,memory=1Gi` holds some back
// from allocatable, as the kubelet's flag of that name does (allocatable = capacity − reserved).
import { parseQuantity } from "../../core/controllers/persistent-volume.js";

/** `name=quantity,...` → a resource list; a string says what is wrong. */
export function parseResourceFlag(flag: string, value: string): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const pair of value.split(",").filter(Boolean)) {
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq).trim();
    const quantity = pair.slice(eq + 1).trim();
    if (eq <= 0 || !/^[a-z0-9]([-a-z0-9./]*[a-z0-9])?$/.test(name)) return `invalid ${flag}: ${JSON.stringify(pair)} (name=quantity, e.g. cpu=4,memory=8Gi)`;
    if (!(parseQuantity(quantity) >= 0)) return `invalid ${flag}: ${name}=${quantity} is not a quantity`;
    out[name] = quantity;
  }
  return out;
}

/** Capacity minus what is reserved, never below zero; cpu in millicores, memory and storage in Ki. */
export function allocatableOf(capacity: Record<string, string>, reserved: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...capacity };
  for (const [name, held] of Object.entries(reserved)) {
    const total = parseQuantity(capacity[name]);
    if (!(total >= 0)) continue;
    const left = Math.max(0, total - parseQuantity(held));
    if (name === "cpu") out[name] = `${Math.floor(left * 1000)}m`;
    else if (name === "memory" || name === "ephemeral-storage") out[name] = `${Math.floor(left / 1024)}Ki`;
    else out[name] = String(Math.floor(left));
  }
  return out;
}
